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

// powerOff turns an active droplet off and waits for it.
func (e *testEnv) powerOff(id int) {
	e.t.Helper()
	if _, _, err := e.client.DropletActions.PowerOff(e.ctx, id); err != nil {
		e.t.Fatalf("power off %d: %v", id, err)
	}
	e.advance(e.srv.delays.DropletAction)
}

// dropletAction posts a raw action body, for bodies godo has no method for.
func (e *testEnv) dropletAction(id int, body map[string]any) (*godo.Action, error) {
	req, err := e.client.NewRequest(e.ctx, http.MethodPost, fmt.Sprintf("v2/droplets/%d/actions", id), body)
	if err != nil {
		e.t.Fatal(err)
	}
	var root struct {
		Action *godo.Action `json:"action"`
	}
	_, err = e.client.Do(e.ctx, req, &root)
	return root.Action, err
}

func TestDropletActionEffects(t *testing.T) {
	hour := func(h int) *int { return &h }
	cases := []struct {
		name  string
		off   bool // power the droplet off first
		start func(e *testEnv, id int) (*godo.Action, *godo.Response, error)
		delay func(Delays) time.Duration
		check func(t *testing.T, e *testEnv, before, after *godo.Droplet)
	}{
		{"power_off turns it off", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.PowerOff(e.ctx, id)
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) { wantStatus(t, after, "off") }},
		{"shutdown turns it off", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.Shutdown(e.ctx, id)
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) { wantStatus(t, after, "off") }},
		{"shutdown of an off droplet is accepted", true,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.Shutdown(e.ctx, id)
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) { wantStatus(t, after, "off") }},
		{"power_on turns it on", true,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.PowerOn(e.ctx, id)
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) { wantStatus(t, after, "active") }},
		{"reboot keeps it active", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.Reboot(e.ctx, id)
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) { wantStatus(t, after, "active") }},
		{"power_cycle brings an off droplet back", true,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.PowerCycle(e.ctx, id)
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) { wantStatus(t, after, "active") }},
		{"resize without disk keeps the disk", true,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.Resize(e.ctx, id, "s-2vcpu-4gb", false)
			}, func(d Delays) time.Duration { return d.DropletResize },
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) {
				if after.SizeSlug != "s-2vcpu-4gb" || after.Memory != 4096 || after.Vcpus != 2 || after.Disk != before.Disk {
					t.Errorf("after resize: %s %d MB %d vCPU %d GB", after.SizeSlug, after.Memory, after.Vcpus, after.Disk)
				}
				wantStatus(t, after, "off")
			}},
		{"resize with disk grows the disk", true,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.Resize(e.ctx, id, "s-2vcpu-4gb", true)
			}, func(d Delays) time.Duration { return d.DropletResize },
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) {
				if after.SizeSlug != "s-2vcpu-4gb" || after.Disk != 80 {
					t.Errorf("after resize: %s %d GB", after.SizeSlug, after.Disk)
				}
			}},
		{"rename", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.Rename(e.ctx, id, "web-renamed")
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) {
				if after.Name != "web-renamed" {
					t.Errorf("name %q", after.Name)
				}
			}},
		{"enable_backups with a policy", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.EnableBackupsWithPolicy(e.ctx, id,
					&godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "TUE", Hour: hour(8)})
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) {
				p, _, err := e.client.Droplets.GetBackupPolicy(e.ctx, after.ID)
				if err != nil || !p.BackupEnabled || p.BackupPolicy.Plan != "weekly" || p.BackupPolicy.Weekday != "TUE" || p.BackupPolicy.Hour != 8 {
					t.Errorf("policy %+v %v", p, err)
				}
				if !slices.Contains(after.Features, "backups") || after.NextBackupWindow == nil {
					t.Errorf("features %v window %v", after.Features, after.NextBackupWindow)
				}
			}},
		{"snapshot adds an image", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.Snapshot(e.ctx, id, "web-1-before-upgrade")
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) {
				if len(after.SnapshotIDs) != 1 {
					t.Fatalf("snapshot ids %v", after.SnapshotIDs)
				}
				img, _, err := e.client.Images.GetByID(e.ctx, after.SnapshotIDs[0])
				if err != nil || img.Name != "web-1-before-upgrade" || img.Type != "snapshot" || img.Public || img.MinDiskSize != 25 {
					t.Errorf("snapshot image %+v %v", img, err)
				}
				snaps, _, err := e.client.Droplets.Snapshots(e.ctx, after.ID, nil)
				if err != nil || len(snaps) != 1 {
					t.Errorf("droplet snapshots %v %v", snaps, err)
				}
			}},
		{"enable_ipv6 adds an address", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.EnableIPv6(e.ctx, id)
			}, nil,
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) {
				if v6, _ := after.PublicIPv6(); v6 == "" || !slices.Contains(after.Features, "ipv6") {
					t.Errorf("ipv6 %q features %v", v6, after.Features)
				}
			}},
		{"rebuild onto a broken image", false,
			func(e *testEnv, id int) (*godo.Action, *godo.Response, error) {
				return e.client.DropletActions.RebuildByImageSlug(e.ctx, id, "broken-debian-13-x64")
			}, func(d Delays) time.Duration { return d.DropletBoot },
			func(t *testing.T, e *testEnv, before, after *godo.Droplet) {
				if after.Image.Slug != "broken-debian-13-x64" {
					t.Errorf("image %q", after.Image.Slug)
				}
				e.srv.Inspect(func(w *World) {
					if !w.Droplets[after.ID].FailsHealth {
						t.Error("rebuilt onto a broken image but FailsHealth is false")
					}
				})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			d := e.activeDroplet("web-1")
			if tc.off {
				e.powerOff(d.ID)
			}
			before := e.getDroplet(d.ID)
			a, resp, err := tc.start(e, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusCreated || a.Status != "in-progress" || a.CompletedAt != nil ||
				a.ResourceID != d.ID || a.ResourceType != "droplet" || a.RegionSlug != "nyc3" || a.Region == nil || a.Region.Slug != "nyc3" {
				t.Fatalf("action %d %+v", resp.StatusCode, a)
			}
			if got := e.getDroplet(d.ID); !got.Locked {
				t.Error("droplet not locked while its action runs")
			}
			delay := e.srv.delays.DropletAction
			if tc.delay != nil {
				delay = tc.delay(e.srv.delays)
			}
			e.advance(delay - time.Second)
			if mid, _, _ := e.client.Actions.Get(e.ctx, a.ID); mid.Status != "in-progress" {
				t.Errorf("a second before due: %q", mid.Status)
			}
			e.advance(time.Second)
			done, _, err := e.client.Actions.Get(e.ctx, a.ID)
			if err != nil || done.Status != "completed" || done.CompletedAt == nil {
				t.Fatalf("action when due: %+v %v", done, err)
			}
			after := e.getDroplet(d.ID)
			if after.Locked {
				t.Error("droplet still locked after its action")
			}
			tc.check(t, e, before, after)
		})
	}
}

func wantStatus(t *testing.T, d *godo.Droplet, want string) {
	t.Helper()
	if d.Status != want {
		t.Errorf("status %q, want %q", d.Status, want)
	}
}

func TestDropletActionEffectsWaitForCompletion(t *testing.T) {
	e := newTestEnv(t)
	d := e.activeDroplet("web-1")
	if _, _, err := e.client.DropletActions.PowerOff(e.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.getDroplet(d.ID); got.Status != "active" {
		t.Errorf("status %q before the action completes, want active", got.Status)
	}
}

func TestDropletActionRefusals(t *testing.T) {
	cases := []struct {
		name   string
		off    bool
		booted bool // false: act while the droplet is still being created
		act    func(e *testEnv, id int) error
		want   string
	}{
		{"action during create", false, false, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.Reboot(e.ctx, id)
			return err
		}, "Droplet already has a pending event."},
		{"second action while one runs", false, true, func(e *testEnv, id int) error {
			if _, _, err := e.client.DropletActions.Reboot(e.ctx, id); err != nil {
				e.t.Fatal(err)
			}
			_, _, err := e.client.DropletActions.PowerOff(e.ctx, id)
			return err
		}, "Droplet already has a pending event."},
		{"power_off when off", true, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.PowerOff(e.ctx, id)
			return err
		}, "Droplet is already powered off."},
		{"power_on when on", false, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.PowerOn(e.ctx, id)
			return err
		}, "Droplet is already powered on."},
		{"resize while on", false, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.Resize(e.ctx, id, "s-2vcpu-4gb", true)
			return err
		}, "Please power it off"},
		{"resize to the same size", true, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.Resize(e.ctx, id, "s-1vcpu-1gb", false)
			return err
		}, "already set to this size"},
		{"resize below the disk", true, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.Resize(e.ctx, id, "s-1vcpu-512mb-10gb", false)
			return err
		}, "can not be smaller"},
		{"resize to an unknown size", true, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.Resize(e.ctx, id, "s-64vcpu", false)
			return err
		}, `"s-64vcpu"`},
		{"resize to a size the region lacks", true, true, func(e *testEnv, id int) error {
			// AMD plans are not offered in sfo2.
			_ = e.srv.Mutate(func(w *World, now time.Time) error { w.Droplets[id].Region = "sfo2"; return nil })
			_, _, err := e.client.DropletActions.Resize(e.ctx, id, "s-2vcpu-2gb-amd", false)
			return err
		}, "not available in this region"},
		{"rename to an invalid name", false, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.Rename(e.ctx, id, "web_1")
			return err
		}, "valid hostname characters"},
		{"enable_backups twice", false, true, func(e *testEnv, id int) error {
			if _, _, err := e.client.DropletActions.EnableBackups(e.ctx, id); err != nil {
				e.t.Fatal(err)
			}
			e.advance(e.srv.delays.DropletAction)
			_, _, err := e.client.DropletActions.EnableBackups(e.ctx, id)
			return err
		}, "already been enabled"},
		{"disable_backups when disabled", false, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.DisableBackups(e.ctx, id)
			return err
		}, "already been disabled"},
		{"change_backup_policy without backups", false, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.ChangeBackupPolicy(e.ctx, id, &godo.DropletBackupPolicyRequest{Plan: "daily"})
			return err
		}, "not enabled"},
		{"change_backup_policy without a policy", false, true, func(e *testEnv, id int) error {
			_, err := e.dropletAction(id, map[string]any{"type": "change_backup_policy"})
			return err
		}, "backup_policy is required"},
		{"rebuild onto an unknown image", false, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.RebuildByImageSlug(e.ctx, id, "windows-11")
			return err
		}, "invalid image"},
		{"unknown type", false, true, func(e *testEnv, id int) error {
			_, err := e.dropletAction(id, map[string]any{"type": "teleport"})
			return err
		}, `"teleport"`},
		{"restore is not emulated", false, true, func(e *testEnv, id int) error {
			_, _, err := e.client.DropletActions.Restore(e.ctx, id, 12345)
			return err
		}, "restore"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			var id int
			if tc.booted {
				id = e.activeDroplet("web-1").ID
			} else {
				id = e.createDroplet(dropletRequest("web-1")).ID
			}
			if tc.off {
				e.powerOff(id)
			}
			er := e.apiError(tc.act(e, id), http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) {
				t.Errorf("message %q does not mention %q", er.Message, tc.want)
			}
		})
	}
	t.Run("unknown droplet", func(t *testing.T) {
		e := newTestEnv(t)
		_, _, err := e.client.DropletActions.Reboot(e.ctx, 999)
		e.apiError(err, http.StatusNotFound, "not_found")
	})
}

func TestActionsListAndGet(t *testing.T) {
	e := newTestEnv(t)
	d := e.activeDroplet("web-1")
	other := e.activeDroplet("web-2")
	reboot, _, err := e.client.DropletActions.Reboot(e.ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}

	all, resp, err := e.client.Actions.List(e.ctx, &godo.ListOptions{PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || resp.Meta.Total != 3 || all[0].ID != reboot.ID || resp.Links.IsLastPage() {
		t.Errorf("page 1 of /v2/actions: %d actions, total %d, first %d (want newest, %d)", len(all), resp.Meta.Total, all[0].ID, reboot.ID)
	}
	mine, _, err := e.client.Droplets.Actions(e.ctx, d.ID, nil)
	if err != nil || len(mine) != 2 || mine[0].Type != "reboot" || mine[1].Type != "create" {
		t.Errorf("droplet actions %+v %v", mine, err)
	}
	got, _, err := e.client.DropletActions.Get(e.ctx, d.ID, reboot.ID)
	if err != nil || got.ID != reboot.ID {
		t.Errorf("droplet action get: %+v %v", got, err)
	}
	_, _, err = e.client.DropletActions.Get(e.ctx, other.ID, reboot.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, _, err = e.client.Actions.Get(e.ctx, 1)
	e.apiError(err, http.StatusNotFound, "not_found")
	byURI, _, err := e.client.DropletActions.GetByURI(e.ctx, fmt.Sprintf("%s/v2/actions/%d", e.http.URL, reboot.ID))
	if err != nil || byURI.Type != "reboot" {
		t.Errorf("by uri: %+v %v", byURI, err)
	}
}

func TestBulkDropletActionByTag(t *testing.T) {
	e := newTestEnv(t)
	web1 := e.activeDroplet("web-1", "tier:web")
	web2 := e.activeDroplet("web-2", "tier:web")
	db := e.activeDroplet("db-1")
	e.powerOff(web2.ID)

	actions, resp, err := e.client.DropletActions.PowerOffByTag(e.ctx, "tier:web")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || len(actions) != 2 {
		t.Fatalf("status %d, %d actions", resp.StatusCode, len(actions))
	}
	status := map[int]string{}
	for _, a := range actions {
		status[a.ResourceID] = a.Status
	}
	if status[web1.ID] != "in-progress" || status[web2.ID] != "errored" {
		t.Errorf("statuses %v: the running droplet powers off, the off one errors", status)
	}
	e.advance(e.srv.delays.DropletAction)
	if got := e.getDroplet(web1.ID); got.Status != "off" {
		t.Errorf("web-1 %q", got.Status)
	}
	if got := e.getDroplet(db.ID); got.Status != "active" {
		t.Errorf("untagged droplet %q", got.Status)
	}

	if _, _, err := e.client.DropletActions.EnableBackupsByTag(e.ctx, "tier:web"); err != nil {
		t.Fatalf("enable backups by tag: %v", err)
	}
	req, _ := e.client.NewRequest(e.ctx, http.MethodPost, "v2/droplets/actions?tag_name=tier:web", map[string]any{"type": "reboot"})
	_, err = e.client.Do(e.ctx, req, nil)
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if !strings.Contains(er.Message, `"reboot"`) {
		t.Errorf("message %q", er.Message)
	}
	_, _, err = e.client.DropletActions.PowerOnByTag(e.ctx, "no-such-tag")
	e.apiError(err, http.StatusNotFound, "not_found")
}
