package sandbox

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// responseTally sums a response metric back into counts: key (droplet_id,
// or "frontend") -> status class -> responses. Each sample is a rate over
// the time since the previous one (since start for the first).
func responseTally(t *testing.T, resp *godo.MetricsResponse, start time.Time) map[string]map[string]int {
	t.Helper()
	if resp.Status != "success" || resp.Data.ResultType != "matrix" {
		t.Fatalf("status %q, result type %q", resp.Status, resp.Data.ResultType)
	}
	out := map[string]map[string]int{}
	for _, s := range resp.Data.Result {
		key := string(s.Metric["droplet_id"])
		if key == "" {
			key = "frontend"
		}
		class := string(s.Metric["status_code"])
		if s.Metric["lb_id"] == "" || class == "" {
			t.Fatalf("series without lb_id or status_code: %v", s.Metric)
		}
		prev := start.Unix()
		for _, v := range s.Values {
			ts := v.Timestamp.Unix()
			n := float64(v.Value) * float64(ts-prev)
			if math.Abs(n-math.Round(n)) > 1e-9 {
				t.Fatalf("rate %v over %d s is not a whole count", v.Value, ts-prev)
			}
			if out[key] == nil {
				out[key] = map[string]int{}
			}
			out[key][class] += int(math.Round(n))
			prev = ts
		}
	}
	return out
}

func TestLoadBalancerResponseMetricsCountRealTraffic(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(3, "web", "")
	lb, url := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	start := time.Now()

	c := noRedirects()
	served := map[int]int{}
	for range 30 {
		status, id := hit(t, c, url+"/")
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		served[id]++
	}

	// Every droplet dies: the load balancer answers 503 itself, and no
	// droplet answered those requests.
	for _, id := range ids {
		if err := e.srv.SetDropletBehaviour(id, Behaviour{Kind: BehaviourDead}); err != nil {
			t.Fatal(err)
		}
	}
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, false))
	for range 5 {
		if status, _ := hit(t, c, url+"/"); status != http.StatusServiceUnavailable {
			t.Fatalf("status %d with every droplet dead, want 503", status)
		}
	}

	req := &godo.LoadBalancerMetricsRequest{LoadBalancerID: lb, Start: start.Add(-time.Second), End: time.Now().Add(time.Second)}
	dr, _, err := e.client.Monitoring.GetLoadBalancerDropletsHttpResponses(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got := responseTally(t, dr, req.Start)
	for _, id := range ids {
		key := strconv.Itoa(id)
		if got[key]["2xx"] != served[id] || len(got[key]) > 1 {
			t.Errorf("droplet %d: metrics %v, the client saw it answer 200 %d times", id, got[key], served[id])
		}
	}
	if len(got) != len(ids) {
		t.Errorf("series for %d droplets, want %d: %v", len(got), len(ids), got)
	}

	fr, _, err := e.client.Monitoring.GetLoadBalancerFrontendHttpResponses(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	front := responseTally(t, fr, req.Start)["frontend"]
	if front["2xx"] != 30 || front["5xx"] != 5 || len(front) != 2 {
		t.Errorf("frontend responses %v, want 30 2xx and 5 5xx", front)
	}

	// A window before the traffic holds none of it.
	before := &godo.LoadBalancerMetricsRequest{LoadBalancerID: lb, Start: start.Add(-time.Hour), End: start.Add(-time.Minute)}
	if r, _, err := e.client.Monitoring.GetLoadBalancerFrontendHttpResponses(e.ctx, before); err != nil || len(r.Data.Result) != 0 {
		t.Errorf("window before the traffic: %v, %v; want no series", r, err)
	}
}

func TestLoadBalancerResponseMetricsQueries(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	lb, _ := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	now := time.Now()
	cases := []struct {
		name   string
		req    godo.LoadBalancerMetricsRequest
		status int
	}{
		{"missing lb_id is a 400", godo.LoadBalancerMetricsRequest{Start: now.Add(-time.Hour), End: now}, http.StatusBadRequest},
		{"end before start is a 400", godo.LoadBalancerMetricsRequest{LoadBalancerID: lb, Start: now, End: now.Add(-time.Hour)}, http.StatusBadRequest},
		{"unknown lb_id matches no series", godo.LoadBalancerMetricsRequest{LoadBalancerID: "4de7ac8b-495b-4884-9a69-1050c6793cd6", Start: now.Add(-time.Hour), End: now}, http.StatusOK},
		{"a quiet load balancer has no series", godo.LoadBalancerMetricsRequest{LoadBalancerID: lb, Start: now.Add(-time.Hour), End: now}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for name, get := range map[string]func() (*godo.MetricsResponse, *godo.Response, error){
				"droplets": func() (*godo.MetricsResponse, *godo.Response, error) {
					return e.client.Monitoring.GetLoadBalancerDropletsHttpResponses(e.ctx, &tc.req)
				},
				"frontend": func() (*godo.MetricsResponse, *godo.Response, error) {
					return e.client.Monitoring.GetLoadBalancerFrontendHttpResponses(e.ctx, &tc.req)
				},
			} {
				r, resp, err := get()
				if resp == nil || resp.StatusCode != tc.status {
					t.Fatalf("%s: response %v, error %v; want status %d", name, resp, err, tc.status)
				}
				var er *godo.ErrorResponse
				switch {
				case tc.status == http.StatusBadRequest && (!errors.As(err, &er) || er.Message == ""):
					t.Errorf("%s: error %v, want DigitalOcean's error with a message", name, err)
				case tc.status == http.StatusOK && (err != nil || len(r.Data.Result) != 0 || r.Data.ResultType != "matrix"):
					t.Errorf("%s: %v, %v; want an empty matrix", name, r, err)
				}
			}
		})
	}
}

func TestResponseSamplesAreBoundedAndExact(t *testing.T) {
	// A day's window is sampled at most maxMetricSamples times, and the
	// samples cover it with no gap: rate x step sums to the count.
	grid := sampleGrid(1000, 1000+86400+7)
	if len(grid) > maxMetricSamples+1 || grid[len(grid)-1] != 1000+86400+7 {
		t.Fatalf("%d samples ending at %d", len(grid), grid[len(grid)-1])
	}
	for i := 1; i < len(grid); i++ {
		if grid[i] <= grid[i-1] {
			t.Fatalf("grid not increasing at %d: %v", i, grid[i-1:i+1])
		}
	}
}
