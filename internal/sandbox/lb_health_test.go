package sandbox

import (
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// healthLB creates a load balancer checking every 10 s, healthy after 3
// passing checks, unhealthy after 2 failing ones, and waits until it is
// active: health checks start then.
func (e *testEnv) healthLB(tag string, ids ...int) string {
	e.t.Helper()
	req := minimalLB()
	req.Tag, req.DropletIDs = tag, ids
	req.HealthCheck = &godo.HealthCheck{Protocol: "http", Port: 80, Path: "/health", CheckIntervalSeconds: 10, HealthyThreshold: 3, UnhealthyThreshold: 2}
	return e.createLB(req).ID
}

func (e *testEnv) lbHealthy(lbID string, droplet int) bool {
	e.t.Helper()
	h, err := e.srv.LoadBalancerHealth(lbID)
	if err != nil {
		e.t.Fatal(err)
	}
	v, ok := h[droplet]
	if !ok {
		e.t.Fatalf("droplet %d is not a target: %v", droplet, h)
	}
	return v
}

// expectHealth advances the clock (realistic durations) and checks the
// verdict after each step.
func (e *testEnv) expectHealth(lbID string, droplet int, steps ...any) {
	e.t.Helper()
	for i := 0; i < len(steps); i += 2 {
		e.advance(steps[i].(time.Duration))
		if got, want := e.lbHealthy(lbID, droplet), steps[i+1].(bool); got != want {
			e.t.Fatalf("step %d (at %v): healthy %v, want %v", i/2, e.clock.Now().Sub(testEpoch), got, want)
		}
	}
}

func TestHealthNeedsHealthyThresholdChecks(t *testing.T) {
	for _, ts := range []float64{1, 0.05} {
		t.Run("time scale "+strconv.FormatFloat(ts, 'f', -1, 64), func(t *testing.T) {
			e := newTestEnv(t, func(o *Options) { o.TimeScale = ts })
			early := e.seedDroplet("nyc3", "active", "web")
			lb := e.healthLB("web")
			// Checks start when the load balancer is active: 3 x 10 s later
			// the droplet is healthy, not a moment before.
			e.expectHealth(lb, early, time.Duration(0), false, 29*time.Second, false, time.Second, true)

			// A droplet booting later counts from when it becomes active.
			late := e.seedDroplet("nyc3", "new", "web")
			e.expectHealth(lb, late, 20*time.Second, false)
			e.alterDroplet(late, func(d *Droplet, now time.Time) { d.Status, d.ActiveAt = "active", now })
			e.expectHealth(lb, late, 29*time.Second, false, time.Second, true)
		})
	}
}

// TestHealthDatesKnownStarts: a load balancer starting its checks and a
// droplet finishing its boot are dated when they happened, not when the
// sandbox next looked.
func TestHealthDatesKnownStarts(t *testing.T) {
	e := newTestEnv(t)
	early := e.seedDroplet("nyc3", "active")
	late := e.seedDroplet("nyc3", "new")
	req := minimalLB()
	req.DropletIDs = []int{early, late}
	req.HealthCheck = &godo.HealthCheck{CheckIntervalSeconds: 10, HealthyThreshold: 3}
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// Nobody looks until 10 s after the load balancer became active.
	e.advance(e.srv.delays.LoadBalancerProvision + 10*time.Second)
	e.expectHealth(lb.ID, early, 19*time.Second, false, time.Second, true)

	// The droplet boots (as the droplet area settles it, at its due time);
	// the load balancer is next looked at 10 s later.
	if err := e.srv.Mutate(func(w *World, now time.Time) error {
		w.Droplets[late].Status, w.Droplets[late].ActiveAt = "active", now
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.expectHealth(lb.ID, late, 10*time.Second, false, 19*time.Second, false, time.Second, true)
}

func TestHealthFailingDropletTurnsUnhealthy(t *testing.T) {
	cases := []struct {
		name string
		fail func(d *Droplet)
		mend func(d *Droplet)
	}{
		{"killed", func(d *Droplet) { d.Killed = true }, func(d *Droplet) { d.Killed = false }},
		{"fails health", func(d *Droplet) { d.FailsHealth = true }, func(d *Droplet) { d.FailsHealth = false }},
		{"powered off", func(d *Droplet) { d.Status = "off" }, func(d *Droplet) { d.Status = "active" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			d := e.seedDroplet("nyc3", "active")
			lb := e.healthLB("", d)
			e.expectHealth(lb, d, 30*time.Second, true)

			e.alterDroplet(d, func(dr *Droplet, _ time.Time) { tc.fail(dr) })
			// Still in the pool until 2 failed checks, 2 x 10 s.
			e.expectHealth(lb, d, time.Duration(0), true, 19*time.Second, true, time.Second, false)

			// Back in the pool after 3 passing checks.
			e.alterDroplet(d, func(dr *Droplet, _ time.Time) { tc.mend(dr) })
			e.expectHealth(lb, d, time.Duration(0), false, 29*time.Second, false, time.Second, true)
		})
	}
}

func TestHealthShortFailureKeepsDropletHealthy(t *testing.T) {
	e := newTestEnv(t)
	d := e.seedDroplet("nyc3", "active")
	lb := e.healthLB("", d)
	e.expectHealth(lb, d, 30*time.Second, true)
	e.alterDroplet(d, func(dr *Droplet, _ time.Time) { dr.FailsHealth = true })
	e.expectHealth(lb, d, 15*time.Second, true)
	e.alterDroplet(d, func(dr *Droplet, _ time.Time) { dr.FailsHealth = false })
	e.expectHealth(lb, d, 30*time.Second, true)
}

func TestHealthTargetsFollowTheLoadBalancer(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.seedDroplet("nyc3", "active"), e.seedDroplet("nyc3", "active")
	lb := e.healthLB("", a, b)
	e.advance(time.Minute)
	h, _ := e.srv.LoadBalancerHealth(lb)
	if len(h) != 2 || !h[a] || !h[b] {
		t.Fatalf("health %v", h)
	}
	if _, err := e.client.LoadBalancers.RemoveDroplets(e.ctx, lb, b); err != nil {
		t.Fatal(err)
	}
	h, _ = e.srv.LoadBalancerHealth(lb)
	if _, ok := h[b]; ok || len(h) != 1 {
		t.Errorf("removed droplet still reported: %v", h)
	}
	// Re-added, it starts over as unhealthy.
	e.advance(e.srv.delays.LoadBalancerUpdate)
	if _, err := e.client.LoadBalancers.AddDroplets(e.ctx, lb, b); err != nil {
		t.Fatal(err)
	}
	e.expectHealth(lb, b, time.Duration(0), false, 29*time.Second, false, time.Second, true)

	if _, err := e.srv.LoadBalancerHealth("no-such-lb"); err == nil {
		t.Error("no error for an unknown load balancer")
	}
}

func TestHealthHistoryIsBounded(t *testing.T) {
	e := newTestEnv(t)
	d := e.seedDroplet("nyc3", "active")
	lb := e.healthLB("", d)
	for i := 0; i < maxHealthHistory; i++ {
		e.advance(30 * time.Second)
		e.alterDroplet(d, func(dr *Droplet, _ time.Time) { dr.FailsHealth = !dr.FailsHealth })
	}
	e.advance(30 * time.Second)
	e.srv.Inspect(func(w *World) {
		h := w.LoadBalancers[lb].Targets[d].History
		if len(h) != maxHealthHistory {
			t.Errorf("%d history entries, want the last %d", len(h), maxHealthHistory)
		}
		if !h[len(h)-1].At.Equal(e.clock.Now()) {
			t.Errorf("newest change at %v", h[len(h)-1].At)
		}
	})
}
