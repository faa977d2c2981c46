package tier_test

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doclient"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// The executor against the in-process sandbox through doclient, without
// Terraform: create, scale out and in, a rolling image change within its
// bounds, a failed wave, and the next apply resuming.

// census counts the sandbox's droplets of a tier while a test runs: the
// most that existed at once, and the fewest active in service.
type census struct {
	mu                sync.Mutex
	most, fewestReady int
	stop              chan struct{}
	done              chan struct{}
}

func (w *world) watch(tag string) *census {
	c := &census{fewestReady: 1 << 30, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			total, ready := 0, 0
			w.srv.Inspect(func(sw *sandbox.World) {
				for _, d := range sw.Droplets {
					for _, t := range d.Tags {
						if t == tag {
							total++
							if d.Status == "active" {
								ready++
							}
						}
					}
				}
			})
			c.mu.Lock()
			c.most, c.fewestReady = max(c.most, total), min(c.fewestReady, ready)
			c.mu.Unlock()
			select {
			case <-c.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return c
}

func (c *census) end() (most, fewestReady int) {
	close(c.stop)
	<-c.done
	return c.most, c.fewestReady
}

func images(f tier.Fleet) map[string]int {
	out := map[string]int{}
	for _, d := range f.Droplets {
		out[d.Image]++
	}
	return out
}

func dropletIDs(f tier.Fleet) []int {
	var out []int
	for _, d := range f.Droplets {
		out = append(out, d.ID)
	}
	sort.Ints(out)
	return out
}

func TestExecutorCreatesScalesAndRollsOut(t *testing.T) {
	w := newWorld(t)
	s := spec("exec", 3)
	f := w.apply(t, s, tier.Ref{})
	if len(f.Droplets) != 3 || f.LoadBalancer == nil || f.LoadBalancer.Status != "active" {
		t.Fatalf("after create: %d droplets, load balancer %+v", len(f.Droplets), f.LoadBalancer)
	}
	ref := tier.Ref{LoadBalancerID: f.LoadBalancer.ID}
	if p := tier.ComputePlan(s, f); !p.Empty() {
		t.Fatalf("a created tier still has a plan:\n%s", p)
	}

	s.Droplet.Instances = 5
	grown := w.apply(t, s, ref)
	if len(grown.Droplets) != 5 {
		t.Fatalf("scale out: %d droplets", len(grown.Droplets))
	}
	s.Droplet.Instances = 2
	shrunk := w.apply(t, s, ref)
	if len(shrunk.Droplets) != 2 {
		t.Fatalf("scale in: %d droplets", len(shrunk.Droplets))
	}
	before := dropletIDs(shrunk)

	// A new image rolls in waves of max_surge 1: never more than 3
	// droplets, never fewer than 2 active.
	s.Droplet.Image = "debian-13-x64"
	c := w.watch(tier.Tag("exec"))
	rolled := w.apply(t, s, ref)
	most, fewest := c.end()
	if got := images(rolled); got["debian-13-x64"] != 2 || len(got) != 1 {
		t.Fatalf("after the rollout: images %v", got)
	}
	if most > 3 || fewest < 2 {
		t.Errorf("during the rollout: up to %d droplets (max 3) and as few as %d active (min 2)", most, fewest)
	}
	for _, id := range dropletIDs(rolled) {
		for _, old := range before {
			if id == old {
				t.Errorf("droplet %d of the old image survived the rollout", id)
			}
		}
	}
	if rolled.LoadBalancer.ID != f.LoadBalancer.ID {
		t.Errorf("the load balancer changed: %s, was %s", rolled.LoadBalancer.ID, f.LoadBalancer.ID)
	}
}

// A broken image stops the rollout at its first wave with a RolloutError
// naming the droplet; the old droplets keep serving; the next apply with a
// good image resumes and finishes.
func TestExecutorStopsAFailedWaveAndResumes(t *testing.T) {
	w := newWorld(t)
	s := spec("resume", 2)
	s.Rollout.Health = tier.HealthLoadBalancer
	s.Rollout.HealthTimeout = 2 * time.Second
	f := w.apply(t, s, tier.Ref{})
	ref := tier.Ref{LoadBalancerID: f.LoadBalancer.ID}
	old := dropletIDs(f)

	s.Droplet.Image = "broken-debian-13-x64"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	after, _, err := w.exec.Apply(ctx, s, ref)
	var rerr *tier.RolloutError
	if !errors.As(err, &rerr) || rerr.Wave != 1 || len(rerr.Failed) != 1 {
		t.Fatalf("apply of a broken image: %v, want a rollout error for wave 1 naming 1 droplet", err)
	}
	if got := dropletIDs(after); len(got) != 2 || got[0] != old[0] || got[1] != old[1] {
		t.Fatalf("after the failed wave the tier holds %v, want the old %v", got, old)
	}

	s.Droplet.Image = "debian-13-x64"
	done := w.apply(t, s, ref)
	if got := images(done); got["debian-13-x64"] != 2 || len(got) != 1 {
		t.Fatalf("the resumed rollout ends with %v", got)
	}
	if p := tier.ComputePlan(s, done); !p.Empty() {
		t.Errorf("plan after the resumed rollout:\n%s", p)
	}
}

func newTrafficWorld(t *testing.T) *world {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{Token: "t", TimeScale: 0.01, Traffic: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := doclient.New(doclient.Config{Token: "t", Endpoint: srv.URL(), RetryMax: 3,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logRecorder{}
	return &world{srv: srv, client: c, exec: &tier.Executor{Cloud: c, Poll: 20 * time.Millisecond, TimeScale: 0.01, Log: logs}, logs: logs}
}

// answersGET reports whether addr answers an HTTP GET (any status).
func answersGET(addr string) bool {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// The tier's firewall: made with the tier, it lets the load balancer in and
// nobody else; deleted out of band it comes back; the block removed, it
// goes; destroy leaves none.
func TestExecutorOwnsTheTierFirewall(t *testing.T) {
	w := newTrafficWorld(t)
	s := spec("guarded", 2)
	s.Rollout.Health = tier.HealthLoadBalancer
	s.Firewall = &tier.FirewallSpec{}
	f := w.apply(t, s, tier.Ref{})
	if f.Firewall == nil || f.Firewall.Name != "guarded-fw" {
		t.Fatalf("after create the fleet's firewall is %+v", f.Firewall)
	}
	ref := tier.Ref{LoadBalancerID: f.LoadBalancer.ID, Firewall: true, FirewallID: f.Firewall.ID}
	ls, err := w.srv.LoadBalancerListeners(f.LoadBalancer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !answersGET(ls[0].Address) {
		t.Fatal("the load balancer does not answer through the tier's firewall")
	}
	h, err := w.srv.DropletHTTP(f.Droplets[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if answersGET(h.Address) {
		t.Error("a droplet answers a direct request although the firewall lets only the load balancer in")
	}

	if _, err := w.client.Godo().Firewalls.Delete(context.Background(), f.Firewall.ID); err != nil {
		t.Fatal(err)
	}
	back := w.apply(t, s, ref)
	if back.Firewall == nil || back.Firewall.ID == f.Firewall.ID {
		t.Fatalf("a firewall deleted out of band is not made again: %+v", back.Firewall)
	}
	ref.FirewallID = back.Firewall.ID
	s.Firewall = nil
	if gone := w.apply(t, s, ref); gone.Firewall != nil {
		t.Fatalf("the block removed, the firewall stays: %+v", gone.Firewall)
	}
	s.Firewall = &tier.FirewallSpec{}
	again := w.apply(t, s, tier.Ref{LoadBalancerID: f.LoadBalancer.ID})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.exec.Destroy(ctx, tier.Ref{Name: "guarded", LoadBalancerID: again.LoadBalancer.ID, FirewallID: again.Firewall.ID}); err != nil {
		t.Fatal(err)
	}
	all, err := w.client.ListFirewalls(ctx)
	if err != nil || len(all) != 0 {
		t.Errorf("after destroy: firewalls %+v, %v", all, err)
	}
}
