package tier_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/testkeys"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// writes is how many POST, PUT and DELETE requests the sandbox has seen.
func writes(srv *sandbox.Server) int {
	n := 0
	for pattern, e := range srv.Counts().Endpoints {
		if strings.HasPrefix(pattern, "POST ") || strings.HasPrefix(pattern, "PUT ") || strings.HasPrefix(pattern, "DELETE ") {
			n += e.Requests
		}
	}
	return n
}

// problemsOf is the paths and codes of a *PreflightError.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var pe *tier.PreflightError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *PreflightError, got %v", err)
	}
	var out []string
	for _, p := range pe.Problems {
		out = append(out, p.Path.String()+" "+string(p.Code))
	}
	return out
}

// An apply with a bad reference is refused before its first write: the
// sandbox sees no POST, PUT or DELETE and holds nothing of the tier.
func TestApplyRefusesBadReferencesWithoutWriting(t *testing.T) {
	https := tier.ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateName: "hits-cert"}
	cases := []struct {
		name   string
		mutate func(*tier.Spec)
		want   []string
	}{
		{"a size typo", func(s *tier.Spec) { s.Droplet.Size = "s-1vcpu-1g" }, []string{"droplet.size unknown_size"}},
		{"a certificate not in the account", func(s *tier.Spec) {
			s.LoadBalancer.ForwardingRules = append(s.LoadBalancer.ForwardingRules, https)
		}, []string{"load_balancer.forwarding_rule[1].certificate_name unknown_certificate"}},
		{"both at once, and a count over the limit", func(s *tier.Spec) {
			s.Droplet.Size, s.Droplet.Instances = "s-1vcpu-1g", 26
			s.LoadBalancer.ForwardingRules = append(s.LoadBalancer.ForwardingRules, https)
		}, []string{"droplet.size unknown_size", "load_balancer.forwarding_rule[1].certificate_name unknown_certificate", "droplet.instances droplet_limit"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.exec.Catalog = w.client.Catalog
			s := spec("pre", 3)
			tc.mutate(&s)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			fleet, _, err := w.exec.Apply(ctx, s, tier.Ref{})
			if got := problemsOf(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems %q, want %q\n%v", got, tc.want, err)
			}
			if n := writes(w.srv); n != 0 {
				t.Errorf("%d write requests: %v", n, w.srv.Counts().Endpoints)
			}
			if len(fleet.Droplets) != 0 || fleet.LoadBalancer != nil || len(w.loadBalancerIDs()) != 0 {
				t.Errorf("something was built: %+v", fleet)
			}
		})
	}
}

// A reference that passed the plan's preflight and was deleted before the
// apply fails the apply with nothing written: the apply reads a fresh
// catalog, not the plan's. With the key back, the same apply builds the
// tier.
func TestApplyRefusesAReferenceDeletedSincePlan(t *testing.T) {
	w := newWorld(t)
	w.exec.Catalog = w.client.Catalog
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fp, err := testkeys.Add(ctx, w.client.Godo(), "ops")
	if err != nil {
		t.Fatal(err)
	}
	s := spec("pre", 2)
	s.Droplet.SSHKeys = []string{fp}
	plan := w.client.NewCatalogCache(time.Minute)
	cat, err := plan.Catalog(ctx, tier.CatalogNeedsFor(s))
	if err != nil {
		t.Fatal(err)
	}
	if problems := tier.Preflight(s, cat, tier.Fleet{}); len(problems) != 0 {
		t.Fatalf("plan-time preflight: %v", problems)
	}
	if _, err := w.client.Godo().Keys.DeleteByFingerprint(ctx, fp); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetCounts()
	_, _, err = w.exec.Apply(ctx, s, tier.Ref{})
	if got := problemsOf(t, err); !slices.Equal(got, []string{"droplet.ssh_keys[0] unknown_ssh_key"}) {
		t.Errorf("problems %q", got)
	}
	if n := writes(w.srv); n != 0 {
		t.Errorf("%d write requests after the key was deleted", n)
	}

	fp, err = testkeys.Add(ctx, w.client.Godo(), "ops-again")
	if err != nil {
		t.Fatal(err)
	}
	s.Droplet.SSHKeys = []string{fp}
	if f := w.apply(t, s, tier.Ref{}); len(f.Droplets) != 2 || f.LoadBalancer == nil {
		t.Errorf("with a key the account holds: %d droplets, load balancer %v", len(f.Droplets), f.LoadBalancer)
	}
}
