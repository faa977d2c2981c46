package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/console"
)

// consoleSnapshot fetches the console's snapshot with the token.
func (e *testEnv) consoleSnapshot() console.Snapshot {
	e.t.Helper()
	st, body := e.consoleGet("/_sandbox/console/snapshot", "test-token")
	var snap console.Snapshot
	if err := json.Unmarshal(body, &snap); st != http.StatusOK || err != nil {
		e.t.Fatalf("console snapshot: %d %s (%v)", st, body, err)
	}
	return snap
}

func (e *testEnv) consoleGet(path, token string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// The console shows the world as the API does: tiers by their tag with
// each droplet's revision, drain tag and address, the load balancer's
// rules and verdicts, pools with members and utilization, fault rules with
// their counts, and the last API requests with DigitalOcean's request ids.
func TestConsoleSnapshotShowsTheWorld(t *testing.T) {
	e := newPoolEnv(t)
	web1 := e.activeDroplet("web-1", "scalable-tier:web", "scalable-rev:r1")
	web2 := e.activeDroplet("web-2", "scalable-tier:web", "scalable-rev:r1", "scalable-drain:web")
	e.activeDroplet("loner")
	lb := e.healthLB("scalable-tier:web")
	e.advance(30 * time.Second) // three passing checks
	pool := e.createPool(fixedPool("pool", 2))
	e.advance(e.srv.delays.DropletBoot)
	if err := e.srv.AddFault(FaultRule{Endpoint: "GET /v2/account", FailNext: 1, Status: 503}); err != nil {
		t.Fatal(err)
	}
	_, resp, err := e.client.Account.Get(e.ctx)
	e.apiError(err, http.StatusServiceUnavailable, "service_unavailable")
	failedID := resp.Header.Get("X-Request-Id")

	snap := e.consoleSnapshot()
	var tier *console.Tier
	for i := range snap.Tiers {
		if snap.Tiers[i].Name == "web" {
			tier = &snap.Tiers[i]
		}
	}
	if tier == nil || len(tier.Droplets) != 2 {
		t.Fatalf("tiers %+v, want web with web-1 and web-2", snap.Tiers)
	}
	d1, d2 := tier.Droplets[0], tier.Droplets[1]
	wantIP, _ := web1.PublicIPv4()
	if d1.ID != web1.ID || d1.Revision != "r1" || d1.Draining || d1.Address != wantIP || d1.Status != "active" || d1.Image != "ubuntu-24-04-x64" || d1.Size != "s-1vcpu-1gb" {
		t.Errorf("web-1 shows as %+v, want active, revision r1, not draining, address %s", d1, wantIP)
	}
	if d2.ID != web2.ID || !d2.Draining {
		t.Errorf("web-2 shows as %+v, want draining", d2)
	}
	if len(tier.Revisions) != 1 || tier.Revisions[0].Revision != "r1" || tier.Revisions[0].Now != 2 || !strings.Contains(tier.Chart, `data-revision="r1"`) {
		t.Errorf("web's rollout: %+v, want r1 with 2 droplets charted", tier.Revisions)
	}

	if len(snap.LoadBalancers) != 1 || snap.LoadBalancers[0].ID != lb {
		t.Fatalf("load balancers %+v, want %s", snap.LoadBalancers, lb)
	}
	got := snap.LoadBalancers[0]
	if len(got.Rules) != 1 || got.Rules[0].EntryPort != 80 || got.HealthCheck.Path != "/health" || len(got.Targets) != 2 {
		t.Errorf("load balancer shows as %+v", got)
	}
	for _, tg := range got.Targets {
		if !tg.Healthy || !tg.Passing || tg.RequestsLastMinute != nil {
			t.Errorf("target %+v: want healthy, passing, no request count without traffic", tg)
		}
	}

	if len(snap.Pools) != 1 || snap.Pools[0].ID != pool.ID || len(snap.Pools[0].Members) != 2 || snap.Pools[0].Utilization == nil ||
		snap.Pools[0].Utilization.CPU != DefaultCPUUtilization {
		t.Errorf("pools %+v, want %s with 2 members at the default utilization", snap.Pools, pool.ID)
	}

	if len(snap.Faults) != 1 || snap.Faults[0].Matched != 1 || snap.Faults[0].Failed != 1 {
		t.Errorf("faults %+v, want the rule with 1 matched, 1 failed", snap.Faults)
	}
	if len(snap.Requests) == 0 {
		t.Fatal("no requests shown")
	}
	if r := snap.Requests[0]; r.Method != "GET" || r.Path != "/v2/account" || r.Status != 503 || r.RequestID != failedID || failedID == "" {
		t.Errorf("last request %+v, want GET /v2/account 503 with request id %q", r, failedID)
	}
	for _, r := range snap.Requests {
		if strings.HasPrefix(r.Path, "/_sandbox/") {
			t.Errorf("a control request is listed among the API's: %+v", r)
		}
	}
}

// The console's data takes the token or the page's cookie, never nothing;
// its page asks for the token; the rest of the control API still needs the
// bearer token.
func TestConsoleNeedsTheToken(t *testing.T) {
	e := newTestEnv(t)
	for _, path := range []string{"/_sandbox/console/snapshot", "/_sandbox/console/events", "/_sandbox/console/steps"} {
		if st, _ := e.consoleGet(path, ""); st != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", path, st)
		}
	}
	if st, body := e.consoleGet("/_sandbox/console", ""); st != http.StatusUnauthorized || !strings.Contains(string(body), "<form") {
		t.Errorf("the page without a session: %d, want 401 with the token form", st)
	}
	if st, _ := e.consoleGet("/_sandbox/requests", ""); st != http.StatusUnauthorized {
		t.Errorf("/_sandbox/requests without a token: %d, want 401", st)
	}
	if st, _ := e.consoleGet("/_sandbox/consolex", ""); st != http.StatusUnauthorized {
		t.Errorf("/_sandbox/consolex without a token: %d, want 401 (not the console's)", st)
	}
}

// A view is bounded: what the limits leave out is counted, not copied.
func TestConsoleViewIsBounded(t *testing.T) {
	e := newTestEnv(t)
	for _, name := range []string{"a", "b", "c"} {
		e.activeDroplet(name)
	}
	v := consoleWorld{e.srv}.View(console.Limits{Droplets: 2, LoadBalancers: 1, Pools: 1})
	if len(v.Droplets) != 2 || v.Truncated != 1 || v.Droplets[0].Name != "a" {
		t.Errorf("view of 3 droplets limited to 2: %d droplets (first %+v), %d left out", len(v.Droplets), v.Droplets[0], v.Truncated)
	}
}

// Taking the console's view holds the world's lock for the copy only:
// this measures one view of a world of 1000 droplets in 10 tiers (all of
// it under the lock but the fault rules' copy).
func BenchmarkConsoleView(b *testing.B) {
	srv, err := New(Options{Token: "t", DropletLimit: 2000})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	err = srv.Mutate(func(w *World, now time.Time) error {
		for i := range 1000 {
			id := w.NextDropletID
			w.NextDropletID++
			tier := fmt.Sprintf("scalable-tier:t%d", i%10)
			w.Droplets[id] = &Droplet{ID: id, Name: fmt.Sprintf("d%d", i), Region: "nyc3", Size: "s-1vcpu-1gb", Status: "active",
				CreatedAt: now, ActiveAt: now, Tags: []string{tier, "scalable-rev:abc"}, BackupIDs: []int{}, SnapshotIDs: []int{}}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	src := consoleWorld{srv}
	b.ResetTimer()
	for b.Loop() {
		if v := src.View(console.DefaultLimits); len(v.Droplets) != 1000 {
			b.Fatalf("%d droplets in the view", len(v.Droplets))
		}
	}
}
