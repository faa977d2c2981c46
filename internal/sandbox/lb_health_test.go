package sandbox

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/digitalocean/godo/metrics"
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

func TestDropletsHealthChecksMetrics(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.seedDroplet("nyc3", "active", "web"), e.seedDroplet("nyc3", "active", "web")
	lb := e.healthLB("web")
	start := e.clock.Now()

	// Walk the clock second by second, recording what the health view says;
	// b fails 45 s in, so the window holds transitions both ways.
	want := map[int]map[int64]bool{a: {}, b: {}}
	for s := 0; s <= 100; s++ {
		if s == 45 {
			e.alterDroplet(b, func(d *Droplet, _ time.Time) { d.FailsHealth = true })
		}
		h, err := e.srv.LoadBalancerHealth(lb)
		if err != nil {
			t.Fatal(err)
		}
		for id, v := range h {
			want[id][e.clock.Now().Unix()] = v
		}
		if s < 100 {
			e.clock.Advance(time.Second)
		}
	}
	if !want[b][start.Unix()+40] || want[b][start.Unix()+70] || want[a][start.Unix()+29] || !want[a][start.Unix()+30] {
		t.Fatalf("the window lacks the transitions it was built for: %v", want)
	}

	got, resp, err := e.client.Monitoring.GetLoadBalancerDropletsHealthChecks(e.ctx, &godo.LoadBalancerMetricsRequest{
		LoadBalancerID: lb, Start: start, End: start.Add(100 * time.Second),
	})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatal(err)
	}
	if got.Status != "success" || got.Data.ResultType != "matrix" || len(got.Data.Result) != 2 {
		t.Fatalf("response %+v", got)
	}
	for _, series := range got.Data.Result {
		id, _ := strconv.Atoi(string(series.Metric["droplet_id"]))
		if string(series.Metric["lb_id"]) != lb || want[id] == nil {
			t.Fatalf("series labels %v", series.Metric)
		}
		if len(series.Values) != 101 {
			t.Errorf("droplet %d: %d samples, want 101", id, len(series.Values))
		}
		for _, sample := range series.Values {
			ts := sample.Timestamp.Unix()
			wantV := metrics.SampleValue(0)
			if want[id][ts] {
				wantV = 1
			}
			if sample.Value != wantV {
				t.Errorf("droplet %d at +%ds: %v, the health view said %v", id, ts-start.Unix(), sample.Value, want[id][ts])
			}
		}
	}

	// Wide windows are sampled more coarsely; the future is not reported.
	got, _, _ = e.client.Monitoring.GetLoadBalancerDropletsHealthChecks(e.ctx, &godo.LoadBalancerMetricsRequest{
		LoadBalancerID: lb, Start: start.Add(-time.Hour), End: start.Add(time.Hour),
	})
	for _, series := range got.Data.Result {
		if n := len(series.Values); n == 0 || n > maxMetricSamples {
			t.Errorf("%d samples over two hours", n)
		}
		if last := series.Values[len(series.Values)-1].Timestamp.Unix(); last > e.clock.Now().Unix() {
			t.Errorf("sample at %d is in the future", last)
		}
	}

	// An unknown load balancer matches nothing.
	got, _, err = e.client.Monitoring.GetLoadBalancerDropletsHealthChecks(e.ctx, &godo.LoadBalancerMetricsRequest{
		LoadBalancerID: "4de7ac8b-495b-4884-9a69-1050c6793cd6", Start: start, End: e.clock.Now(),
	})
	if err != nil || got.Status != "success" || len(got.Data.Result) != 0 {
		t.Errorf("unknown lb: %+v %v", got, err)
	}

	// start and end are required, in order.
	for name, path := range map[string]string{
		"no lb_id":         "v2/monitoring/metrics/load_balancer/droplets_health_checks?start=1&end=2",
		"no start":         "v2/monitoring/metrics/load_balancer/droplets_health_checks?lb_id=" + lb + "&end=2",
		"end before start": "v2/monitoring/metrics/load_balancer/droplets_health_checks?lb_id=" + lb + "&start=5&end=2",
	} {
		req, _ := e.client.NewRequest(e.ctx, http.MethodGet, path, nil)
		_, err := e.client.Do(e.ctx, req, nil)
		t.Run(name, func(t *testing.T) { e.asSubtest(t).apiError(err, http.StatusBadRequest, "bad_request") })
	}
}
