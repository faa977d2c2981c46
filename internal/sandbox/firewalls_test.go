package sandbox

import (
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// miscFirewallRequest is a valid firewall body to vary in tests.
func miscFirewallRequest() *godo.FirewallRequest {
	return &godo.FirewallRequest{
		Name: "web-fw",
		InboundRules: []godo.InboundRule{
			{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"18.0.0.0/8", "1.2.3.4"}}},
			{Protocol: "tcp", PortRange: "8000-9000", Sources: &godo.Sources{Tags: []string{"web"}, DropletIDs: []int{61}}},
			{Protocol: "icmp", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0", "::/0"}}},
		},
		OutboundRules: []godo.OutboundRule{
			{Protocol: "udp", PortRange: "all", Destinations: &godo.Destinations{Addresses: []string{"0.0.0.0/0", "::/0"}}},
		},
		DropletIDs: []int{61},
		Tags:       []string{"web"},
	}
}

func miscFirewallEnv(t *testing.T, mutators ...func(*Options)) *testEnv {
	t.Helper()
	e := newTestEnv(t, mutators...)
	miscDroplets(t, e, &Droplet{ID: 61}, &Droplet{ID: 62, Tags: []string{"web"}}, &Droplet{ID: 63})
	return e
}

func miscPendingIDs(f *godo.Firewall, removing bool) []int {
	var out []int
	for _, p := range f.PendingChanges {
		if p.Removing == removing && p.Status == "waiting" {
			out = append(out, p.DropletID)
		}
	}
	slices.Sort(out)
	return out
}

func TestFirewallCreateAppliesAfterDelay(t *testing.T) {
	e := miscFirewallEnv(t)
	fw, resp, err := e.client.Firewalls.Create(e.ctx, miscFirewallRequest())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted || fw.ID == "" || fw.Name != "web-fw" || fw.Status != "waiting" || fw.Created != timestamp(testEpoch) {
		t.Fatalf("created %d %+v", resp.StatusCode, fw)
	}
	if got := miscPendingIDs(fw, false); !slices.Equal(got, []int{61, 62}) {
		t.Errorf("pending %v, want droplets 61 (by id) and 62 (by tag)", got)
	}
	// DigitalOcean's normalisations: "all" ports are "0", ICMP has no ports.
	if fw.InboundRules[2].PortRange != "0" || fw.OutboundRules[0].PortRange != "0" || fw.InboundRules[1].PortRange != "8000-9000" {
		t.Errorf("ports %+v %+v", fw.InboundRules, fw.OutboundRules)
	}
	if !slices.Equal(fw.DropletIDs, []int{61}) || !slices.Equal(fw.Tags, []string{"web"}) {
		t.Errorf("droplets %v tags %v", fw.DropletIDs, fw.Tags)
	}

	raw, err := miscRaw(t, e, http.MethodGet, "v2/firewalls/"+fw.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	rule := raw["firewall"].(map[string]any)["inbound_rules"].([]any)[0].(map[string]any)
	if src := rule["sources"].(map[string]any); len(src) != 1 || src["addresses"] == nil {
		t.Errorf("sources %v: want only the addresses key", src)
	}

	e.advance(e.srv.delays.FirewallApply - time.Second)
	if fw, _, _ = e.client.Firewalls.Get(e.ctx, fw.ID); fw.Status != "waiting" {
		t.Fatalf("status %q a second early", fw.Status)
	}
	e.advance(time.Second)
	fw, _, err = e.client.Firewalls.Get(e.ctx, fw.ID)
	if err != nil || fw.Status != "succeeded" || len(fw.PendingChanges) != 0 {
		t.Fatalf("after the delay: %v %+v", err, fw)
	}

	list, resp, err := e.client.Firewalls.List(e.ctx, nil)
	if err != nil || len(list) != 1 || list[0].ID != fw.ID || resp.Meta.Total != 1 {
		t.Fatalf("list %v %v", err, list)
	}
}

func TestFirewallValidation(t *testing.T) {
	rule := func(p, ports string, src *godo.Sources) []godo.InboundRule {
		return []godo.InboundRule{{Protocol: p, PortRange: ports, Sources: src}}
	}
	addrs := &godo.Sources{Addresses: []string{"0.0.0.0/0"}}
	var manyRules []godo.InboundRule
	for i := 1; i <= FirewallRulesMax+1; i++ {
		manyRules = append(manyRules, rule("tcp", strconv.Itoa(i), addrs)...)
	}
	cases := []struct {
		name   string
		change func(r *godo.FirewallRequest)
		status int
		id     string
		want   string
	}{
		{"name missing", func(r *godo.FirewallRequest) { r.Name = "" }, 422, "unprocessable_entity", "name is required"},
		{"name starts with dash", func(r *godo.FirewallRequest) { r.Name = "-fw" }, 422, "unprocessable_entity", `name "-fw" is invalid`},
		{"name one character", func(r *godo.FirewallRequest) { r.Name = "f" }, 422, "unprocessable_entity", `name "f" is invalid`},
		{"name with underscore", func(r *godo.FirewallRequest) { r.Name = "web_fw" }, 422, "unprocessable_entity", `name "web_fw" is invalid`},
		{"name taken", func(r *godo.FirewallRequest) { r.Name = "taken" }, 409, "conflict", "duplicate name"},
		{"no rules", func(r *godo.FirewallRequest) { r.InboundRules, r.OutboundRules = nil, nil }, 422, "unprocessable_entity", "at least one inbound or outbound rule"},
		{"protocol unknown", func(r *godo.FirewallRequest) { r.InboundRules = rule("sctp", "80", addrs) }, 422, "unprocessable_entity", `inbound_rules[0].protocol "sctp" is invalid; allowed protocols: tcp, udp, icmp`},
		{"tcp without ports", func(r *godo.FirewallRequest) { r.InboundRules = rule("tcp", "", addrs) }, 422, "unprocessable_entity", "You must specify a positive value for ports."},
		{"port zero in range", func(r *godo.FirewallRequest) { r.InboundRules = rule("tcp", "0-80", addrs) }, 422, "unprocessable_entity", "valid range for ports"},
		{"port too high", func(r *godo.FirewallRequest) { r.InboundRules = rule("udp", "70000", addrs) }, 422, "unprocessable_entity", "valid range for ports"},
		{"range reversed", func(r *godo.FirewallRequest) { r.InboundRules = rule("tcp", "9000-8000", addrs) }, 422, "unprocessable_entity", "valid range for ports"},
		{"port not a number", func(r *godo.FirewallRequest) { r.InboundRules = rule("tcp", "http", addrs) }, 422, "unprocessable_entity", "valid range for ports"},
		{"address invalid", func(r *godo.FirewallRequest) {
			r.InboundRules = rule("tcp", "80", &godo.Sources{Addresses: []string{"999.1.1.1"}})
		}, 422, "unprocessable_entity", `invalid address "999.1.1.1"`},
		{"no sources", func(r *godo.FirewallRequest) { r.InboundRules = rule("tcp", "80", &godo.Sources{}) }, 422, "unprocessable_entity", "inbound_rules[0].sources must name at least one"},
		{"no destinations", func(r *godo.FirewallRequest) {
			r.OutboundRules = []godo.OutboundRule{{Protocol: "tcp", PortRange: "80"}}
		}, 422, "unprocessable_entity", "outbound_rules[0].destinations must name at least one"},
		{"source droplet missing", func(r *godo.FirewallRequest) {
			r.InboundRules = rule("tcp", "80", &godo.Sources{DropletIDs: []int{999}})
		}, 422, "unprocessable_entity", "inbound_rules[0].sources.droplet_ids: droplet 999 does not exist"},
		{"source load balancer missing", func(r *godo.FirewallRequest) {
			r.InboundRules = rule("tcp", "80", &godo.Sources{LoadBalancerUIDs: []string{"nope"}})
		}, 422, "unprocessable_entity", `load balancer "nope" does not exist`},
		{"source kubernetes cluster", func(r *godo.FirewallRequest) {
			r.InboundRules = rule("tcp", "80", &godo.Sources{KubernetesIDs: []string{"k8s-1"}})
		}, 422, "unprocessable_entity", `Kubernetes cluster "k8s-1" does not exist`},
		{"source tag missing", func(r *godo.FirewallRequest) {
			r.InboundRules = rule("tcp", "80", &godo.Sources{Tags: []string{"ghost"}})
		}, 422, "unprocessable_entity", `tag "ghost" does not exist`},
		{"droplet missing", func(r *godo.FirewallRequest) { r.DropletIDs = []int{61, 998} }, 422, "unprocessable_entity", "droplet_ids: droplet 998 does not exist"},
		{"tag missing", func(r *godo.FirewallRequest) { r.Tags = []string{"ghost"} }, 422, "unprocessable_entity", `tags: tag "ghost" does not exist`},
		{"tag invalid", func(r *godo.FirewallRequest) { r.Tags = []string{"bad tag"} }, 400, "bad_request", "contains invalid characters"},
		{"too many rules", func(r *godo.FirewallRequest) { r.InboundRules = manyRules }, 422, "unprocessable_entity", "at most 50 inbound and outbound rules"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := miscFirewallEnv(t)
			taken := miscFirewallRequest()
			taken.Name = "taken"
			if _, _, err := e.client.Firewalls.Create(e.ctx, taken); err != nil {
				t.Fatal(err)
			}
			req := miscFirewallRequest()
			tc.change(req)
			_, _, err := e.client.Firewalls.Create(e.ctx, req)
			miscMessage(t, e.apiError(err, tc.status, tc.id), tc.want)
			// The same body is refused by PUT.
			other := miscFirewallRequest()
			other.Name = "other"
			fw, _, err := e.client.Firewalls.Create(e.ctx, other)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = e.client.Firewalls.Update(e.ctx, fw.ID, req)
			e.apiError(err, tc.status, tc.id)
		})
	}
}

func TestFirewallAcceptsLoadBalancerSources(t *testing.T) {
	e := miscFirewallEnv(t)
	if err := e.srv.Mutate(func(w *World, now time.Time) error {
		w.LoadBalancers["4de7ac8b-495b-4884-9a69-1050c6793cd6"] = &LoadBalancer{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	req := miscFirewallRequest()
	req.InboundRules = []godo.InboundRule{{Protocol: "tcp", PortRange: "80", Sources: &godo.Sources{LoadBalancerUIDs: []string{"4de7ac8b-495b-4884-9a69-1050c6793cd6"}}}}
	fw, _, err := e.client.Firewalls.Create(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := fw.InboundRules[0].Sources.LoadBalancerUIDs; len(got) != 1 {
		t.Errorf("load balancer sources %v", got)
	}
}

func TestFirewallUpdateReplacesAndDelete(t *testing.T) {
	e := miscFirewallEnv(t)
	fw, _, err := e.client.Firewalls.Create(e.ctx, miscFirewallRequest())
	if err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.FirewallApply)
	// PUT resets what it leaves out: no tags, no droplets any more.
	req := &godo.FirewallRequest{Name: "web-fw-2", OutboundRules: []godo.OutboundRule{
		{Protocol: "tcp", PortRange: "443", Destinations: &godo.Destinations{Addresses: []string{"0.0.0.0/0"}}},
	}}
	upd, resp, err := e.client.Firewalls.Update(e.ctx, fw.ID, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatal(err)
	}
	if upd.Name != "web-fw-2" || len(upd.InboundRules) != 0 || len(upd.OutboundRules) != 1 || len(upd.Tags) != 0 || len(upd.DropletIDs) != 0 || upd.Status != "waiting" {
		t.Fatalf("updated %+v", upd)
	}
	if got := miscPendingIDs(upd, true); !slices.Equal(got, []int{61, 62}) {
		t.Errorf("removing %v, want 61 and 62", got)
	}
	// A firewall may keep its own name.
	if _, _, err := e.client.Firewalls.Update(e.ctx, fw.ID, req); err != nil {
		t.Errorf("update keeping the name: %v", err)
	}
	resp, err = e.client.Firewalls.Delete(e.ctx, fw.ID)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatal(err)
	}
	_, _, err = e.client.Firewalls.Get(e.ctx, fw.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, _, err = e.client.Firewalls.Update(e.ctx, fw.ID, req)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.Firewalls.Delete(e.ctx, fw.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestFirewallDropletsTagsAndRules(t *testing.T) {
	e := miscFirewallEnv(t)
	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "db"}); err != nil {
		t.Fatal(err)
	}
	fw, _, err := e.client.Firewalls.Create(e.ctx, miscFirewallRequest())
	if err != nil {
		t.Fatal(err)
	}
	settle := func() { e.advance(e.srv.delays.FirewallApply) }
	get := func() *godo.Firewall {
		t.Helper()
		f, _, err := e.client.Firewalls.Get(e.ctx, fw.ID)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	noContent := func(resp *godo.Response, err error) {
		t.Helper()
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("want 204, got %v", err)
		}
	}
	settle()

	noContent(e.client.Firewalls.AddDroplets(e.ctx, fw.ID, 63, 61))
	f := get()
	if !slices.Equal(f.DropletIDs, []int{61, 63}) || f.Status != "waiting" || !slices.Contains(miscPendingIDs(f, false), 63) {
		t.Fatalf("after adding 63: %+v", f)
	}
	settle()
	noContent(e.client.Firewalls.RemoveDroplets(e.ctx, fw.ID, 63))
	if f := get(); !slices.Equal(f.DropletIDs, []int{61}) || !slices.Equal(miscPendingIDs(f, true), []int{63}) {
		t.Fatalf("after removing 63: %+v", f)
	}
	_, err = e.client.Firewalls.AddDroplets(e.ctx, fw.ID, 404)
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "droplet 404 does not exist")
	_, err = e.client.Firewalls.AddDroplets(e.ctx, fw.ID)
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")

	noContent(e.client.Firewalls.AddTags(e.ctx, fw.ID, "db"))
	if f := get(); !slices.Equal(f.Tags, []string{"web", "db"}) {
		t.Fatalf("tags %v", f.Tags)
	}
	_, err = e.client.Firewalls.AddTags(e.ctx, fw.ID, "ghost")
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), `tag "ghost" does not exist`)
	noContent(e.client.Firewalls.RemoveTags(e.ctx, fw.ID, "web"))
	if f := get(); !slices.Equal(f.Tags, []string{"db"}) || !slices.Equal(miscPendingIDs(f, true), []int{62}) {
		t.Fatalf("after removing tag web: %+v", f)
	}

	extra := &godo.FirewallRulesRequest{
		InboundRules:  []godo.InboundRule{{Protocol: "udp", PortRange: "53", Sources: &godo.Sources{Addresses: []string{"10.0.0.0/8"}}}},
		OutboundRules: []godo.OutboundRule{{Protocol: "icmp", Destinations: &godo.Destinations{Addresses: []string{"0.0.0.0/0"}}}},
	}
	noContent(e.client.Firewalls.AddRules(e.ctx, fw.ID, extra))
	if f := get(); len(f.InboundRules) != 4 || len(f.OutboundRules) != 2 || f.OutboundRules[1].PortRange != "0" {
		t.Fatalf("after adding rules: %+v %+v", f.InboundRules, f.OutboundRules)
	}
	// Rules match as sets: the same sources in another order remove a rule.
	remove := &godo.FirewallRulesRequest{InboundRules: []godo.InboundRule{
		{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"1.2.3.4", "18.0.0.0/8"}}},
	}}
	noContent(e.client.Firewalls.RemoveRules(e.ctx, fw.ID, remove))
	f = get()
	if len(f.InboundRules) != 3 || f.InboundRules[0].PortRange != "8000-9000" {
		t.Fatalf("after removing the ssh rule: %+v", f.InboundRules)
	}
	_, err = e.client.Firewalls.AddRules(e.ctx, fw.ID, &godo.FirewallRulesRequest{
		InboundRules: []godo.InboundRule{{Protocol: "gre", PortRange: "1", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0"}}}},
	})
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), `"gre"`)

	for _, call := range []func() (*godo.Response, error){
		func() (*godo.Response, error) { return e.client.Firewalls.AddDroplets(e.ctx, "missing", 61) },
		func() (*godo.Response, error) { return e.client.Firewalls.RemoveTags(e.ctx, "missing", "db") },
		func() (*godo.Response, error) { return e.client.Firewalls.AddRules(e.ctx, "missing", extra) },
	} {
		_, err := call()
		e.apiError(err, http.StatusNotFound, "not_found")
	}
}

func TestDropletFirewallsAndTagging(t *testing.T) {
	e := miscFirewallEnv(t)
	fw, _, err := e.client.Firewalls.Create(e.ctx, miscFirewallRequest())
	if err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.FirewallApply)
	byDroplet := func(id int) []godo.Firewall {
		t.Helper()
		fws, _, err := e.client.Firewalls.ListByDroplet(e.ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fws
	}
	if got := byDroplet(61); len(got) != 1 || got[0].ID != fw.ID {
		t.Errorf("droplet 61 (by id): %v", got)
	}
	if got := byDroplet(62); len(got) != 1 {
		t.Errorf("droplet 62 (by tag): %v", got)
	}
	if got := byDroplet(63); len(got) != 0 {
		t.Errorf("droplet 63: %v", got)
	}
	_, _, err = e.client.Firewalls.ListByDroplet(e.ctx, 404, nil)
	e.apiError(err, http.StatusNotFound, "not_found")

	// Tagging a droplet puts it behind the firewall; untagging takes it out.
	if _, err := e.client.Tags.TagResources(e.ctx, "web", &godo.TagResourcesRequest{Resources: []godo.Resource{{ID: "63", Type: "droplet"}}}); err != nil {
		t.Fatal(err)
	}
	f, _, _ := e.client.Firewalls.Get(e.ctx, fw.ID)
	if f.Status != "waiting" || !slices.Equal(miscPendingIDs(f, false), []int{63}) || len(byDroplet(63)) != 1 {
		t.Fatalf("after tagging 63: %+v", f)
	}
	e.advance(e.srv.delays.FirewallApply)
	if _, err := e.client.Tags.UntagResources(e.ctx, "web", &godo.UntagResourcesRequest{Resources: []godo.Resource{{ID: "63", Type: "droplet"}}}); err != nil {
		t.Fatal(err)
	}
	f, _, _ = e.client.Firewalls.Get(e.ctx, fw.ID)
	if !slices.Equal(miscPendingIDs(f, true), []int{63}) || len(byDroplet(63)) != 0 {
		t.Fatalf("after untagging 63: %+v", f)
	}
	// A droplet behind the firewall by id stays there when it loses the tag.
	e.advance(e.srv.delays.FirewallApply)
	if _, err := e.client.Tags.TagResources(e.ctx, "web", &godo.TagResourcesRequest{Resources: []godo.Resource{{ID: "61", Type: "droplet"}}}); err != nil {
		t.Fatal(err)
	}
	if f, _, _ = e.client.Firewalls.Get(e.ctx, fw.ID); f.Status != "succeeded" {
		t.Errorf("tagging a droplet already behind the firewall changed it: %+v", f)
	}

	// A destroyed droplet disappears from the firewall.
	if err := e.srv.Mutate(func(w *World, now time.Time) error { delete(w.Droplets, 61); return nil }); err != nil {
		t.Fatal(err)
	}
	if f, _, _ = e.client.Firewalls.Get(e.ctx, fw.ID); len(f.DropletIDs) != 0 || len(f.InboundRules[1].Sources.DropletIDs) != 0 {
		t.Errorf("destroyed droplet still listed: %v %+v", f.DropletIDs, f.InboundRules[1].Sources)
	}
}

func TestFirewallsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	e := miscFirewallEnv(t, func(o *Options) { o.StateFile = path })
	fw, _, err := e.client.Firewalls.Create(e.ctx, miscFirewallRequest())
	if err != nil {
		t.Fatal(err)
	}
	e = miscRestart(t, e, path)
	got, _, err := e.client.Firewalls.Get(e.ctx, fw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != fw.Name || got.Status != "waiting" || len(got.InboundRules) != 3 || !slices.Equal(got.Tags, []string{"web"}) || len(got.PendingChanges) != 2 {
		t.Fatalf("after restart %+v", got)
	}
	// The due time survives the restart.
	e.advance(e.srv.delays.FirewallApply)
	if got, _, _ = e.client.Firewalls.Get(e.ctx, fw.ID); got.Status != "succeeded" {
		t.Errorf("status %q after the delay", got.Status)
	}
}
