package sandbox

import (
	"net/http"
	"slices"
	"testing"

	"github.com/digitalocean/godo"
)

// lbWorldCounts is how many load balancers and VPCs the world holds.
func (e *testEnv) lbWorldCounts() (lbs, vpcs int) {
	e.srv.Inspect(func(w *World) { lbs, vpcs = len(w.LoadBalancers), len(w.VPCs) })
	return lbs, vpcs
}

// validate_only checks a create or update and answers 204 No Content with
// no body, creating and changing nothing (the shape DigitalOcean's own
// Kubernetes admission webhook expects of godo's ValidateOnly).
func TestLoadBalancerValidateOnly(t *testing.T) {
	e := newTestEnv(t)
	lbs0, vpcs0 := e.lbWorldCounts()

	req := minimalLB()
	req.ValidateOnly = true
	lb, resp, err := e.client.LoadBalancers.Create(e.ctx, req)
	if err != nil || resp.StatusCode != http.StatusNoContent || lb != nil {
		t.Fatalf("validate a good create: %v, status %d, body %+v", err, resp.StatusCode, lb)
	}
	if lbs, vpcs := e.lbWorldCounts(); lbs != lbs0 || vpcs != vpcs0 {
		t.Errorf("validating created something: %d load balancers (was %d), %d VPCs (was %d)", lbs, lbs0, vpcs, vpcs0)
	}

	bad := minimalLB()
	bad.ValidateOnly = true
	bad.ForwardingRules[0].EntryProtocol = "gopher"
	_, _, err = e.client.LoadBalancers.Create(e.ctx, bad)
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), `forwarding_rules[0].entry_protocol "gopher"`)

	// An update is validated against the load balancer, busy or not, and
	// leaves it as it was.
	created, _, err := e.client.LoadBalancers.Create(e.ctx, minimalLB())
	if err != nil {
		t.Fatal(err)
	}
	upd := minimalLB()
	upd.Name, upd.ValidateOnly = "renamed", true
	if _, resp, err := e.client.LoadBalancers.Update(e.ctx, created.ID, upd); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("validate an update while new: %v", err)
	}
	upd.Region = "fra1"
	_, _, err = e.client.LoadBalancers.Update(e.ctx, created.ID, upd)
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "region cannot be changed")
	got, _, err := e.client.LoadBalancers.Get(e.ctx, created.ID)
	if err != nil || got.Name != "web-lb" || got.Status != "new" {
		t.Errorf("after validating updates: %+v %v", got, err)
	}
}

// domains, glb_settings and target_load_balancer_ids belong to GLOBAL load
// balancers: a regional create or update setting one is refused, naming it.
func TestLoadBalancerRefusesGlobalOnlyFields(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct {
		field string
		set   func(r *godo.LoadBalancerRequest)
	}{
		{"domains", func(r *godo.LoadBalancerRequest) {
			r.Domains = []*godo.LBDomain{{Name: "shop.example.com", IsManaged: true}}
		}},
		{"glb_settings", func(r *godo.LoadBalancerRequest) {
			r.GLBSettings = &godo.GLBSettings{TargetProtocol: "http", TargetPort: 80}
		}},
		{"target_load_balancer_ids", func(r *godo.LoadBalancerRequest) {
			r.TargetLoadBalancerIDs = []string{"7dbf91fe-cbdb-48dc-8290-c3a181554905"}
		}},
	}
	existing := e.createLB(minimalLB())
	for _, tc := range cases {
		want := tc.field + " can only be set on a load balancer of type GLOBAL; this one is "
		req := minimalLB()
		tc.set(req)
		_, _, err := e.client.LoadBalancers.Update(e.ctx, existing.ID, req)
		miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), want+"REGIONAL")
		req.Type = "REGIONAL_NETWORK"
		req.ForwardingRules = []godo.ForwardingRule{{EntryProtocol: "tcp", EntryPort: 80, TargetProtocol: "tcp", TargetPort: 80}}
		_, _, err = e.client.LoadBalancers.Create(e.ctx, req)
		miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), want+"REGIONAL_NETWORK")
	}
	if lbs, _ := e.lbWorldCounts(); lbs != 1 {
		t.Errorf("%d load balancers, want the one made before", lbs)
	}
	// godo's AsRequest round trip of a regional load balancer sends none.
	if _, _, err := e.client.LoadBalancers.Update(e.ctx, existing.ID, existing.AsRequest()); err != nil {
		t.Errorf("AsRequest round trip: %v", err)
	}
}

// Tags (godo's LoadBalancerRequest.Tags, sent by DigitalOcean Kubernetes)
// are taken on creation, answered, and kept by updates.
func TestLoadBalancerTags(t *testing.T) {
	e := newTestEnv(t)
	req := minimalLB()
	req.Tags = []string{"k8s:3f5e1c2a", "team-web", "k8s:3f5e1c2a"}
	lb := e.createLB(req)
	if !slices.Equal(lb.Tags, []string{"k8s:3f5e1c2a", "team-web"}) {
		t.Fatalf("tags %v", lb.Tags)
	}
	upd := minimalLB()
	upd.Tags = []string{"other"}
	got, _, err := e.client.LoadBalancers.Update(e.ctx, lb.ID, upd)
	if err != nil || !slices.Equal(got.Tags, lb.Tags) {
		t.Errorf("after an update sending other tags: %v %v", got.Tags, err)
	}

	bad := minimalLB()
	bad.Name, bad.Tags = "bad", []string{"no spaces"}
	_, _, err = e.client.LoadBalancers.Create(e.ctx, bad)
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), `tags: "no spaces" is not a valid tag name`)
}
