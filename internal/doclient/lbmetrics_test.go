package doclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

const responsesEndpoint = "GET /v2/monitoring/metrics/load_balancer/droplets_http_responses"

// servingTier creates droplets from image behind a load balancer checking
// /health, waits (bounded) until every droplet is in rotation and returns
// their ids and the load balancer's id and URL.
func servingTier(t *testing.T, c *Client, srv *sandbox.Server, image string, n int) ([]int, string, string) {
	t.Helper()
	ctx := context.Background()
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("t-web-%d", i+1))
	}
	req := request(names...)
	req.Image = image
	made, err := c.CreateDroplets(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	lb, _, err := c.Godo().LoadBalancers.Create(ctx, &godo.LoadBalancerRequest{
		Name: "t-lb", Region: "nyc3", Tag: "scalable-tier:t",
		ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
		HealthCheck: &godo.HealthCheck{Protocol: "http", Port: 80, Path: "/health", CheckIntervalSeconds: 3,
			ResponseTimeoutSeconds: 3, HealthyThreshold: 2, UnhealthyThreshold: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		h, herr := srv.LoadBalancerHealth(lb.ID)
		ls, lerr := srv.LoadBalancerListeners(lb.ID)
		healthy := 0
		for _, d := range made {
			if h[d.ID] {
				healthy++
			}
		}
		if herr == nil && lerr == nil && healthy == n {
			ids := make([]int, 0, n)
			for _, d := range made {
				ids = append(ids, d.ID)
			}
			return ids, lb.ID, "http://" + ls[0].Address
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: %d of %d droplets healthy (%v, %v)", healthy, n, herr, lerr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// send makes n requests and tallies what each droplet answered, as the
// client saw it.
func send(t *testing.T, url string, n int) map[int]ResponseCounts {
	t.Helper()
	seen := map[int]ResponseCounts{}
	hc := &http.Client{Timeout: 10 * time.Second}
	for range n {
		resp, err := hc.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		id, _ := strconv.Atoi(resp.Header.Get("X-Droplet-Id"))
		rc := seen[id]
		rc.add(fmt.Sprintf("%dxx", resp.StatusCode/100), 1)
		seen[id] = rc
	}
	return seen
}

func trafficSandbox(o *sandbox.Options) { o.Traffic = true }

func TestLoadBalancerDropletResponsesCountWhatDropletsAnswered(t *testing.T) {
	c, srv := newClient(t, trafficSandbox)
	ids, lb, url := servingTier(t, c, srv, "ubuntu-24-04-x64", 2)
	since := time.Now()
	seen := send(t, url, 20)
	got, err := c.LoadBalancerDropletResponses(context.Background(), lb, since, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got[id] != seen[id] || got[id].Total == 0 {
			t.Errorf("droplet %d: metrics say %+v, the client saw %+v", id, got[id], seen[id])
		}
	}
	if len(got) != len(ids) {
		t.Errorf("counts for %d droplets, want %d: %v", len(got), len(ids), got)
	}
}

func TestLoadBalancerDropletResponsesSeeACanarysErrors(t *testing.T) {
	c, srv := newClient(t, trafficSandbox)
	ids, lb, url := servingTier(t, c, srv, "canary-500-10", 2)
	since := time.Now()
	seen := send(t, url, 200)
	got, err := c.LoadBalancerDropletResponses(context.Background(), lb, since, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got[id] != seen[id] || got[id].Total != 100 || got[id].ServerErrorRate() != 0.1 {
			t.Errorf("droplet %d: metrics say %+v (5xx rate %v), the client saw %+v; want 100 responses, 10%% 5xx",
				id, got[id], got[id].ServerErrorRate(), seen[id])
		}
	}
}

// The query goes through the client's retry path: a 503 is retried, and
// a 429 storm is waited out.
func TestLoadBalancerDropletResponsesRetry(t *testing.T) {
	c, srv := newClient(t, trafficSandbox)
	_, lb, url := servingTier(t, c, srv, "ubuntu-24-04-x64", 1)
	since := time.Now()
	send(t, url, 3)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: responsesEndpoint, FailNext: 1, Status: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	srv.RateLimitStorm(300 * time.Millisecond)
	got, err := c.LoadBalancerDropletResponses(context.Background(), lb, since, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rc := range got {
		total += rc.Total
	}
	if total != 3 {
		t.Errorf("%d responses counted after the retry, want 3: %v", total, got)
	}
	if st := srv.Counts().Endpoints[responsesEndpoint].Statuses; st["429"] < 1 || st["503"] != 1 || st["200"] != 1 {
		t.Errorf("statuses %v, want 429s, one 503 and one 200", st)
	}
}

func TestLoadBalancerDropletResponsesRefusesABackwardWindow(t *testing.T) {
	c, srv := newClient(t)
	now := time.Now()
	if _, err := c.LoadBalancerDropletResponses(context.Background(), "lb", now, now.Add(-time.Minute)); err == nil {
		t.Fatal("no error for a window ending before it starts")
	}
	if n := srv.Counts().Of(responsesEndpoint); n != 0 {
		t.Errorf("%d requests sent for a window that cannot hold anything", n)
	}
}
