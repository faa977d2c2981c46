package sandbox

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// testSSHKey is the key pool templates name: a key of the account, as
// DigitalOcean refuses templates naming keys it does not hold.
const testSSHKey = fixedSSHFingerprint

// newPoolEnv is a test sandbox whose account holds testSSHKey, added
// through POST /v2/account/keys as a user would.
func newPoolEnv(t *testing.T, mutators ...func(*Options)) *testEnv {
	t.Helper()
	e := newTestEnv(t, mutators...)
	if _, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "pool", PublicKey: fixedSSHKey}); err != nil {
		t.Fatalf("add the pool's ssh key: %v", err)
	}
	return e
}

func poolTemplate() *godo.DropletAutoscaleResourceTemplate {
	return &godo.DropletAutoscaleResourceTemplate{
		Size: "s-1vcpu-1gb", Region: "nyc3", Image: "ubuntu-24-04-x64", Tags: []string{"web", "env:prod"},
		SSHKeys: []string{testSSHKey}, WithDropletAgent: true, UserData: "#cloud-config\n",
	}
}

// dynamicPool scales on CPU between min and max with a 5 minute cooldown.
func dynamicPool(name string, minN, maxN uint64) *godo.DropletAutoscalePoolRequest {
	return &godo.DropletAutoscalePoolRequest{
		Name: name,
		Config: &godo.DropletAutoscaleConfiguration{
			MinInstances: minN, MaxInstances: maxN, TargetCPUUtilization: 0.5, CooldownMinutes: 5},
		DropletTemplate: poolTemplate(),
	}
}

func fixedPool(name string, n uint64) *godo.DropletAutoscalePoolRequest {
	return &godo.DropletAutoscalePoolRequest{
		Name: name, Config: &godo.DropletAutoscaleConfiguration{TargetNumberInstances: n},
		DropletTemplate: poolTemplate(),
	}
}

func (e *testEnv) createPool(req *godo.DropletAutoscalePoolRequest) *godo.DropletAutoscalePool {
	e.t.Helper()
	p, resp, err := e.client.DropletAutoscale.Create(e.ctx, req)
	if err != nil {
		e.t.Fatalf("create autoscale pool: %v", err)
	}
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("create answered %d, want 202", resp.StatusCode)
	}
	return p
}

func (e *testEnv) pool(id string) *godo.DropletAutoscalePool {
	e.t.Helper()
	p, _, err := e.client.DropletAutoscale.Get(e.ctx, id)
	if err != nil {
		e.t.Fatalf("get autoscale pool: %v", err)
	}
	return p
}

func (e *testEnv) members(id string) []*godo.DropletAutoscaleResource {
	e.t.Helper()
	ms, _, err := e.client.DropletAutoscale.ListMembers(e.ctx, id, &godo.ListOptions{PerPage: 200})
	if err != nil {
		e.t.Fatalf("list members: %v", err)
	}
	return ms
}

func memberIDs(ms []*godo.DropletAutoscaleResource) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = int(m.DropletID)
	}
	return out
}

// countByStatus counts members per member status.
func countByStatus(ms []*godo.DropletAutoscaleResource) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		out[m.Status]++
	}
	return out
}

func (e *testEnv) history(id string) []*godo.DropletAutoscaleHistoryEvent {
	e.t.Helper()
	h, _, err := e.client.DropletAutoscale.ListHistory(e.ctx, id, &godo.ListOptions{PerPage: 200})
	if err != nil {
		e.t.Fatalf("list history: %v", err)
	}
	return h
}

func (e *testEnv) setUtilization(ids []int, cpu, memory float64) {
	e.t.Helper()
	for _, id := range ids {
		if err := e.srv.SetDropletUtilization(id, cpu, memory); err != nil {
			e.t.Fatal(err)
		}
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestAutoscalePoolCreateAndGet(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createPool(dynamicPool("web-pool", 2, 5))
	if p.ID == "" || p.Name != "web-pool" || p.Status != PoolProvisioning {
		t.Fatalf("created pool: %+v", p)
	}
	want := godo.DropletAutoscaleConfiguration{MinInstances: 2, MaxInstances: 5, TargetCPUUtilization: 0.5, CooldownMinutes: 5}
	if *p.Config != want {
		t.Errorf("config = %+v, want %+v", *p.Config, want)
	}
	tmpl := p.DropletTemplate
	if tmpl.Size != "s-1vcpu-1gb" || tmpl.Region != "nyc3" || tmpl.Image != "ubuntu-24-04-x64" ||
		!slices.Equal(tmpl.Tags, []string{"web", "env:prod"}) || !slices.Equal(tmpl.SSHKeys, []string{testSSHKey}) ||
		!tmpl.WithDropletAgent || tmpl.UserData != "#cloud-config\n" || tmpl.PublicNetworking == nil || !*tmpl.PublicNetworking {
		t.Errorf("template echoed as %+v", tmpl)
	}
	if p.CurrentUtilization != nil {
		t.Errorf("a pool with no running member reports utilization %+v", p.CurrentUtilization)
	}

	e.advance(time.Second)
	if got := e.pool(p.ID).Status; got != PoolActive {
		t.Errorf("status after provisioning = %q, want active", got)
	}
	raw := e.rawGet("/v2/droplets/autoscale/" + p.ID)["autoscale_pool"].(map[string]any)
	if got, want := keysOf(raw), []string{"active_resources_count", "config", "created_at", "droplet_template", "id", "name", "status", "updated_at"}; !slices.Equal(got, want) {
		t.Errorf("pool fields = %v, want %v", got, want)
	}
	if got := keysOf(raw["config"].(map[string]any)); !slices.Equal(got, []string{"cooldown_minutes", "max_instances", "min_instances", "target_cpu_utilization"}) {
		t.Errorf("dynamic config fields = %v", got)
	}

	// Members boot; then the pool reports their average utilization.
	e.advance(e.srv.delays.DropletBoot)
	got := e.pool(p.ID)
	if got.CurrentUtilization == nil || got.CurrentUtilization.CPU != DefaultCPUUtilization || got.CurrentUtilization.Memory != DefaultMemoryUtilization {
		t.Errorf("current_utilization = %+v, want the defaults", got.CurrentUtilization)
	}
	if n := e.rawGet("/v2/droplets/autoscale/" + p.ID)["autoscale_pool"].(map[string]any)["active_resources_count"]; n != 2.0 {
		t.Errorf("active_resources_count = %v, want 2", n)
	}
}

func TestAutoscaleFixedPoolConfigShape(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createPool(fixedPool("fixed", 3))
	if *p.Config != (godo.DropletAutoscaleConfiguration{TargetNumberInstances: 3}) {
		t.Errorf("fixed config = %+v", *p.Config)
	}
	raw := e.rawGet("/v2/droplets/autoscale/" + p.ID)["autoscale_pool"].(map[string]any)
	if got := keysOf(raw["config"].(map[string]any)); !slices.Equal(got, []string{"target_number_instances"}) {
		t.Errorf("fixed config fields = %v", got)
	}
	if n := len(e.members(p.ID)); n != 3 {
		t.Errorf("fixed pool of 3 has %d members", n)
	}
}

var memberName = regexp.MustCompile(`^web-pool-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{3}$`)

func TestAutoscaleMembersAreTemplateDropletsThatBoot(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createPool(dynamicPool("web-pool", 2, 5))
	ms := e.members(p.ID)
	if len(ms) != 2 {
		t.Fatalf("members = %d, want min_instances 2", len(ms))
	}
	for _, m := range ms {
		if m.Status != "provisioning" || m.HealthStatus != "unhealthy" {
			t.Errorf("booting member %d: status %q health %q", m.DropletID, m.Status, m.HealthStatus)
		}
		d, _, err := e.client.Droplets.Get(e.ctx, int(m.DropletID))
		if err != nil {
			t.Fatal(err)
		}
		if !memberName.MatchString(d.Name) || !slices.Equal(d.Tags, []string{"web", "env:prod"}) ||
			d.SizeSlug != "s-1vcpu-1gb" || d.Region.Slug != "nyc3" || d.Status != "new" {
			t.Errorf("member droplet: name %q tags %v size %s region %s status %s", d.Name, d.Tags, d.SizeSlug, d.Region.Slug, d.Status)
		}
	}
	// Members count against the droplet limit like any droplet.
	acct, _, err := e.client.Account.Get(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _, _ := e.client.Droplets.List(e.ctx, &godo.ListOptions{})
	if len(all) != 2 || acct.DropletLimit != 25 {
		t.Errorf("droplets listed %d (limit %d)", len(all), acct.DropletLimit)
	}

	e.advance(e.srv.delays.DropletBoot)
	for _, m := range e.members(p.ID) {
		if m.Status != "active" || m.HealthStatus != "healthy" || m.UnhealthyReason != "" ||
			m.CurrentUtilization == nil || m.CurrentUtilization.CPU != DefaultCPUUtilization {
			t.Errorf("booted member: %+v %+v", m, m.CurrentUtilization)
		}
		d, _, _ := e.client.Droplets.Get(e.ctx, int(m.DropletID))
		if d.Status != "active" {
			t.Errorf("member droplet %d is %s after boot", d.ID, d.Status)
		}
	}
}

func TestAutoscaleValidation(t *testing.T) {
	e := newPoolEnv(t, func(o *Options) { o.DropletLimit = 4 })
	e.createPool(fixedPool("taken", 1))
	edit := func(f func(r *godo.DropletAutoscalePoolRequest)) *godo.DropletAutoscalePoolRequest {
		r := dynamicPool("web-pool", 1, 3)
		f(r)
		return r
	}
	cfg := func(c godo.DropletAutoscaleConfiguration) *godo.DropletAutoscalePoolRequest {
		return edit(func(r *godo.DropletAutoscalePoolRequest) { r.Config = &c })
	}
	tmpl := func(f func(t *godo.DropletAutoscaleResourceTemplate)) *godo.DropletAutoscalePoolRequest {
		return edit(func(r *godo.DropletAutoscalePoolRequest) { f(r.DropletTemplate) })
	}
	cases := []struct {
		name string
		req  *godo.DropletAutoscalePoolRequest
		want string
	}{
		{"no name", edit(func(r *godo.DropletAutoscalePoolRequest) { r.Name = "" }), "name is required"},
		{"taken name", edit(func(r *godo.DropletAutoscalePoolRequest) { r.Name = "taken" }), `named "taken" already exists`},
		{"bad name", edit(func(r *godo.DropletAutoscalePoolRequest) { r.Name = "web pool" }), "valid hostname characters"},
		{"long name", edit(func(r *godo.DropletAutoscalePoolRequest) { r.Name = strings.Repeat("a", 215) }), "at most 214 characters"},
		{"no config", edit(func(r *godo.DropletAutoscalePoolRequest) { r.Config = nil }), "config is required"},
		{"empty config", cfg(godo.DropletAutoscaleConfiguration{}), "config is required"},
		{"fixed and dynamic", cfg(godo.DropletAutoscaleConfiguration{TargetNumberInstances: 2, MaxInstances: 3}), "cannot be combined"},
		{"target above 1000", cfg(godo.DropletAutoscaleConfiguration{TargetNumberInstances: 1001}), "target_number_instances must be between 1 and 1000; got 1001"},
		{"max without min", cfg(godo.DropletAutoscaleConfiguration{MaxInstances: 3}), "min_instances and max_instances are both required"},
		{"min above 500", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 501, MaxInstances: 600}), "min_instances must be between 1 and 500; got 501"},
		{"max above 1000", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 1, MaxInstances: 1001}), "max_instances must be between 1 and 1000; got 1001"},
		{"min above max", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 4, MaxInstances: 3}), "min_instances (4) cannot be greater than max_instances (3)"},
		{"cpu above 1", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 1, MaxInstances: 3, TargetCPUUtilization: 1.5}), "target_cpu_utilization must be between 0.05 and 1; got 1.5"},
		{"cpu below 0.05", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 1, MaxInstances: 3, TargetCPUUtilization: 0.01}), "target_cpu_utilization must be between 0.05 and 1; got 0.01"},
		{"memory above 1", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 1, MaxInstances: 3, TargetMemoryUtilization: 2}), "target_memory_utilization must be between 0.05 and 1; got 2"},
		{"cooldown below 5", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 1, MaxInstances: 3, CooldownMinutes: 4}), "cooldown_minutes must be between 5 and 20; got 4"},
		{"cooldown above 20", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 1, MaxInstances: 3, CooldownMinutes: 21}), "cooldown_minutes must be between 5 and 20; got 21"},
		{"no template", edit(func(r *godo.DropletAutoscalePoolRequest) { r.DropletTemplate = nil }), "droplet_template is required"},
		{"no size", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.Size = "" }), "droplet_template.size is required"},
		{"no region", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.Region = "" }), "droplet_template.region is required"},
		{"no image", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.Image = "" }), "invalid image"},
		{"no ssh keys", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.SSHKeys = nil }), "droplet_template.ssh_keys is required"},
		{"bad size", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.Size = "s-64vcpu-1tb" }), msgInvalidSize},
		{"bad image", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.Image = "windows-95" }), msgInvalidImage},
		{"bad region", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.Region = "mars1" }), "invalid region"},
		{"bad tag", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.Tags = []string{"no spaces"} }), "not a valid tag name"},
		{"unknown vpc", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) { t.VpcUUID = "5a4981aa-9653-4bd1-bef5-d6bff52042e4" }), "does not match a VPC"},
		{"ipv6 without public networking", tmpl(func(t *godo.DropletAutoscaleResourceTemplate) {
			off := false
			t.IPV6, t.PublicNetworking = true, &off
		}), "ipv6 must be false"},
		{"over the droplet limit", cfg(godo.DropletAutoscaleConfiguration{MinInstances: 4, MaxInstances: 5}), msgDropletLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.asSubtest(t)
			_, _, err := e.client.DropletAutoscale.Create(e.ctx, tc.req)
			er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) {
				t.Errorf("message %q does not contain %q", er.Message, tc.want)
			}
		})
	}
	pools, _, _ := e.client.DropletAutoscale.List(e.ctx, nil)
	if len(pools) != 1 {
		t.Errorf("failed creates left %d pools", len(pools))
	}
}

func TestAutoscaleUnknownPoolAndBadRequests(t *testing.T) {
	e := newPoolEnv(t)
	const id = "0d3db13e-a604-4944-9827-7ec2642d32ac"
	_, _, err := e.client.DropletAutoscale.Get(e.ctx, id)
	er := e.apiError(err, http.StatusNotFound, "not_found")
	// The DigitalOcean Terraform provider matches this text to notice a
	// pool deleted outside Terraform.
	if !strings.Contains(er.Error(), "autoscale group with id "+id+" not found") {
		t.Errorf("404 reads %q", er.Message)
	}
	for _, call := range []func() error{
		func() error { _, _, err := e.client.DropletAutoscale.Update(e.ctx, id, fixedPool("x", 1)); return err },
		func() error { _, err := e.client.DropletAutoscale.Delete(e.ctx, id); return err },
		func() error { _, err := e.client.DropletAutoscale.DeleteDangerous(e.ctx, id); return err },
		func() error { _, _, err := e.client.DropletAutoscale.ListMembers(e.ctx, id, nil); return err },
		func() error { _, _, err := e.client.DropletAutoscale.ListHistory(e.ctx, id, nil); return err },
	} {
		e.apiError(call(), http.StatusNotFound, "not_found")
	}

	p := e.createPool(fixedPool("web-pool", 1))
	req, _ := e.client.NewRequest(e.ctx, http.MethodPost, "/v2/droplets/autoscale", json.RawMessage(`{"name":"x","config":{"min_instances":"two"}}`))
	_, err = e.client.Do(e.ctx, req, nil)
	e.apiError(err, http.StatusBadRequest, "bad_request")

	// The dangerous delete needs its header.
	req, _ = e.client.NewRequest(e.ctx, http.MethodDelete, "/v2/droplets/autoscale/"+p.ID+"/dangerous", nil)
	_, err = e.client.Do(e.ctx, req, nil)
	if er := e.apiError(err, http.StatusBadRequest, "bad_request"); !strings.Contains(er.Message, "X-Dangerous") {
		t.Errorf("missing header message %q", er.Message)
	}
	if got := e.pool(p.ID).Status; got == PoolDeleting {
		t.Error("a refused dangerous delete started deleting the pool")
	}

	// PUT: the name cannot change and is required.
	for _, tc := range []struct{ name, want string }{{"other", "name cannot be updated"}, {"", "name is required"}} {
		_, _, err := e.client.DropletAutoscale.Update(e.ctx, p.ID, fixedPool(tc.name, 1))
		if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); !strings.Contains(er.Message, tc.want) {
			t.Errorf("PUT name %q: message %q", tc.name, er.Message)
		}
	}
	_, _, err = e.client.DropletAutoscale.Update(e.ctx, p.ID, dynamicPool("web-pool", 3, 2))
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}

func TestAutoscaleListPaginatesAndFiltersByName(t *testing.T) {
	e := newPoolEnv(t)
	for _, name := range []string{"a-pool", "b-pool", "c-pool"} {
		e.createPool(fixedPool(name, 1))
		e.advance(time.Second)
	}
	page, resp, err := e.client.DropletAutoscale.List(e.ctx, &godo.ListOptions{PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].Name != "a-pool" || resp.Meta.Total != 3 || resp.Links.IsLastPage() {
		t.Errorf("first page: %d pools, total %d, last %v", len(page), resp.Meta.Total, resp.Links.IsLastPage())
	}
	page, _, _ = e.client.DropletAutoscale.List(e.ctx, &godo.ListOptions{PerPage: 2, Page: 2})
	if len(page) != 1 || page[0].Name != "c-pool" {
		t.Errorf("second page: %+v", page)
	}
	raw := e.rawGet("/v2/droplets/autoscale?name=b-pool")
	pools := raw["autoscale_pools"].([]any)
	if len(pools) != 1 || pools[0].(map[string]any)["name"] != "b-pool" || raw["meta"].(map[string]any)["total"] != 1.0 {
		t.Errorf("name filter: %v", raw)
	}
}

func TestAutoscaleFixedPoolReplacesDeletedMember(t *testing.T) {
	e := newPoolEnv(t)
	created := e.clock.Now()
	p := e.createPool(fixedPool("web-pool", 2))
	e.advance(e.srv.delays.DropletBoot)
	before := memberIDs(e.members(p.ID))
	if _, err := e.client.Droplets.Delete(e.ctx, before[0]); err != nil {
		t.Fatal(err)
	}
	if got := memberIDs(e.members(p.ID)); !slices.Equal(got, before[1:]) {
		t.Fatalf("after deleting %d the members are %v", before[0], got)
	}
	// The next evaluation (every minute from the pool's creation) replaces it.
	e.advanceTo(created.Add(e.srv.delays.AutoscaleEvaluation - time.Second))
	if n := len(e.members(p.ID)); n != 1 {
		t.Fatalf("replaced before the evaluation: %d members", n)
	}
	e.advanceTo(created.Add(e.srv.delays.AutoscaleEvaluation))
	ms := e.members(p.ID)
	if len(ms) != 2 || int(ms[0].DropletID) != before[1] || ms[1].Status != "provisioning" {
		t.Fatalf("after an evaluation the members are %v (%v)", memberIDs(ms), countByStatus(ms))
	}
	e.advance(e.srv.delays.DropletBoot)
	if got := countByStatus(e.members(p.ID)); got["active"] != 2 {
		t.Errorf("replacement did not boot: %v", got)
	}
	if h := e.history(p.ID); len(h) != 1 {
		t.Errorf("a replacement is not a scaling event, history: %d events", len(h))
	}
}

// bootDynamic creates a dynamic pool and boots its members: it returns at
// the pool's creation time plus the boot delay.
func (e *testEnv) bootDynamic(req *godo.DropletAutoscalePoolRequest) (*godo.DropletAutoscalePool, time.Time) {
	e.t.Helper()
	created := e.clock.Now()
	p := e.createPool(req)
	e.advance(e.srv.delays.DropletBoot)
	return p, created
}

// advanceTo moves the fake clock to at.
func (e *testEnv) advanceTo(at time.Time) {
	e.t.Helper()
	if d := at.Sub(e.clock.Now()); d > 0 {
		e.clock.Advance(d)
	}
}

func TestAutoscaleScalesOutOnCPUCappedByMax(t *testing.T) {
	e := newPoolEnv(t)
	p, created := e.bootDynamic(dynamicPool("web-pool", 2, 3))
	e.setUtilization(memberIDs(e.members(p.ID)), 0.9, 0.4)

	// Inside the cooldown (5 minutes from the pool's creation) nothing
	// changes, though every evaluation sees the load.
	e.advanceTo(created.Add(5*time.Minute - time.Second))
	if n := len(e.members(p.ID)); n != 2 {
		t.Fatalf("scaled inside the cooldown: %d members", n)
	}
	// ceil(2 x 0.9 / 0.5) = 4, capped by max_instances 3.
	e.advanceTo(created.Add(5 * time.Minute))
	ms := e.members(p.ID)
	if got := countByStatus(ms); got["active"] != 2 || got["provisioning"] != 1 {
		t.Fatalf("after the cooldown: %v", got)
	}
	h := e.history(p.ID)
	last := h[len(h)-1]
	if last.Reason != ReasonScaleUp || last.CurrentInstanceCount != 2 || last.DesiredInstanceCount != 3 || last.Status != EventInProgress {
		t.Errorf("scale-up event: %+v", last)
	}
	e.advance(e.srv.delays.DropletBoot)
	if last := e.history(p.ID)[len(h)-1]; last.Status != EventSuccess || !last.UpdatedAt.After(last.CreatedAt) {
		t.Errorf("scale-up event once booted: %+v", last)
	}
	// Still loaded, but at max: no further change.
	e.setUtilization(memberIDs(e.members(p.ID)), 1, 1)
	e.advance(20 * time.Minute)
	if n := len(e.members(p.ID)); n != 3 {
		t.Errorf("max_instances 3 exceeded: %d members", n)
	}
	if n := len(e.history(p.ID)); n != len(h) {
		t.Errorf("history grew at max: %d events", n)
	}
}

func TestAutoscaleScalesInAfterCooldownFlooredByMin(t *testing.T) {
	e := newPoolEnv(t)
	p, created := e.bootDynamic(dynamicPool("web-pool", 2, 5))
	original := memberIDs(e.members(p.ID))
	e.setUtilization(original, 0.9, 0.4)
	e.advanceTo(created.Add(5 * time.Minute)) // ceil(2 x 0.9 / 0.5) = 4
	if n := len(e.members(p.ID)); n != 4 {
		t.Fatalf("scale-out to 4: %d members", n)
	}
	scaledOut := e.clock.Now()
	e.advance(e.srv.delays.DropletBoot)
	all := memberIDs(e.members(p.ID))
	e.setUtilization(all, 0.1, 0.1)

	// No scale-in inside the cooldown that started with the scale-out.
	e.advanceTo(scaledOut.Add(5*time.Minute - time.Second))
	if got := countByStatus(e.members(p.ID)); got["active"] != 4 {
		t.Fatalf("scaled in inside the cooldown: %v", got)
	}
	// ceil(4 x 0.1 / 0.5) = 1, floored by min_instances 2. The newest go,
	// shut down first and destroyed a minute later.
	e.advanceTo(scaledOut.Add(5 * time.Minute))
	ms := e.members(p.ID)
	var deleting []int
	for _, m := range ms {
		if m.Status == "deleting" {
			deleting = append(deleting, int(m.DropletID))
		}
	}
	if !slices.Equal(deleting, all[2:]) {
		t.Fatalf("deleting %v, want the newest %v", deleting, all[2:])
	}
	e.advance(e.srv.delays.DropletAction)
	for _, id := range deleting {
		if d, _, _ := e.client.Droplets.Get(e.ctx, id); d.Status != "off" {
			t.Errorf("draining member %d is %s, want off after the shutdown", id, d.Status)
		}
	}
	e.advance(time.Minute)
	if got := memberIDs(e.members(p.ID)); !slices.Equal(got, original) {
		t.Errorf("after scale-in the members are %v, want the oldest %v", got, original)
	}
	for _, id := range deleting {
		if _, _, err := e.client.Droplets.Get(e.ctx, id); err == nil {
			t.Errorf("scaled-in member %d still exists", id)
		}
	}
	h := e.history(p.ID)
	last := h[len(h)-1]
	if last.Reason != ReasonScaleDown || last.CurrentInstanceCount != 4 || last.DesiredInstanceCount != 2 || last.Status != EventSuccess {
		t.Errorf("scale-down event: %+v", last)
	}
	// At min with low load: no further change.
	e.advance(30 * time.Minute)
	if n := len(e.members(p.ID)); n != 2 {
		t.Errorf("went below min_instances: %d", n)
	}
}

func TestAutoscaleMemoryTargetAndLargestResult(t *testing.T) {
	e := newPoolEnv(t)
	req := dynamicPool("web-pool", 1, 10)
	req.Config.TargetMemoryUtilization = 0.4
	p, created := e.bootDynamic(req)
	// CPU asks for ceil(1 x 0.6 / 0.5) = 2, memory for ceil(1 x 0.9 / 0.4) = 3.
	e.setUtilization(memberIDs(e.members(p.ID)), 0.6, 0.9)
	e.advanceTo(created.Add(5 * time.Minute))
	if n := len(e.members(p.ID)); n != 3 {
		t.Errorf("members = %d, want the memory target's 3", n)
	}
}

func TestAutoscaleWithoutDropletAgentDoesNotScale(t *testing.T) {
	e := newPoolEnv(t)
	req := dynamicPool("web-pool", 1, 5)
	req.DropletTemplate.WithDropletAgent = false
	p, created := e.bootDynamic(req)
	e.setUtilization(memberIDs(e.members(p.ID)), 1, 1)
	e.advanceTo(created.Add(10 * time.Minute))
	ms := e.members(p.ID)
	if len(ms) != 1 || ms[0].CurrentUtilization.CPU != 0 || e.pool(p.ID).CurrentUtilization != nil {
		t.Errorf("a pool without the droplet agent scaled or reported: %d members, %+v", len(ms), ms[0].CurrentUtilization)
	}
}

func TestAutoscaleHistoryRecordsEachChange(t *testing.T) {
	e := newPoolEnv(t)
	p, created := e.bootDynamic(dynamicPool("web-pool", 1, 4))
	e.setUtilization(memberIDs(e.members(p.ID)), 1, 0.5)
	e.advanceTo(created.Add(5 * time.Minute)) // ceil(1 x 1 / 0.5) = 2
	e.advance(e.srv.delays.DropletBoot)
	e.setUtilization(memberIDs(e.members(p.ID)), 0.2, 0.5)
	e.advance(5 * time.Minute) // ceil(2 x 0.2 / 0.5) = 1
	e.advance(2 * time.Minute)
	if _, _, err := e.client.DropletAutoscale.Update(e.ctx, p.ID, dynamicPool("web-pool", 3, 4)); err != nil {
		t.Fatal(err)
	}
	h := e.history(p.ID)
	want := []struct {
		reason           string
		current, desired uint64
	}{
		{ReasonConfigurationChange, 0, 1}, {ReasonScaleUp, 1, 2}, {ReasonScaleDown, 2, 1}, {ReasonConfigurationChange, 1, 3},
	}
	if len(h) != len(want) {
		t.Fatalf("history has %d events, want %d: %+v", len(h), len(want), h)
	}
	ids := map[string]bool{}
	for i, w := range want {
		ev := h[i]
		if ev.Reason != w.reason || ev.CurrentInstanceCount != w.current || ev.DesiredInstanceCount != w.desired {
			t.Errorf("event %d = %s %d->%d, want %s %d->%d", i, ev.Reason, ev.CurrentInstanceCount, ev.DesiredInstanceCount, w.reason, w.current, w.desired)
		}
		if i > 0 && ev.CreatedAt.Before(h[i-1].CreatedAt) {
			t.Errorf("history is not oldest first at %d", i)
		}
		ids[ev.HistoryEventID] = true
	}
	if len(ids) != len(want) {
		t.Error("history event ids repeat")
	}
	for i, ev := range h[:3] {
		if ev.Status != EventSuccess {
			t.Errorf("finished event %d is %s", i, ev.Status)
		}
	}
	if h[3].Status != EventInProgress {
		t.Errorf("the configuration change still booting reads %s", h[3].Status)
	}
	raw := e.rawGet("/v2/droplets/autoscale/" + p.ID + "/history")["history"].([]any)[0].(map[string]any)
	if got := keysOf(raw); !slices.Equal(got, []string{"created_at", "current_instance_count", "desired_instance_count", "history_event_id", "reason", "status", "updated_at"}) {
		t.Errorf("history event fields = %v", got)
	}
}

func TestAutoscaleConfigUpdateKeepsExistingMembers(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createPool(fixedPool("web-pool", 2))
	e.advance(e.srv.delays.DropletBoot)
	before := memberIDs(e.members(p.ID))
	got, resp, err := e.client.DropletAutoscale.Update(e.ctx, p.ID, fixedPool("web-pool", 3))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("update: %v", err)
	}
	if got.Config.TargetNumberInstances != 3 || !got.UpdatedAt.After(got.CreatedAt) {
		t.Errorf("updated pool: %+v, updated_at %v", got.Config, got.UpdatedAt)
	}
	after := memberIDs(e.members(p.ID))
	if len(after) != 3 || !slices.Equal(after[:2], before) {
		t.Errorf("members %v after growing %v to 3", after, before)
	}
	// Switching to autoscaling keeps the count within the new bounds.
	if _, _, err := e.client.DropletAutoscale.Update(e.ctx, p.ID, dynamicPool("web-pool", 1, 2)); err != nil {
		t.Fatal(err)
	}
	if got := countByStatus(e.members(p.ID)); got["deleting"] != 1 {
		t.Errorf("max_instances 2 over 3 members: %v", got)
	}
}

func TestAutoscaleTemplateChangeRollsMembersOver(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createPool(fixedPool("web-pool", 2))
	e.advance(e.srv.delays.DropletBoot)
	old := memberIDs(e.members(p.ID))

	req := fixedPool("web-pool", 2)
	req.DropletTemplate.Size = "s-2vcpu-2gb"
	req.DropletTemplate.Tags = []string{"web", "v2"}
	changed := e.clock.Now()
	got, _, err := e.client.DropletAutoscale.Update(e.ctx, p.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.DropletTemplate.Size != "s-2vcpu-2gb" {
		t.Errorf("template after PUT: %+v", got.DropletTemplate)
	}
	// New members from the new template at once; the old stay until the
	// cooldown (10 minutes for a fixed-size pool) has passed.
	ms := e.members(p.ID)
	if len(ms) != 4 || !slices.Equal(memberIDs(ms)[:2], old) {
		t.Fatalf("during the rollout the members are %v", memberIDs(ms))
	}
	for _, id := range memberIDs(ms)[2:] {
		d, _, _ := e.client.Droplets.Get(e.ctx, id)
		if d.SizeSlug != "s-2vcpu-2gb" || !slices.Equal(d.Tags, []string{"web", "v2"}) {
			t.Errorf("new member %d: size %s tags %v", id, d.SizeSlug, d.Tags)
		}
	}
	for _, id := range old {
		d, _, _ := e.client.Droplets.Get(e.ctx, id)
		if d.SizeSlug != "s-1vcpu-1gb" || d.Status != "active" {
			t.Errorf("existing member %d changed: size %s status %s", id, d.SizeSlug, d.Status)
		}
	}
	e.advanceTo(changed.Add(10*time.Minute - time.Second))
	if got := countByStatus(e.members(p.ID)); got["active"] != 4 {
		t.Errorf("old members retired inside the cooldown: %v", got)
	}
	e.advanceTo(changed.Add(10 * time.Minute))
	if got := countByStatus(e.members(p.ID)); got["deleting"] != 2 || got["active"] != 2 {
		t.Errorf("at the cooldown's end: %v", got)
	}
	e.advance(time.Minute)
	if got := memberIDs(e.members(p.ID)); len(got) != 2 || slices.Contains(got, old[0]) || slices.Contains(got, old[1]) {
		t.Errorf("after the rollout the members are %v (old %v)", got, old)
	}
	h := e.history(p.ID)
	if last := h[len(h)-1]; last.Reason != ReasonConfigurationChange || last.Status != EventSuccess || last.DesiredInstanceCount != 2 {
		t.Errorf("rollout event: %+v", last)
	}
	// Later replacements use the new template too.
	if _, err := e.client.Droplets.Delete(e.ctx, memberIDs(e.members(p.ID))[0]); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.AutoscaleEvaluation)
	ms = e.members(p.ID)
	d, _, _ := e.client.Droplets.Get(e.ctx, int(ms[len(ms)-1].DropletID))
	if d.SizeSlug != "s-2vcpu-2gb" {
		t.Errorf("replacement after the rollout has size %s", d.SizeSlug)
	}
}

func TestAutoscaleDeleteKeepsMembers(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createPool(fixedPool("web-pool", 2))
	e.advance(e.srv.delays.DropletBoot)
	ids := memberIDs(e.members(p.ID))
	resp, err := e.client.DropletAutoscale.Delete(e.ctx, p.ID)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delete: %v", err)
	}
	if got := e.pool(p.ID).Status; got != PoolDeleting {
		t.Errorf("status while deleting = %q", got)
	}
	_, _, err = e.client.DropletAutoscale.Update(e.ctx, p.ID, fixedPool("web-pool", 3))
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	e.advance(e.srv.delays.AutoscalePoolDelete)
	_, _, err = e.client.DropletAutoscale.Get(e.ctx, p.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	for _, id := range ids {
		if d, _, err := e.client.Droplets.Get(e.ctx, id); err != nil || d.Status != "active" {
			t.Errorf("member %d after a plain delete: %v", id, err)
		}
	}
	// Nothing keeps their count any more.
	if _, err := e.client.Droplets.Delete(e.ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	e.advance(10 * time.Minute)
	if all, _, _ := e.client.Droplets.List(e.ctx, nil); len(all) != 1 {
		t.Errorf("droplets after the pool is gone: %d, want 1", len(all))
	}
}

func TestAutoscaleDangerousDeleteRemovesMembers(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createPool(fixedPool("web-pool", 2))
	e.advance(e.srv.delays.DropletBoot)
	ids := memberIDs(e.members(p.ID))
	resp, err := e.client.DropletAutoscale.DeleteDangerous(e.ctx, p.ID)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("dangerous delete: %v", err)
	}
	if got := e.pool(p.ID).Status; got != PoolDeleting {
		t.Errorf("status while deleting = %q", got)
	}
	e.advance(e.srv.delays.AutoscalePoolDelete)
	_, _, err = e.client.DropletAutoscale.Get(e.ctx, p.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	for _, id := range ids {
		_, _, err := e.client.Droplets.Get(e.ctx, id)
		e.apiError(err, http.StatusNotFound, "not_found")
	}
	if dels := e.srv.DropletDeletions(); len(dels) != 2 || !slices.Contains(dels[0].Tags, "web") {
		t.Errorf("deletions recorded: %+v", dels)
	}
}

func TestAutoscaleMembersBehindTaggedLoadBalancer(t *testing.T) {
	e := newPoolEnv(t)
	lbReq := minimalLB()
	lbReq.Tag = "web"
	lb := e.createLB(lbReq)
	p := e.createPool(fixedPool("web-pool", 3))
	got, _, err := e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if err != nil {
		t.Fatal(err)
	}
	ids := memberIDs(e.members(p.ID))
	if !slices.Equal(got.DropletIDs, ids) {
		t.Errorf("load balancer droplet_ids %v, want the members %v", got.DropletIDs, ids)
	}
}

func TestAutoscaleScaleOutBeyondDropletLimitIsAnErrorEvent(t *testing.T) {
	e := newPoolEnv(t, func(o *Options) { o.DropletLimit = 3 })
	p, created := e.bootDynamic(dynamicPool("web-pool", 2, 6))
	e.setUtilization(memberIDs(e.members(p.ID)), 1, 1) // asks for 4
	e.advanceTo(created.Add(5 * time.Minute))
	if n := len(e.members(p.ID)); n != 3 {
		t.Errorf("members = %d, want the 3 the limit allows", n)
	}
	h := e.history(p.ID)
	if last := h[len(h)-1]; last.Status != EventError || last.ErrorReason != msgDropletLimit || last.DesiredInstanceCount != 4 {
		t.Errorf("scale-out past the limit: %+v", last)
	}
}

func TestAutoscalePoolsPersistAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	first := newPoolEnv(t, func(o *Options) { o.StateFile = path })
	p := first.createPool(dynamicPool("web-pool", 2, 4))
	first.advance(first.srv.delays.DropletBoot)
	ids := memberIDs(first.members(p.ID))
	if err := first.srv.SetDropletUtilization(ids[0], 0.8, 0.5); err != nil {
		t.Fatal(err)
	}
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}

	second := newTestEnv(t, func(o *Options) { o.StateFile = path }) // the key persisted
	second.clock.Advance(first.clock.Now().Sub(testEpoch))
	got := second.pool(p.ID)
	if got.Name != "web-pool" || got.Config.MaxInstances != 4 || got.Status != PoolActive {
		t.Errorf("reloaded pool: %+v", got)
	}
	if got.CurrentUtilization == nil || got.CurrentUtilization.CPU != 0.5 { // (0.8 + 0.2) / 2
		t.Errorf("reloaded utilization: %+v", got.CurrentUtilization)
	}
	if reloaded := memberIDs(second.members(p.ID)); !slices.Equal(reloaded, ids) {
		t.Errorf("reloaded members %v, want %v", reloaded, ids)
	}
	if h := second.history(p.ID); len(h) != 1 || h[0].Status != EventSuccess {
		t.Errorf("reloaded history: %+v", h)
	}
	// The scaler carries on: a lost member is replaced.
	if _, err := second.client.Droplets.Delete(second.ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	second.advance(second.srv.delays.AutoscaleEvaluation)
	if n := len(second.members(p.ID)); n != 2 {
		t.Errorf("after restart a lost member was not replaced: %d members", n)
	}
}

func TestSetDropletUtilization(t *testing.T) {
	e := newPoolEnv(t)
	id := e.seedDroplet("nyc3", "active")
	for _, tc := range []struct{ cpu, memory float64 }{{-0.1, 0.5}, {0.5, 1.1}, {2, 0}} {
		if err := e.srv.SetDropletUtilization(id, tc.cpu, tc.memory); err == nil {
			t.Errorf("utilization %v/%v accepted", tc.cpu, tc.memory)
		}
	}
	if err := e.srv.SetDropletUtilization(id+1, 0.5, 0.5); err == nil {
		t.Error("an unknown droplet accepted a utilization")
	}

	// Over the control API.
	put := func(path, body string) int {
		status, _ := e.controlJSON(http.MethodPut, path, body)
		return status
	}
	path := "/_sandbox/droplets/" + strconv.Itoa(id) + "/utilization"
	if got := put(path, `{"cpu":0.9,"memory":0.4}`); got != http.StatusNoContent {
		t.Errorf("PUT utilization = %d", got)
	}
	e.srv.Inspect(func(w *World) {
		if u := w.Droplets[id].utilization(); u != (Utilization{CPU: 0.9, Memory: 0.4}) {
			t.Errorf("utilization = %+v", u)
		}
	})
	for body, want := range map[string]int{`{"cpu":0.9}`: 422, `{"cpu":1.5,"memory":0}`: 422, `nope`: 400} {
		if got := put(path, body); got != want {
			t.Errorf("PUT %s = %d, want %d", body, got, want)
		}
	}
	if got := put("/_sandbox/droplets/999/utilization", `{"cpu":0.1,"memory":0.1}`); got != http.StatusNotFound {
		t.Errorf("unknown droplet = %d", got)
	}
}
