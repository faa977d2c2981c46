package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// dropletRequest is a valid single create; cases change what they test.
func dropletRequest(name string) *godo.DropletCreateRequest {
	return &godo.DropletCreateRequest{
		Name: name, Region: "nyc3", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"},
	}
}

func multiRequest(names ...string) *godo.DropletMultiCreateRequest {
	return &godo.DropletMultiCreateRequest{
		Names: names, Region: "nyc3", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"},
	}
}

func (e *testEnv) createDroplet(req *godo.DropletCreateRequest) *godo.Droplet {
	e.t.Helper()
	d, _, err := e.client.Droplets.Create(e.ctx, req)
	if err != nil {
		e.t.Fatalf("create droplet %s: %v", req.Name, err)
	}
	return d
}

// activeDroplet creates a droplet and lets it boot.
func (e *testEnv) activeDroplet(name string, tags ...string) *godo.Droplet {
	e.t.Helper()
	req := dropletRequest(name)
	req.Tags = tags
	d := e.createDroplet(req)
	e.advance(e.srv.delays.DropletBoot)
	return e.getDroplet(d.ID)
}

func (e *testEnv) getDroplet(id int) *godo.Droplet {
	e.t.Helper()
	d, _, err := e.client.Droplets.Get(e.ctx, id)
	if err != nil {
		e.t.Fatalf("get droplet %d: %v", id, err)
	}
	return d
}

// rawGet decodes a GET response as plain JSON, to check nulls and empty
// arrays that godo's structs cannot tell apart.
func (e *testEnv) rawGet(path string) map[string]any {
	e.t.Helper()
	req, err := e.client.NewRequest(e.ctx, http.MethodGet, path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	if _, err := e.client.Do(e.ctx, req, &out); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

func (e *testEnv) dropletCount() int {
	n := 0
	e.srv.Inspect(func(w *World) { n = len(w.Droplets) })
	return n
}

func TestCreateDropletAnswersDigitalOceansShape(t *testing.T) {
	e := newTestEnv(t)
	req := dropletRequest("web-1")
	req.Tags = []string{"env:prod", "web"}
	req.Monitoring = true
	d, resp, err := e.client.Droplets.Create(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("status %d, want 202", resp.StatusCode)
	}
	if d.ID < 1 || d.Name != "web-1" || d.Status != "new" || d.Memory != 1024 || d.Vcpus != 1 || d.Disk != 25 {
		t.Errorf("droplet %+v", d)
	}
	if d.SizeSlug != "s-1vcpu-1gb" || d.Size.Slug != "s-1vcpu-1gb" || d.Size.PriceMonthly != 6 || d.Size.PriceHourly != 0.00893 {
		t.Errorf("size %q %+v", d.SizeSlug, d.Size)
	}
	if d.Region.Slug != "nyc3" || d.Region.Name != "New York 3" || !slices.Contains(d.Region.Sizes, "s-1vcpu-1gb") {
		t.Errorf("region %+v", d.Region)
	}
	if d.Image.Slug != "ubuntu-24-04-x64" || d.Image.Distribution != "Ubuntu" || d.Image.ID == 0 {
		t.Errorf("image %+v", d.Image)
	}
	if !slices.Equal(d.Tags, []string{"env:prod", "web"}) || d.VPCUUID == "" {
		t.Errorf("tags %v vpc %q", d.Tags, d.VPCUUID)
	}
	if !slices.Equal(d.Features, []string{"monitoring", "droplet_agent", "private_networking"}) {
		t.Errorf("features %v", d.Features)
	}
	if d.Networks == nil || len(d.Networks.V4) != 0 {
		t.Errorf("a new droplet has no addresses yet, got %+v", d.Networks)
	}
	if len(resp.Links.Actions) != 1 || resp.Links.Actions[0].Rel != "create" ||
		resp.Links.Actions[0].HREF != fmt.Sprintf("%s/v2/actions/%d", e.http.URL, resp.Links.Actions[0].ID) {
		t.Errorf("links.actions %+v", resp.Links.Actions)
	}
	e.srv.Inspect(func(w *World) {
		if w.Tags["env:prod"] == nil || w.Tags["web"] == nil {
			t.Error("tags were not created")
		}
	})

	raw := e.rawGet(fmt.Sprintf("v2/droplets/%d", d.ID))["droplet"].(map[string]any)
	for key, want := range map[string]any{"kernel": nil, "next_backup_window": nil, "locked": false} {
		if got, ok := raw[key]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	for _, key := range []string{"backup_ids", "snapshot_ids", "volume_ids"} {
		if arr, ok := raw[key].([]any); !ok || len(arr) != 0 {
			t.Errorf("%s = %#v, want []", key, raw[key])
		}
	}
	if info := raw["disk_info"].([]any)[0].(map[string]any); info["type"] != "local" {
		t.Errorf("disk_info %v", info)
	}
	for _, key := range []string{"id", "name", "memory", "vcpus", "disk", "status", "created_at", "features",
		"image", "size", "size_slug", "networks", "region", "tags", "vpc_uuid"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("droplet JSON lacks %q", key)
		}
	}
}

func TestDropletBootsAfterDelay(t *testing.T) {
	e := newTestEnv(t)
	d := e.createDroplet(dropletRequest("web-1"))
	e.advance(e.srv.delays.DropletBoot - time.Second)
	if got := e.getDroplet(d.ID); got.Status != "new" {
		t.Fatalf("status %q a second before boot, want new", got.Status)
	}
	e.advance(time.Second)
	got := e.getDroplet(d.ID)
	if got.Status != "active" {
		t.Fatalf("status %q after boot, want active", got.Status)
	}
	actions, _, err := e.client.Droplets.Actions(e.ctx, d.ID, nil)
	if err != nil || len(actions) != 1 || actions[0].Type != "create" || actions[0].Status != "completed" || actions[0].CompletedAt == nil {
		t.Errorf("create action %+v, %v", actions, err)
	}

	public, _ := got.PublicIPv4()
	private, _ := got.PrivateIPv4()
	// The public address stays on the machine: it lies in this sandbox's
	// own block of 127.0.0.0/8 (addresses.go).
	block := netip.MustParsePrefix(e.srv.AddressBlock())
	if pub := netip.MustParseAddr(public); !block.Contains(pub) || pub == netip.MustParseAddr("127.0.0.1") {
		t.Errorf("public IP %s is not in the sandbox's block %s", public, block)
	}
	var vpcRange string
	e.srv.Inspect(func(w *World) { vpcRange = w.VPCs[got.VPCUUID].IPRange })
	if !netip.MustParsePrefix(vpcRange).Contains(netip.MustParseAddr(private)) {
		t.Errorf("private IP %s outside the VPC range %s", private, vpcRange)
	}
	for _, n := range got.Networks.V4 {
		if n.Netmask == "" || n.Gateway == "" {
			t.Errorf("network %+v lacks netmask or gateway", n)
		}
	}
	if len(got.Networks.V6) != 0 {
		t.Errorf("v6 without ipv6: %+v", got.Networks.V6)
	}
}

func TestCreateMultipleDroplets(t *testing.T) {
	e := newTestEnv(t)
	req := multiRequest("web-1", "web-2", "web-3")
	req.IPv6 = true
	ds, resp, err := e.client.Droplets.CreateMultiple(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted || len(ds) != 3 || len(resp.Links.Actions) != 3 {
		t.Fatalf("status %d, %d droplets, %d action links", resp.StatusCode, len(ds), len(resp.Links.Actions))
	}
	e.advance(e.srv.delays.DropletBoot)
	seen := map[string]bool{}
	for i, d := range ds {
		got := e.getDroplet(d.ID)
		if got.Name != req.Names[i] || got.Status != "active" {
			t.Errorf("droplet %d: %q %q", i, got.Name, got.Status)
		}
		pub, _ := got.PublicIPv4()
		priv, _ := got.PrivateIPv4()
		v6, _ := got.PublicIPv6()
		for _, ip := range []string{pub, priv, v6} {
			if ip == "" || seen[ip] {
				t.Errorf("address %q missing or shared", ip)
			}
			seen[ip] = true
		}
		if !slices.Contains(got.Features, "ipv6") {
			t.Errorf("features %v lack ipv6", got.Features)
		}
	}
}

func TestCreateDropletValidation(t *testing.T) {
	otherRegionVPC := "5a4981aa-9653-4bd1-bef5-d6bff52042e4"
	hour := func(h int) *int { return &h }
	single := func(mutate func(*godo.DropletCreateRequest)) func(e *testEnv) error {
		return func(e *testEnv) error {
			req := dropletRequest("web-1")
			mutate(req)
			_, _, err := e.client.Droplets.Create(e.ctx, req)
			return err
		}
	}
	cases := []struct {
		name   string
		create func(e *testEnv) error
		want   string
	}{
		{"name with underscore", single(func(r *godo.DropletCreateRequest) { r.Name = "web_1" }), "valid hostname characters"},
		{"name ending in a dot", single(func(r *godo.DropletCreateRequest) { r.Name = "web." }), "valid hostname characters"},
		{"name too long", single(func(r *godo.DropletCreateRequest) { r.Name = strings.Repeat("a", 256) }), "maximum is 255"},
		{"no name", single(func(r *godo.DropletCreateRequest) { r.Name = "" }), "name is required"},
		{"eleven names", func(e *testEnv) error {
			names := make([]string, 11)
			for i := range names {
				names[i] = fmt.Sprintf("web-%d", i)
			}
			_, _, err := e.client.Droplets.CreateMultiple(e.ctx, multiRequest(names...))
			return err
		}, "at most 10"},
		{"empty names", func(e *testEnv) error {
			_, _, err := e.client.Droplets.CreateMultiple(e.ctx, multiRequest([]string{}...))
			return err
		}, "between 1 and 10"},
		{"unknown size", single(func(r *godo.DropletCreateRequest) { r.Size = "s-99vcpu" }), "invalid size"},
		{"size not offered in region", single(func(r *godo.DropletCreateRequest) { r.Size, r.Region = "so-2vcpu-16gb", "sfo2" }), "Size is not available in this region"},
		{"unknown region", single(func(r *godo.DropletCreateRequest) { r.Region = "xyz9" }), "invalid region"},
		{"unavailable region", single(func(r *godo.DropletCreateRequest) { r.Region = "sfo1" }), "Region is not available"},
		{"region without the plan", single(func(r *godo.DropletCreateRequest) { r.Region = "ric1" }), "Size is not available in this region."},
		{"retired image (ubuntu-20-04-x64)", single(func(r *godo.DropletCreateRequest) { r.Image.Slug = "ubuntu-20-04-x64" }), "You specified an invalid image for Droplet creation."},
		{"retired image by id", single(func(r *godo.DropletCreateRequest) { r.Image = godo.DropletCreateImage{ID: 179024206} }), "You specified an invalid image for Droplet creation."},
		{"unknown image slug", single(func(r *godo.DropletCreateRequest) { r.Image.Slug = "ubuntu-10-04-x64" }), "invalid image"},
		{"unknown image id", single(func(r *godo.DropletCreateRequest) { r.Image = godo.DropletCreateImage{ID: 42} }), "invalid image"},
		{"image needs a bigger disk", single(func(r *godo.DropletCreateRequest) {
			r.Size, r.Image.Slug = "s-1vcpu-512mb-10gb", "docker-20-04"
		}), "at least 25 GB"},
		{"user_data over 64 KiB", single(func(r *godo.DropletCreateRequest) { r.UserData = strings.Repeat("#", MaxUserDataBytes+1) }), "64 KiB"},
		{"invalid tag", single(func(r *godo.DropletCreateRequest) { r.Tags = []string{"bad tag"} }), `"bad tag"`},
		{"unknown vpc", single(func(r *godo.DropletCreateRequest) { r.VPCUUID = "0d3176ad-41e0-4021-b831-0c5c45c60959" }), "vpc_uuid"},
		{"vpc in another region", single(func(r *godo.DropletCreateRequest) { r.VPCUUID = otherRegionVPC }), "same region"},
		{"ssh key neither id nor fingerprint", single(func(r *godo.DropletCreateRequest) { r.SSHKeys = []godo.DropletCreateSSHKey{{}} }), "0 are invalid key identifiers for Droplet creation."},
		{"ipv6 without public networking", single(func(r *godo.DropletCreateRequest) {
			off := false
			r.PublicNetworking, r.IPv6 = &off, true
		}), "public_networking"},
		{"backup_policy without backups", single(func(r *godo.DropletCreateRequest) {
			r.BackupPolicy = &godo.DropletBackupPolicyRequest{Plan: "daily"}
		}), "backups"},
		{"unknown backup plan", single(func(r *godo.DropletCreateRequest) {
			r.Backups, r.BackupPolicy = true, &godo.DropletBackupPolicyRequest{Plan: "monthly"}
		}), `"monthly"`},
		{"weekday on a daily plan", single(func(r *godo.DropletCreateRequest) {
			r.Backups, r.BackupPolicy = true, &godo.DropletBackupPolicyRequest{Plan: "daily", Weekday: "MON"}
		}), "weekly plan"},
		{"unknown weekday", single(func(r *godo.DropletCreateRequest) {
			r.Backups, r.BackupPolicy = true, &godo.DropletBackupPolicyRequest{Plan: "weekly", Weekday: "FUNDAY"}
		}), `"FUNDAY"`},
		{"backup hour off the 4-hour grid", single(func(r *godo.DropletCreateRequest) {
			r.Backups, r.BackupPolicy = true, &godo.DropletBackupPolicyRequest{Plan: "daily", Hour: hour(3)}
		}), "got 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			if err := e.srv.Mutate(func(w *World, now time.Time) error {
				w.VPCs[otherRegionVPC] = &VPC{ID: otherRegionVPC, Name: "ams", Region: "ams3", IPRange: "10.110.0.0/20", CreatedAt: now}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			er := e.apiError(tc.create(e), http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) {
				t.Errorf("message %q does not mention %q", er.Message, tc.want)
			}
			if n := e.dropletCount(); n != 0 {
				t.Errorf("a refused create left %d droplets", n)
			}
		})
	}
}

func TestUserDataLimitIs64KiB(t *testing.T) {
	e := newTestEnv(t)
	req := dropletRequest("web-1")
	req.UserData = strings.Repeat("#", MaxUserDataBytes)
	e.createDroplet(req)
	req.UserData += "#"
	_, _, err := e.client.Droplets.Create(e.ctx, req)
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if !strings.Contains(er.Message, "65537") {
		t.Errorf("message %q does not give the size sent", er.Message)
	}
}

func TestCreatePicksRegionFromPrefixOrVPC(t *testing.T) {
	e := newTestEnv(t)
	req := dropletRequest("any")
	req.Region = ""
	if d := e.createDroplet(req); d.Region.Slug != "nyc1" {
		t.Errorf("no region: placed in %s, want the first available one, nyc1", d.Region.Slug)
	}
	req.Region = "sfo"
	if d := e.createDroplet(req); d.Region.Slug != "sfo2" {
		t.Errorf("prefix sfo: placed in %s, want sfo2", d.Region.Slug)
	}
	var vpc *VPC
	_ = e.srv.Mutate(func(w *World, now time.Time) error { vpc = w.defaultVPC(now, "fra1"); return nil })
	req.Region, req.VPCUUID = "", vpc.ID
	if d := e.createDroplet(req); d.Region.Slug != "fra1" || d.VPCUUID != vpc.ID {
		t.Errorf("vpc in fra1: placed in %s, vpc %s", d.Region.Slug, d.VPCUUID)
	}
}

func TestListDropletsPaginates450(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.DropletLimit = 500 })
	for batch := range 45 {
		names := make([]string, 10)
		for i := range names {
			names[i] = fmt.Sprintf("web-%03d", batch*10+i)
		}
		if _, _, err := e.client.Droplets.CreateMultiple(e.ctx, multiRequest(names...)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[int]int{}
	opt := &godo.ListOptions{Page: 1, PerPage: 200}
	pages := 0
	for {
		ds, resp, err := e.client.Droplets.List(e.ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if resp.Meta == nil || resp.Meta.Total != 450 {
			t.Fatalf("meta %+v", resp.Meta)
		}
		if cur, err := resp.Links.CurrentPage(); err != nil || cur != opt.Page {
			t.Fatalf("current page %d (%v), want %d", cur, err, opt.Page)
		}
		for _, d := range ds {
			seen[d.ID]++
		}
		if resp.Links.IsLastPage() {
			break
		}
		opt.Page++
	}
	if pages != 3 || len(seen) != 450 {
		t.Fatalf("%d pages, %d distinct droplets; want 3 and 450", pages, len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("droplet %d listed %d times", id, n)
		}
	}

	ds, resp, err := e.client.Droplets.List(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 20 || resp.Meta.Total != 450 || resp.Links.IsLastPage() || ds[0].Name != "web-000" {
		t.Errorf("default page: %d droplets, total %d, last %v, first %q", len(ds), resp.Meta.Total, resp.Links.IsLastPage(), ds[0].Name)
	}
}

func TestListDropletsByTagAndName(t *testing.T) {
	e := newTestEnv(t)
	tagged := e.createDroplet(&godo.DropletCreateRequest{Name: "Web-1", Region: "nyc3", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, Tags: []string{"tier:web"}})
	e.createDroplet(dropletRequest("db-1"))

	byTag, resp, err := e.client.Droplets.ListByTag(e.ctx, "tier:web", nil)
	if err != nil || len(byTag) != 1 || byTag[0].ID != tagged.ID || resp.Meta.Total != 1 {
		t.Errorf("by tag: %v %v", byTag, err)
	}
	byName, _, err := e.client.Droplets.ListByName(e.ctx, "web-1", nil)
	if err != nil || len(byName) != 1 || byName[0].ID != tagged.ID {
		t.Errorf("by name (case-insensitive): %v %v", byName, err)
	}
	none, _, err := e.client.Droplets.ListByTag(e.ctx, "nobody", nil)
	if err != nil || len(none) != 0 {
		t.Errorf("unknown tag: %v %v", none, err)
	}
}

func TestDeleteDroplet(t *testing.T) {
	e := newTestEnv(t)
	d := e.createDroplet(dropletRequest("web-1"))
	resp, err := e.client.Droplets.Delete(e.ctx, d.ID)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v %v", resp, err)
	}
	_, _, err = e.client.Droplets.Get(e.ctx, d.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.Droplets.Delete(e.ctx, d.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	e.srv.Inspect(func(w *World) {
		for _, a := range w.Actions {
			if a.Status == ActionInProgress {
				t.Errorf("action %d of a deleted droplet still in progress", a.ID)
			}
		}
	})
}

func TestDeleteDropletsByTag(t *testing.T) {
	e := newTestEnv(t)
	req := multiRequest("web-1", "web-2")
	req.Tags = []string{"tier:web"}
	if _, _, err := e.client.Droplets.CreateMultiple(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	keep := e.createDroplet(dropletRequest("db-1"))
	resp, err := e.client.Droplets.DeleteByTag(e.ctx, "tier:web")
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete by tag: %v", err)
	}
	ds, _, err := e.client.Droplets.List(e.ctx, nil)
	if err != nil || len(ds) != 1 || ds[0].ID != keep.ID {
		t.Errorf("left %v, want only db-1", ds)
	}
	_, err = e.client.Droplets.DeleteByTag(e.ctx, "never-seen")
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestDropletLimit(t *testing.T) {
	e := newTestEnv(t)
	for i := range 22 {
		e.createDroplet(dropletRequest(fmt.Sprintf("web-%d", i)))
	}
	_, _, err := e.client.Droplets.CreateMultiple(e.ctx, multiRequest("a", "b", "c", "d", "e"))
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if er.Message != "creating this/these droplet(s) will exceed your droplet limit" {
		t.Errorf("message %q", er.Message)
	}
	if n := e.dropletCount(); n != 22 {
		t.Errorf("%d droplets after a refused create, want 22", n)
	}
	if _, _, err := e.client.Droplets.CreateMultiple(e.ctx, multiRequest("a", "b", "c")); err != nil {
		t.Fatalf("the last 3 slots: %v", err)
	}
	e.srv.SetDropletLimit(30)
	e.createDroplet(dropletRequest("after-raise"))
}

func TestCreateFaultAfterCommitLeavesDroplets(t *testing.T) {
	e := newTestEnv(t)
	if err := e.srv.AddFault(FaultRule{Endpoint: "POST /v2/droplets", FailNext: 1, AfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.client.Droplets.CreateMultiple(e.ctx, multiRequest("web-1", "web-2"))
	e.apiError(err, http.StatusInternalServerError, "server_error")
	ds, _, err := e.client.Droplets.List(e.ctx, nil)
	if err != nil || len(ds) != 2 {
		t.Fatalf("after a lost response: %d droplets (%v), want 2", len(ds), err)
	}
}

func TestDropletsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	first := newTestEnv(t, func(o *Options) { o.StateFile = path })
	booting := first.createDroplet(dropletRequest("booting"))
	first.advance(first.srv.delays.DropletBoot)
	stopping := first.createDroplet(dropletRequest("stopping"))
	first.advance(first.srv.delays.DropletBoot)
	if _, _, err := first.client.DropletActions.PowerOff(first.ctx, stopping.ID); err != nil {
		t.Fatal(err)
	}
	fresh := first.createDroplet(dropletRequest("fresh"))
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}

	// The second sandbox's clock starts at the epoch again: 90 s earlier
	// than when the first stopped, so every due time still lies ahead.
	second := newTestEnv(t, func(o *Options) { o.StateFile = path })
	second.advance(2 * second.srv.delays.DropletBoot)
	if got := second.getDroplet(booting.ID); got.Status != "active" {
		t.Errorf("booted droplet: %q", got.Status)
	}
	if got := second.getDroplet(fresh.ID); got.Status != "new" || got.Locked {
		t.Errorf("droplet created at 90 s: %q before its boot is due", got.Status)
	}
	if got := second.getDroplet(stopping.ID); got.Status != "active" || !got.Locked {
		t.Errorf("droplet powering off: %q locked %v, want active and locked until the action is due", got.Status, got.Locked)
	}
	second.advance(second.srv.delays.DropletBoot)
	if got := second.getDroplet(fresh.ID); got.Status != "active" {
		t.Errorf("fresh droplet after its boot: %q", got.Status)
	}
	if got := second.getDroplet(stopping.ID); got.Status != "off" {
		t.Errorf("powered-off droplet after its action: %q", got.Status)
	}
	d := second.createDroplet(dropletRequest("next"))
	if d.ID <= fresh.ID {
		t.Errorf("id %d reused after restart (last was %d)", d.ID, fresh.ID)
	}
}

func TestConcurrentCreatesGetUniqueIDs(t *testing.T) {
	e := newTestEnv(t)
	const workers, each = 8, 3
	var mu sync.Mutex
	ids := map[int]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				d, _, err := e.client.Droplets.Create(e.ctx, dropletRequest(fmt.Sprintf("w%d-%d", w, i)))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				ids[d.ID] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(ids) != workers*each || e.dropletCount() != workers*each {
		t.Errorf("%d unique ids, %d droplets; want %d", len(ids), e.dropletCount(), workers*each)
	}
}

func TestKillDropletAndHealthMarkers(t *testing.T) {
	e := newTestEnv(t)
	d := e.activeDroplet("web-1")
	if err := e.srv.KillDroplet(d.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.KillDroplet(1); err == nil {
		t.Error("killing an unknown droplet succeeded")
	}
	if got := e.getDroplet(d.ID); got.Status != "off" {
		t.Errorf("killed droplet status %q", got.Status)
	}
	e.srv.Inspect(func(w *World) {
		if !w.Droplets[d.ID].Killed {
			t.Error("not marked killed")
		}
	})
	if _, _, err := e.client.DropletActions.PowerOn(e.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	e.srv.Inspect(func(w *World) {
		if got := w.Droplets[d.ID]; got.Killed || got.Status != "active" {
			t.Errorf("after power_on: killed %v status %q", got.Killed, got.Status)
		}
	})

	if err := e.srv.SetDropletFailsHealth(d.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetDropletFailsHealth(1, true); err == nil {
		t.Error("marking an unknown droplet succeeded")
	}
	e.srv.Inspect(func(w *World) {
		if !w.Droplets[d.ID].FailsHealth {
			t.Error("FailsHealth not set")
		}
	})
}

func TestBrokenImageDropletsFailHealth(t *testing.T) {
	e := newTestEnv(t)
	req := dropletRequest("canary")
	req.Image.Slug = "broken-ubuntu-24-04-x64"
	broken := e.createDroplet(req)
	healthy := e.createDroplet(dropletRequest("web-1"))
	if broken.Image.Slug != "broken-ubuntu-24-04-x64" {
		t.Errorf("image shown as %q, want the slug asked for", broken.Image.Slug)
	}
	e.srv.Inspect(func(w *World) {
		if !w.Droplets[broken.ID].FailsHealth || w.Droplets[healthy.ID].FailsHealth {
			t.Error("FailsHealth should follow the broken-* image")
		}
	})
}

func TestDropletSubresources(t *testing.T) {
	e := newTestEnv(t)
	d := e.activeDroplet("web-1")
	for path, key := range map[string]string{"backups": "backups", "snapshots": "snapshots", "kernels": "kernels"} {
		body := e.rawGet(fmt.Sprintf("v2/droplets/%d/%s", d.ID, path))
		if arr, ok := body[key].([]any); !ok || len(arr) != 0 {
			t.Errorf("%s: %v", path, body)
		}
	}
	for _, path := range []string{"v2/droplets/%d/nothing", "v2/droplets/%d/actions/1", "v2/droplets/%d/backups/nothing"} {
		req, _ := e.client.NewRequest(e.ctx, http.MethodGet, fmt.Sprintf(path, d.ID), nil)
		_, err := e.client.Do(e.ctx, req, nil)
		e.apiError(err, http.StatusNotFound, "not_found")
	}
	req, _ := e.client.NewRequest(e.ctx, http.MethodGet, "v2/droplets/12/actions", nil)
	_, err := e.client.Do(e.ctx, req, nil)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestDropletJSONRoundTripsThroughState(t *testing.T) {
	e := newTestEnv(t)
	req := dropletRequest("web-1")
	req.Backups = true
	d := e.createDroplet(req)
	var before, after []byte
	e.srv.Inspect(func(w *World) { before, _ = json.Marshal(w.Droplets[d.ID]) })
	var back Droplet
	if err := json.Unmarshal(before, &back); err != nil {
		t.Fatal(err)
	}
	after, _ = json.Marshal(&back)
	if string(before) != string(after) {
		t.Errorf("droplet does not survive JSON:\n%s\n%s", before, after)
	}
}
