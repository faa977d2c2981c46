package tier_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doclient"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// stackWorld is a world whose account has the domain example.com and a
// project "web"; limit is its droplet limit.
func stackWorld(t *testing.T, limit int) (*world, string) {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{Token: "t", TimeScale: 0.01, DropletLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	logs := &logRecorder{}
	c, err := doclient.New(doclient.Config{Token: "t", Endpoint: srv.URL(), RetryMax: 3, Logf: logs.Info,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := c.Godo().Domains.Create(ctx, &godo.DomainCreateRequest{Name: "example.com"}); err != nil {
		t.Fatal(err)
	}
	p, _, err := c.Godo().Projects.Create(ctx, &godo.CreateProjectRequest{Name: "web", Purpose: "Web Application", Environment: "Production"})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{srv: srv, client: c, logs: logs, exec: &tier.Executor{Cloud: c, Poll: 20 * time.Millisecond, TimeScale: 0.01, Log: logs}}
	return w, p.ID
}

func stackSpec(name string, n int, project string) tier.Spec {
	s := spec(name, n)
	s.Firewall = &tier.FirewallSpec{}
	s.Domain = &tier.DomainSpec{Name: "example.com", Record: "www", TTL: 300, LetsEncrypt: true}
	s.ProjectID = project
	return s
}

// stackRef is what state knows of a tier applied with stackSpec.
func stackRef(s tier.Spec, f tier.Fleet) tier.Ref {
	return tier.Ref{Name: s.Name, LoadBalancerID: f.LoadBalancer.ID, Alerts: true, Firewall: true, FirewallID: f.Firewall.ID,
		Domain: s.Domain, Certificate: true, ProjectID: s.ProjectID}
}

// The whole stack in one apply: the name points at the load balancer, the
// certificate is issued and served on 443, every droplet (also those a
// rollout brings in) and the load balancer are in the project; a moved
// name leaves no record behind; destroy leaves nothing.
func TestStackApplyAgainstTheSandbox(t *testing.T) {
	w, project := stackWorld(t, 25)
	s := stackSpec("stack", 3, project)
	f := w.apply(t, s, tier.Ref{})
	if f.Certificate == nil || f.Certificate.State != tier.CertificateVerified {
		t.Fatalf("certificate %+v, want issued", f.Certificate)
	}
	if len(f.Records) != 1 || f.Records[0].Data != f.LoadBalancer.IP || f.Records[0].TTL != 300 {
		t.Fatalf("records %+v, want one A record at %s", f.Records, f.LoadBalancer.IP)
	}
	// The tier writes the name's records itself, so DigitalOcean must not
	// write its own for the Let's Encrypt certificate.
	if !f.LoadBalancer.Spec.DisableLetsEncryptDNSRecords {
		t.Errorf("the load balancer lets DigitalOcean write records for the certificate beside the tier's")
	}
	if !slices.ContainsFunc(f.LoadBalancer.Spec.ForwardingRules, func(r tier.ForwardingRule) bool {
		return r.EntryPort == 443 && r.CertificateName == tier.CertificateName("stack")
	}) || !f.LoadBalancer.Spec.RedirectHTTPToHTTPS {
		t.Fatalf("load balancer %+v: want HTTPS on 443 with the tier's certificate and the redirect", f.LoadBalancer.Spec)
	}
	if out := f.OutsideProject(s); len(out) != 0 {
		t.Fatalf("outside the project after the apply: %v", out)
	}
	if p := tier.ComputePlan(s, f); !p.Empty() {
		t.Fatalf("an applied stack plans again:\n%s", p)
	}

	// A rollout: the new droplets are assigned too.
	s.Droplet.Image = "debian-13-x64"
	f = w.apply(t, s, stackRef(s, f))
	if out := f.OutsideProject(s); len(out) != 0 || len(f.Droplets) != 3 {
		t.Fatalf("after the rollout %d droplets, outside the project: %v", len(f.Droplets), out)
	}

	// Another name: www's record goes, app's is written, and the
	// certificate is for app.
	prior := stackRef(s, f)
	s.Domain = &tier.DomainSpec{Name: "example.com", Record: "app", TTL: 300, LetsEncrypt: true}
	f = w.apply(t, s, prior)
	www, err := w.client.ListRecords(context.Background(), "example.com", "A", "www.example.com")
	if err != nil || len(www) != 0 {
		t.Fatalf("www.example.com keeps %+v (%v)", www, err)
	}
	if len(f.Records) != 1 || f.Records[0].Name != "app" || f.Certificate == nil || !slices.Equal(f.Certificate.DNSNames, []string{"app.example.com"}) {
		t.Fatalf("records %+v, certificate %+v: want app.example.com", f.Records, f.Certificate)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.exec.Destroy(ctx, stackRef(s, f)); err != nil {
		t.Fatal(err)
	}
	w.srv.Inspect(func(world *sandbox.World) {
		records := 0
		for _, r := range world.DomainRecords {
			if r.Type == "A" || r.Type == "AAAA" {
				records++
			}
		}
		if len(world.Droplets)+len(world.LoadBalancers)+len(world.Firewalls)+len(world.Certificates)+records != 0 {
			t.Errorf("after destroy: %d droplets, %d load balancers, %d firewalls, %d certificates, %d address records",
				len(world.Droplets), len(world.LoadBalancers), len(world.Firewalls), len(world.Certificates), records)
		}
	})
}

// Reading a tier of 100 droplets: what the stack's pieces add to Observe's
// requests. The budget is one request per piece (records, certificates,
// project resources, firewalls) on top of the plain tier's.
func TestObserveRequestsOfAHundredDropletStack(t *testing.T) {
	w, project := stackWorld(t, 200)
	s := stackSpec("big", 100, project)
	s.Domain.LetsEncrypt = false // no need to wait for an issue here
	f := w.apply(t, s, tier.Ref{})
	count := func(ref tier.Ref) int {
		w.srv.ResetCounts()
		if _, err := tier.Observe(context.Background(), w.client, ref); err != nil {
			t.Fatal(err)
		}
		return w.srv.Counts().Total
	}
	plain := count(tier.Ref{Name: s.Name, LoadBalancerID: f.LoadBalancer.ID, Alerts: true})
	stack := count(stackRef(s, f))
	t.Logf("Observe of 100 droplets: %d requests for the tier, %d with firewall, DNS name, certificate and project", plain, stack)
	if plain > 4 {
		t.Errorf("a plain tier of 100 droplets took %d requests, want at most 4 (droplets by tag, load balancer, alert policies)", plain)
	}
	if stack-plain != 4 {
		t.Errorf("the stack's pieces added %d requests (%d -> %d), want 4: firewalls, records, certificates and project resources, one list each",
			stack-plain, plain, stack)
	}
	if len(f.Droplets) != 100 {
		t.Fatalf("%d droplets, want 100", len(f.Droplets))
	}
}
