package sandbox

import (
	"slices"
	"sort"
	"time"
)

// Droplet is the sandbox's record of one droplet. It is rendered into
// DigitalOcean's JSON by renderDroplet; fields here are what DigitalOcean
// keeps, plus due times for transitions in flight.
type Droplet struct {
	ID           int           `json:"id"`
	Name         string        `json:"name"`
	Region       string        `json:"region"`
	Size         string        `json:"size"`
	Disk         int           `json:"disk"` // GB; stays put on a resize without disk
	ImageID      int           `json:"image_id"`
	Status       string        `json:"status"` // new, active, off, archive
	Locked       bool          `json:"locked"`
	CreatedAt    time.Time     `json:"created_at"`
	ActiveAt     time.Time     `json:"active_at"` // new -> active when reached
	Tags         []string      `json:"tags"`
	VPCUUID      string        `json:"vpc_uuid"`
	PublicIPv4   string        `json:"public_ipv4"`
	PrivateIPv4  string        `json:"private_ipv4"`
	PublicIPv6   string        `json:"public_ipv6,omitempty"` // empty without ipv6
	Monitoring   bool          `json:"monitoring"`
	DropletAgent bool          `json:"droplet_agent"`
	Backups      bool          `json:"backups"`
	BackupPolicy *BackupPolicy `json:"backup_policy,omitempty"`
	BackupIDs    []int         `json:"backup_ids"`
	SnapshotIDs  []int         `json:"snapshot_ids"`
	UserData     string        `json:"user_data,omitempty"`
	SSHKeys      []string      `json:"ssh_keys,omitempty"`
	// Killed marks a droplet that a sandbox fault powered off: it stays
	// listed but fails health checks until powered on again.
	Killed bool `json:"killed,omitempty"`
	// FailsHealth is sandbox-only: the droplet runs but its app never
	// answers health checks (booted from a "broken-*" image, or set by the
	// control API), so rollout failures can be tested.
	FailsHealth bool `json:"fails_health,omitempty"`
	// ErrorPercent is sandbox-only: the share of requests other than
	// health checks the droplet's app answers with 500 (booted from a
	// "canary-500-*" image).
	ErrorPercent int `json:"error_percent,omitempty"`
	// PendingActionID is the action in progress on the droplet (its create
	// included); DigitalOcean runs one at a time.
	PendingActionID int `json:"pending_action_id,omitempty"`
	// PublicNetworking false leaves the droplet without public addresses.
	NoPublicNetworking bool `json:"no_public_networking,omitempty"`
	// Utilization is sandbox-only: the CPU and memory load the droplet's
	// agent reports to an autoscale pool, set through the control API. Nil
	// is the defaults (DefaultCPUUtilization, DefaultMemoryUtilization).
	Utilization *Utilization `json:"utilization,omitempty"`
}

// BackupPolicy is DigitalOcean's droplet backup policy.
type BackupPolicy struct {
	Plan                string `json:"plan"`
	Weekday             string `json:"weekday,omitempty"`
	Hour                int    `json:"hour"`
	WindowLengthHours   int    `json:"window_length_hours"`
	RetentionPeriodDays int    `json:"retention_period_days"`
}

// hasTag reports whether the droplet carries tag (tags are case sensitive).
func (d *Droplet) hasTag(tag string) bool { return slices.Contains(d.Tags, tag) }

// dropletsSorted returns every droplet, oldest first (DigitalOcean lists by
// ascending id).
func (w *World) dropletsSorted() []*Droplet {
	out := make([]*Droplet, 0, len(w.Droplets))
	for _, d := range w.Droplets {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// dropletsWithTag returns the droplets carrying tag, oldest first.
func (w *World) dropletsWithTag(tag string) []*Droplet {
	var out []*Droplet
	for _, d := range w.dropletsSorted() {
		if d.hasTag(tag) {
			out = append(out, d)
		}
	}
	return out
}
