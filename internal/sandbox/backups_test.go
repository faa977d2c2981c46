package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func intPtr(i int) *int { return &i }

func (e *testEnv) dropletWithBackups(name string, policy *godo.DropletBackupPolicyRequest) *godo.Droplet {
	e.t.Helper()
	req := dropletRequest(name)
	req.Backups, req.BackupPolicy = true, policy
	return e.createDroplet(req)
}

func TestBackupPolicyDefaults(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct {
		name   string
		policy *godo.DropletBackupPolicyRequest
		want   godo.DropletBackupPolicyConfig
	}{
		{"no policy is daily", nil,
			godo.DropletBackupPolicyConfig{Plan: "daily", WindowLengthHours: 4, RetentionPeriodDays: 7}},
		{"weekly without a weekday runs on Sunday", &godo.DropletBackupPolicyRequest{Plan: "weekly", Hour: intPtr(4)},
			godo.DropletBackupPolicyConfig{Plan: "weekly", Weekday: "SUN", Hour: 4, WindowLengthHours: 4, RetentionPeriodDays: 28}},
		{"daily as the Terraform provider sends it (empty weekday)", &godo.DropletBackupPolicyRequest{Plan: "daily", Weekday: "", Hour: intPtr(20)},
			godo.DropletBackupPolicyConfig{Plan: "daily", Hour: 20, WindowLengthHours: 4, RetentionPeriodDays: 7}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := e.dropletWithBackups(fmt.Sprintf("web-%d", i), tc.policy)
			got, _, err := e.client.Droplets.GetBackupPolicy(e.ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.BackupEnabled || got.DropletID != d.ID || got.BackupPolicy == nil || got.NextBackupWindow == nil {
				t.Fatalf("policy %+v", got)
			}
			want := tc.want
			if tc.policy == nil || tc.policy.Hour == nil {
				if !slices.Contains(BackupHours, got.BackupPolicy.Hour) {
					t.Errorf("default hour %d is not a window start", got.BackupPolicy.Hour)
				}
				want.Hour = got.BackupPolicy.Hour
			}
			if *got.BackupPolicy != want {
				t.Errorf("policy %+v, want %+v", *got.BackupPolicy, want)
			}
			if !slices.Contains(d.Features, "backups") {
				t.Errorf("features %v", d.Features)
			}
		})
	}
}

func TestNextBackupWindow(t *testing.T) {
	// The test epoch is Sunday 2026-11-01 12:00 UTC.
	cases := []struct {
		policy *godo.DropletBackupPolicyRequest
		start  string
	}{
		{&godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "MON", Hour: intPtr(0)}, "2026-11-02T00:00:00Z"},
		{&godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "SUN", Hour: intPtr(16)}, "2026-11-01T16:00:00Z"},
		{&godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "SUN", Hour: intPtr(8)}, "2026-11-08T08:00:00Z"},
		{&godo.DropletBackupPolicyRequest{Plan: "daily", Hour: intPtr(20)}, "2026-11-01T20:00:00Z"},
		{&godo.DropletBackupPolicyRequest{Plan: "daily", Hour: intPtr(12)}, "2026-11-02T12:00:00Z"},
	}
	e := newTestEnv(t)
	for i, tc := range cases {
		t.Run(tc.start, func(t *testing.T) {
			d := e.dropletWithBackups(fmt.Sprintf("web-%d", i), tc.policy)
			p, _, err := e.client.Droplets.GetBackupPolicy(e.ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			start, end := p.NextBackupWindow.Start.Time, p.NextBackupWindow.End.Time
			if got := start.UTC().Format(time.RFC3339); got != tc.start {
				t.Errorf("next window starts %s, want %s", got, tc.start)
			}
			if end.Sub(start) != 4*time.Hour {
				t.Errorf("window lasts %v", end.Sub(start))
			}
			if d.NextBackupWindow == nil || !d.NextBackupWindow.Start.Time.Equal(start) {
				t.Errorf("droplet's next_backup_window %+v", d.NextBackupWindow)
			}
		})
	}
}

func TestBackupPolicyValidationInActions(t *testing.T) {
	cases := []struct {
		name   string
		change bool // change_backup_policy on a droplet with backups, else enable_backups
		policy *godo.DropletBackupPolicyRequest
		want   string
	}{
		{"unknown plan", false, &godo.DropletBackupPolicyRequest{Plan: "hourly"}, `"hourly"`},
		{"weekday on daily", false, &godo.DropletBackupPolicyRequest{Plan: "daily", Weekday: "FRI"}, "weekly plan"},
		{"lowercase weekday", false, &godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "fri"}, `"fri"`},
		{"hour 24", false, &godo.DropletBackupPolicyRequest{Plan: "daily", Hour: intPtr(24)}, "0, 4, 8, 12, 16, 20"},
		{"change to an unknown plan", true, &godo.DropletBackupPolicyRequest{Plan: "monthly"}, `"monthly"`},
		{"change to an odd hour", true, &godo.DropletBackupPolicyRequest{Hour: intPtr(5)}, "got 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			var err error
			if tc.change {
				d := e.dropletWithBackups("web-1", nil)
				e.advance(e.srv.delays.DropletBoot)
				_, _, err = e.client.DropletActions.ChangeBackupPolicy(e.ctx, d.ID, tc.policy)
			} else {
				d := e.activeDroplet("web-1")
				_, _, err = e.client.DropletActions.EnableBackupsWithPolicy(e.ctx, d.ID, tc.policy)
			}
			er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) || !strings.Contains(er.Message, "backup_policy") {
				t.Errorf("message %q does not name backup_policy and %q", er.Message, tc.want)
			}
		})
	}
}

func TestChangeAndDisableBackups(t *testing.T) {
	e := newTestEnv(t)
	d := e.dropletWithBackups("web-1", &godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "WED", Hour: intPtr(4)})
	e.advance(e.srv.delays.DropletBoot)

	// Only the hour: plan and weekday stay.
	if _, _, err := e.client.DropletActions.ChangeBackupPolicy(e.ctx, d.ID, &godo.DropletBackupPolicyRequest{Hour: intPtr(16)}); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	p, _, _ := e.client.Droplets.GetBackupPolicy(e.ctx, d.ID)
	if p.BackupPolicy.Plan != "weekly" || p.BackupPolicy.Weekday != "WED" || p.BackupPolicy.Hour != 16 {
		t.Errorf("after changing the hour: %+v", p.BackupPolicy)
	}

	if _, _, err := e.client.DropletActions.ChangeBackupPolicy(e.ctx, d.ID, &godo.DropletBackupPolicyRequest{Plan: "daily"}); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	p, _, _ = e.client.Droplets.GetBackupPolicy(e.ctx, d.ID)
	if p.BackupPolicy.Plan != "daily" || p.BackupPolicy.Weekday != "" || p.BackupPolicy.RetentionPeriodDays != 7 {
		t.Errorf("after switching to daily: %+v", p.BackupPolicy)
	}

	if _, _, err := e.client.DropletActions.DisableBackups(e.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	raw := e.rawGet(fmt.Sprintf("v2/droplets/%d/backups/policy", d.ID))["policy"].(map[string]any)
	if len(raw) != 2 || raw["backup_enabled"] != false {
		t.Errorf("a droplet without backups reports %v, want only droplet_id and backup_enabled", raw)
	}
	if got := e.getDroplet(d.ID); slices.Contains(got.Features, "backups") || got.NextBackupWindow != nil {
		t.Errorf("features %v window %v", got.Features, got.NextBackupWindow)
	}
}

func TestListBackupPolicies(t *testing.T) {
	e := newTestEnv(t)
	a := e.dropletWithBackups("web-1", nil)
	b := e.dropletWithBackups("web-2", &godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "SAT", Hour: intPtr(20)})
	c := e.createDroplet(dropletRequest("web-3"))

	page1, resp, err := e.client.Droplets.ListBackupPolicies(e.ctx, &godo.ListOptions{PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1) != 2 || resp.Meta.Total != 3 || resp.Links.IsLastPage() {
		t.Fatalf("page 1: %d policies, total %d", len(page1), resp.Meta.Total)
	}
	if page1[a.ID] == nil || page1[b.ID].BackupPolicy.Weekday != "SAT" {
		t.Errorf("page 1 %v", page1)
	}
	page2, _, err := e.client.Droplets.ListBackupPolicies(e.ctx, &godo.ListOptions{Page: 2, PerPage: 2})
	if err != nil || len(page2) != 1 || page2[c.ID] == nil || page2[c.ID].BackupEnabled || page2[c.ID].BackupPolicy != nil {
		t.Errorf("page 2 %v %v", page2, err)
	}

	_, _, err = e.client.Droplets.GetBackupPolicy(e.ctx, 999)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestSupportedBackupPolicies(t *testing.T) {
	e := newTestEnv(t)
	got, _, err := e.client.Droplets.ListSupportedBackupPolicies(e.ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("%v %v", got, err)
	}
	weekly, daily := got[0], got[1]
	if weekly.Name != "weekly" || weekly.RetentionPeriodDays != 28 || !slices.Equal(weekly.PossibleDays, BackupWeekdays) ||
		!slices.Equal(weekly.PossibleWindowStarts, BackupHours) || weekly.WindowLengthHours != 4 {
		t.Errorf("weekly %+v", weekly)
	}
	if daily.Name != "daily" || daily.RetentionPeriodDays != 7 || len(daily.PossibleDays) != 0 || !slices.Equal(daily.PossibleWindowStarts, BackupHours) {
		t.Errorf("daily %+v", daily)
	}
}

func TestDropletBackupsListIsEmpty(t *testing.T) {
	e := newTestEnv(t)
	d := e.dropletWithBackups("web-1", nil)
	backups, resp, err := e.client.Droplets.Backups(e.ctx, d.ID, nil)
	if err != nil || len(backups) != 0 || resp.Meta == nil || resp.Meta.Total != 0 {
		t.Errorf("backups %v meta %+v err %v", backups, resp.Meta, err)
	}
	_, _, err = e.client.Droplets.Backups(e.ctx, 999, nil)
	e.apiError(err, http.StatusNotFound, "not_found")
}
