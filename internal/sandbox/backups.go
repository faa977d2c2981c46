package sandbox

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Backup policy enums, as DigitalOcean accepts them (one source of truth
// with the provider's validators, in internal/doapi).
var (
	// BackupPlans are the backup plans; the first is the default.
	BackupPlans = doapi.BackupPlans
	// BackupWeekdays are the days a weekly backup may run.
	BackupWeekdays = doapi.BackupWeekdays
	// BackupHours are the UTC hours a backup window may start at.
	BackupHours = doapi.BackupHours
)

const (
	// BackupWindowHours is the length of every backup window.
	BackupWindowHours = doapi.BackupWindowHours
	// DailyBackupRetentionDays and WeeklyBackupRetentionDays are how long
	// DigitalOcean keeps a backup of each plan.
	DailyBackupRetentionDays  = doapi.DailyBackupRetentionDays
	WeeklyBackupRetentionDays = doapi.WeeklyBackupRetentionDays
	// defaultBackupWeekday is used for a weekly plan sent without a weekday.
	defaultBackupWeekday = "SUN"
)

// backupPolicyRequest is the backup_policy object of a create or action
// request. Every field may be absent (godo sends weekday "" for daily plans).
type backupPolicyRequest struct {
	Plan    string `json:"plan"`
	Weekday string `json:"weekday"`
	Hour    *int   `json:"hour"`
}

// resolveBackupPolicy validates a requested policy and fills what it leaves
// out: from current when changing a policy, else DigitalOcean's defaults
// (daily; the window hour spread by droplet id, as DigitalOcean assigns
// windows; SUN for weekly).
func resolveBackupPolicy(req *backupPolicyRequest, current *BackupPolicy, dropletID int) (*BackupPolicy, *APIError) {
	p := BackupPolicy{Plan: BackupPlans[0], Hour: BackupHours[dropletID%len(BackupHours)]}
	if current != nil {
		p = *current
	}
	if req != nil {
		if req.Plan != "" {
			if !slices.Contains(BackupPlans, req.Plan) {
				return nil, errUnprocessable("backup_policy.plan must be one of %s; got %q", strings.Join(BackupPlans, ", "), req.Plan)
			}
			p.Plan = req.Plan
		}
		if req.Weekday != "" {
			if !slices.Contains(BackupWeekdays, req.Weekday) {
				return nil, errUnprocessable("backup_policy.weekday must be one of %s; got %q", strings.Join(BackupWeekdays, ", "), req.Weekday)
			}
			if p.Plan != "weekly" {
				return nil, errUnprocessable("backup_policy.weekday is only valid with the weekly plan; got %q with plan %q", req.Weekday, p.Plan)
			}
			p.Weekday = req.Weekday
		}
		if req.Hour != nil {
			if !slices.Contains(BackupHours, *req.Hour) {
				return nil, errUnprocessable("backup_policy.hour must be one of %s; got %d", joinInts(BackupHours), *req.Hour)
			}
			p.Hour = *req.Hour
		}
	}
	switch p.Plan {
	case "weekly":
		if p.Weekday == "" {
			p.Weekday = defaultBackupWeekday
		}
		p.RetentionPeriodDays = WeeklyBackupRetentionDays
	default:
		p.Weekday = ""
		p.RetentionPeriodDays = DailyBackupRetentionDays
	}
	p.WindowLengthHours = BackupWindowHours
	return &p, nil
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

type backupPolicyJSON struct {
	Plan                string `json:"plan"`
	Weekday             string `json:"weekday,omitempty"`
	Hour                int    `json:"hour"`
	WindowLengthHours   int    `json:"window_length_hours"`
	RetentionPeriodDays int    `json:"retention_period_days"`
}

type backupWindowJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// nextBackupWindow is the next window the policy opens after now.
func nextBackupWindow(p *BackupPolicy, now time.Time) *backupWindowJSON {
	if p == nil {
		return nil
	}
	now = now.UTC()
	start := time.Date(now.Year(), now.Month(), now.Day(), p.Hour, 0, 0, 0, time.UTC)
	for !start.After(now) || (p.Plan == "weekly" && BackupWeekdays[start.Weekday()] != p.Weekday) {
		start = start.AddDate(0, 0, 1)
	}
	end := start.Add(time.Duration(p.WindowLengthHours) * time.Hour)
	return &backupWindowJSON{Start: timestamp(start), End: timestamp(end)}
}

// dropletBackupPolicyJSON is godo's DropletBackupPolicy: a disabled
// droplet reports only its id and backup_enabled false.
type dropletBackupPolicyJSON struct {
	DropletID        int               `json:"droplet_id"`
	BackupEnabled    bool              `json:"backup_enabled"`
	BackupPolicy     *backupPolicyJSON `json:"backup_policy,omitempty"`
	NextBackupWindow *backupWindowJSON `json:"next_backup_window,omitempty"`
}

func renderBackupPolicy(d *Droplet, now time.Time) dropletBackupPolicyJSON {
	out := dropletBackupPolicyJSON{DropletID: d.ID, BackupEnabled: d.Backups}
	if d.Backups && d.BackupPolicy != nil {
		p := d.BackupPolicy
		out.BackupPolicy = &backupPolicyJSON{Plan: p.Plan, Weekday: p.Weekday, Hour: p.Hour,
			WindowLengthHours: p.WindowLengthHours, RetentionPeriodDays: p.RetentionPeriodDays}
		out.NextBackupWindow = nextBackupWindow(p, now)
	}
	return out
}

type supportedBackupPolicyJSON struct {
	Name                 string   `json:"name"`
	PossibleWindowStarts []int    `json:"possible_window_starts"`
	WindowLengthHours    int      `json:"window_length_hours"`
	RetentionPeriodDays  int      `json:"retention_period_days"`
	PossibleDays         []string `json:"possible_days"`
}

var supportedBackupPolicies = []supportedBackupPolicyJSON{
	{Name: "weekly", PossibleWindowStarts: BackupHours, WindowLengthHours: BackupWindowHours,
		RetentionPeriodDays: WeeklyBackupRetentionDays, PossibleDays: BackupWeekdays},
	{Name: "daily", PossibleWindowStarts: BackupHours, WindowLengthHours: BackupWindowHours,
		RetentionPeriodDays: DailyBackupRetentionDays, PossibleDays: []string{}},
}

// Snapshot is an account image taken from a droplet: a snapshot (by the
// snapshot action) or a backup.
type Snapshot struct {
	ID            int       `json:"id"`
	Name          string    `json:"name"`
	Type          string    `json:"type"` // snapshot | backup
	Distribution  string    `json:"distribution"`
	Regions       []string  `json:"regions"`
	MinDiskSize   int       `json:"min_disk_size"`
	SizeGigabytes float64   `json:"size_gigabytes"`
	CreatedAt     time.Time `json:"created_at"`
	DropletID     int       `json:"droplet_id"`
	Tags          []string  `json:"tags"`
}

func (s *Snapshot) render() imageJSON {
	tags := s.Tags
	if tags == nil {
		tags = []string{}
	}
	return imageJSON{
		ID: s.ID, Name: s.Name, Distribution: s.Distribution, Public: false,
		Regions: slices.Clone(s.Regions), CreatedAt: timestamp(s.CreatedAt), MinDiskSize: s.MinDiskSize,
		Type: s.Type, SizeGigabytes: s.SizeGigabytes, Description: "", Tags: tags,
		Status: "available", ErrorMessage: "",
	}
}

func (w *World) snapshotsSorted() []*Snapshot {
	out := make([]*Snapshot, 0, len(w.Snapshots))
	for _, s := range w.Snapshots {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// takeSnapshot records a snapshot of d as it is now.
func (w *World) takeSnapshot(d *Droplet, name string, now time.Time) *Snapshot {
	if name == "" {
		name = fmt.Sprintf("%s-%d", d.Name, now.Unix())
	}
	distribution := ""
	if img, ok := w.catalog.imageByID(d.ImageID); ok { // retired builds too
		distribution = img.Distribution
	} else if snap, ok := w.Snapshots[d.ImageID]; ok {
		distribution = snap.Distribution
	}
	w.NextImageID++
	s := &Snapshot{
		ID: w.NextImageID - 1, Name: name, Type: "snapshot", Distribution: distribution,
		Regions: []string{d.Region}, MinDiskSize: d.Disk,
		// A fresh system compresses to about a tenth of its disk.
		SizeGigabytes: round2(float64(d.Disk) / 10), CreatedAt: now, DropletID: d.ID, Tags: []string{},
	}
	w.Snapshots[s.ID] = s
	d.SnapshotIDs = append(d.SnapshotIDs, s.ID)
	return s
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// dropletImages renders the snapshots or backups with the given ids.
func (w *World) dropletImages(ids []int) []imageJSON {
	out := []imageJSON{}
	for _, id := range ids {
		if s, ok := w.Snapshots[id]; ok {
			out = append(out, s.render())
		}
	}
	return out
}

func (s *Server) backupRoutes() {
	s.handle("GET /v2/droplets/backups/policies", listBackupPolicies)
	s.handle("GET /v2/droplets/backups/supported_policies", listSupportedBackupPolicies)
}

// listBackupPolicies serves GET /v2/droplets/backups/policies.
func listBackupPolicies(c *call) (int, any) {
	page, links, meta := pageOf(c, c.w.dropletsSorted())
	policies := make(map[string]dropletBackupPolicyJSON, len(page))
	for _, d := range page {
		policies[strconv.Itoa(d.ID)] = renderBackupPolicy(d, c.now)
	}
	return http.StatusOK, map[string]any{"policies": policies, "links": links, "meta": meta}
}

// listSupportedBackupPolicies serves GET /v2/droplets/backups/supported_policies.
func listSupportedBackupPolicies(c *call) (int, any) {
	return http.StatusOK, map[string]any{"supported_policies": supportedBackupPolicies}
}
