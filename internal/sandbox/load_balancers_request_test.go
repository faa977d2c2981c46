package sandbox

import (
	"net/http"
	"testing"
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
