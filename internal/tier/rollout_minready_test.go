package tier_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// flipWhenLogged makes every new droplet of the tier fail its health check
// once the executor has logged a line starting with prefix; it returns a
// stop function.
func (w *world) flipWhenLogged(t *testing.T, tag, prefix string, old []int) func() {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			seen := false
			for _, l := range w.logs.all() {
				seen = seen || strings.HasPrefix(l.msg, prefix)
			}
			if !seen {
				continue
			}
			var fresh []int
			w.srv.Inspect(func(sw *sandbox.World) {
				for id, d := range sw.Droplets {
					isOld := false
					for _, o := range old {
						isOld = isOld || o == id
					}
					for _, tg := range d.Tags {
						if tg == tag && !isOld {
							fresh = append(fresh, id)
						}
					}
				}
			})
			for _, id := range fresh {
				_ = w.srv.SetDropletFailsHealth(id, true)
			}
			return
		}
	}()
	return func() { close(stop); <-done }
}

// min_ready: a new droplet that passes its health check and then fails it
// before min_ready passed does not count: the wave fails, the droplet is
// removed and the old ones keep serving. Without the flip the same rollout
// finishes, logging the warm-up between health and the wave's end.
func TestExecutorMinReady(t *testing.T) {
	w := newWorld(t)
	s := spec("warm", 2)
	s.Rollout.Health = tier.HealthLoadBalancer
	s.Rollout.HealthTimeout = 2 * time.Second
	s.Rollout.MinReady = 5 * time.Minute // 3 s at the sandbox's scale 0.01
	f := w.apply(t, s, tier.Ref{})
	ref := tier.Ref{LoadBalancerID: f.LoadBalancer.ID}
	old := dropletIDs(f)

	s.Droplet.Image = "debian-13-x64"
	stop := w.flipWhenLogged(t, tier.Tag("warm"), "1/1 droplets healthy", old)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	after, _, err := w.exec.Apply(ctx, s, ref)
	stop()
	var rerr *tier.RolloutError
	if !errors.As(err, &rerr) || rerr.Wave != 1 || len(rerr.Failed) != 1 {
		t.Fatalf("apply: %v, want a rollout error for wave 1 naming 1 droplet", err)
	}
	// What the load balancer reports after the flip depends on when its
	// next check lands (failing, or not checked since): either way the
	// droplet was healthy and did not stay so for min_ready.
	if msg := err.Error(); !strings.Contains(msg, "healthy, then ") || !strings.Contains(msg, "before min_ready 5m0s passed") {
		t.Errorf("the error does not say the droplet failed during min_ready: %v", err)
	}
	if got := dropletIDs(after); len(got) != 2 || got[0] != old[0] || got[1] != old[1] {
		t.Fatalf("after the failed warm-up the tier holds %v, want the old %v", got, old)
	}

	s.Rollout.MinReady = 30 * time.Second
	done := w.apply(t, s, ref)
	if got := images(done); got["debian-13-x64"] != 2 || len(got) != 1 {
		t.Fatalf("the rollout with a droplet that stays healthy ends with %v", got)
	}
	var order []string
	for _, l := range w.logs.all() {
		if strings.HasPrefix(l.msg, "rollout wave 1 of 2") {
			order = append(order, l.msg)
		}
	}
	warm := -1
	for i, m := range order {
		if strings.Contains(m, "stayed healthy for min_ready 30s") {
			warm = i
		}
	}
	if warm < 1 || warm >= len(order)-1 || !strings.Contains(order[warm-1], "healthy (load_balancer)") || !strings.Contains(order[warm+1], "done in") {
		t.Errorf("wave 1's log does not warm up between health and the wave's end:\n%s", strings.Join(order, "\n"))
	}
}
