package stacktest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

type bearerToken string

func (b bearerToken) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

// dashboardStack builds what the guide "Adopting an existing stack" starts
// from, as the dashboard would: three droplets tagged web (the third on an
// older image), a load balancer legacy-lb targeting them by id, and a CPU
// alert policy on them. It returns the alert policy's id.
func dashboardStack(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	ctx := context.Background()
	c, err := godo.New(&http.Client{Timeout: 30 * time.Second, Transport: bearerToken(srv.Token())}, godo.SetBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	var entities []string
	for i, image := range []string{"ubuntu-24-04-x64", "ubuntu-24-04-x64", "ubuntu-22-04-x64"} {
		d, _, err := c.Droplets.Create(ctx, &godo.DropletCreateRequest{
			Name: fmt.Sprintf("web-%d", i+1), Region: "nyc3", Size: "s-1vcpu-1gb",
			Image: godo.DropletCreateImage{Slug: image}, Tags: []string{"web"}, Monitoring: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
		entities = append(entities, fmt.Sprint(d.ID))
	}
	if _, _, err := c.LoadBalancers.Create(ctx, &godo.LoadBalancerRequest{
		Name: "legacy-lb", Region: "nyc3", DropletIDs: ids,
		ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
	}); err != nil {
		t.Fatal(err)
	}
	on := true
	p, _, err := c.Monitoring.CreateAlertPolicy(ctx, &godo.AlertPolicyCreateRequest{
		Type: "v1/insights/droplet/cpu", Description: "web CPU high", Compare: godo.GreaterThan, Value: 80, Window: "5m",
		Entities: entities, Tags: []string{}, Alerts: godo.Alerts{Email: []string{"ops@example.com"}}, Enabled: &on,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.UUID
}

// The guide's walk-through, as a user runs it: an import block with the id
// naming the stack, -generate-config-out, the warnings of the import and
// of the first plan (what adoption does, why one droplet is replaced),
// the apply, and an empty plan after it.
func TestAccAdoptDashboardStackFromTheCLI(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t)
	alert := dashboardStack(t, srv)
	dir := t.TempDir()
	main := fmt.Sprintf(`terraform {
  required_providers {
    scalable = { source = "scalable-tf/scalable" }
  }
}

import {
  to = scalable_web_tier.legacy
  id = "name=legacy,load_balancer=legacy-lb,droplets=tag:web,alert_policies=%s"
}
`, alert)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newTerraform(t, sandboxEnv(srv)...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	expect := func(what, out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !phrase(w).MatchString(out) {
				t.Errorf("%s lacks %q:\n%s", what, w, out)
			}
		}
	}

	// The droplets do not share an image: the generated configuration
	// leaves it empty, and says so.
	out, code := tf.exitCode(ctx, dir, "plan", "-generate-config-out=generated.tf", "-input=false")
	t.Logf("plan -generate-config-out (exit %d):\n%s", code, out)
	expect("plan -generate-config-out", out,
		"Warning: scalable_web_tier legacy: adopting a stack made outside Terraform",
		"The import found 3 droplet(s)",
		"load balancer legacy-lb",
		"It changed nothing",
		"Warning: scalable_web_tier legacy: droplet.image left empty",
		"The droplets do not share one image (1 on ubuntu-22-04-x64, 2 on ubuntu-24-04-x64)",
	)
	gen, err := os.ReadFile(filepath.Join(dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated.tf:\n%s", gen)
	fixed := strings.Replace(string(gen), "image      = null", `image      = "ubuntu-24-04-x64"`, 1)
	if fixed == string(gen) {
		t.Fatalf("generated.tf has no image = null to fill in:\n%s", gen)
	}
	if err := os.WriteFile(filepath.Join(dir, "generated.tf"), []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}

	out, code = tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false")
	t.Logf("first plan (exit %d):\n%s", code, out)
	if code != 2 {
		t.Fatalf("first plan: exit %d, want 2 (changes)\n%s", code, out)
	}
	expect("the first plan", out,
		"Warning: scalable_web_tier legacy: adopting what the import found",
		"tags 3 adopted droplet(s) with scalable-tier:legacy (2 of them also with the configuration's revision tag",
		"points load balancer legacy-lb",
		"at scalable-tier:legacy; its id and IP stay, and it never has fewer targets than before",
		"updates 1 of the 1 adopted alert policies in place",
		"Warning: scalable_web_tier legacy: droplets replaced: 1 droplet runs image ubuntu-22-04-x64, the configuration says ubuntu-24-04-x64",
		"3 droplets will be adopted; 1 droplet will be replaced in 1 wave of 1",
		`+ tag = "scalable-tier:legacy"`,
		"1 to import, 0 to add, 1 to change, 0 to destroy",
	)
	// Importing and planning wrote nothing: the load balancer still targets
	// the three droplets by id, and no droplet carries the tier's tag.
	srv.Inspect(func(w *sandbox.World) {
		for _, lb := range w.LoadBalancers {
			if lb.Tag != "" || len(lb.DropletIDs) != 3 {
				t.Errorf("after import and plan the load balancer targets tag %q, droplets %v: the import wrote", lb.Tag, lb.DropletIDs)
			}
		}
		for _, d := range w.Droplets {
			if slices.Contains(d.Tags, "scalable-tier:legacy") {
				t.Errorf("after import and plan droplet %s carries the tier's tag: the import wrote", d.Name)
			}
		}
	})
	tf.run(ctx, dir, "apply", "-auto-approve", "-input=false")
	out, code = tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false")
	if code != 0 {
		t.Errorf("the plan after the adopting apply: exit %d, want 0 (no changes)\n%s", code, out)
	}
	tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
	srv.Inspect(func(w *sandbox.World) {
		if n := len(w.Droplets) + len(w.LoadBalancers) + len(w.AlertPolicies); n > 0 {
			t.Errorf("destroy left %d droplets, %d load balancers, %d alert policies", len(w.Droplets), len(w.LoadBalancers), len(w.AlertPolicies))
		}
	})
}
