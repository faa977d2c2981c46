package doclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/testkeys"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// newClient starts a sandbox on the wall clock at a small time scale and a
// client with fast retries pointed at it.
func newClient(t *testing.T, mutate ...func(*sandbox.Options)) (*Client, *sandbox.Server) {
	t.Helper()
	opts := sandbox.Options{Token: "t", TimeScale: 0.01}
	for _, m := range mutate {
		m(&opts)
	}
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := New(Config{
		Token: "t", Endpoint: srv.URL(), RetryMax: 3,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, Poll: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func request(names ...string) tier.DropletRequest {
	return tier.DropletRequest{Names: names, Region: "nyc3", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64", Tags: []string{"scalable-tier:t"}}
}

func tagged(t *testing.T, c *Client) []tier.Droplet {
	t.Helper()
	ds, err := c.ListDroplets(context.Background(), "scalable-tier:t")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestCreateDropletsAdoptsWhatALostResponseMade(t *testing.T) {
	c, srv := newClient(t)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", FailNext: 1, AfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	made, err := c.CreateDroplets(context.Background(), request("t-a", "t-b", "t-c"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(made) != 3 || len(tagged(t, c)) != 3 {
		t.Fatalf("made %d, sandbox has %d; want 3 and 3", len(made), len(tagged(t, c)))
	}
	if n := srv.Counts().Of("POST /v2/droplets"); n != 1 {
		t.Errorf("%d create requests, want 1: everything was found after the lost response", n)
	}
}

func TestCreateDropletsRetriesOnlyMissingNames(t *testing.T) {
	c, srv := newClient(t)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", FailNext: 1, Status: 503}); err != nil {
		t.Fatal(err)
	}
	made, err := c.CreateDroplets(context.Background(), request("t-a", "t-b"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	names := map[string]int{}
	for _, d := range tagged(t, c) {
		names[d.Name]++
	}
	if len(made) != 2 || names["t-a"] != 1 || names["t-b"] != 1 || len(names) != 2 {
		t.Fatalf("made %d; sandbox names %v; want t-a and t-b once each", len(made), names)
	}
	if n := srv.Counts().Of("POST /v2/droplets"); n != 2 {
		t.Errorf("%d create requests, want 2 (one failed, one retry)", n)
	}
}

func TestCreateDropletsDoesNotRetryARefusal(t *testing.T) {
	c, srv := newClient(t, func(o *sandbox.Options) { o.DropletLimit = 1 })
	_, err := c.CreateDroplets(context.Background(), request("t-a", "t-b"))
	var er *godo.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || !strings.Contains(er.Message, "droplet limit") || er.RequestID == "" {
		t.Fatalf("want the 422 droplet limit error with a request id, got %v", err)
	}
	if n := srv.Counts().Of("POST /v2/droplets"); n != 1 {
		t.Errorf("%d create requests, want 1: a 422 is final", n)
	}
}

// Without a deadline to stop at, a create keeps RetryMax as its bound.
// (Under a deadline it retries until the deadline: see
// TestCreatesRetryTransientErrorsUntilTheDeadline.)
func TestCreateDropletsWithoutDeadlineGivesUpAfterRetryMax(t *testing.T) {
	c, srv := newClient(t)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateDroplets(context.Background(), request("t-a"))
	if err == nil {
		t.Fatal("create succeeded against a failing API")
	}
	if n := srv.Counts().Of("POST /v2/droplets"); n != 4 {
		t.Errorf("%d create requests, want 1 + RetryMax(3)", n)
	}
	if len(tagged(t, c)) != 0 {
		t.Error("droplets exist after every create failed")
	}
}

// createCase is one create that is reconciled before every retry.
type createCase struct {
	name     string
	endpoint string
	create   func(context.Context, *Client) error
	count    func(*sandbox.World) int
}

func createCases() []createCase {
	lbReq := tier.LoadBalancerRequest{Name: "t-lb", Region: "nyc3", Tag: "scalable-tier:t", Spec: tier.LoadBalancerSpec{
		SizeUnit: 1, HTTPIdleTimeoutSeconds: 60, StickySessions: tier.StickySessions{Type: "none"},
		ForwardingRules: []tier.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
		HealthCheck:     tier.HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 5, UnhealthyThreshold: 3},
	}}
	alertReq := tier.AlertRequest{Type: "v1/insights/droplet/cpu", Description: "cpu > 80% [scalable-tier:t#0]", Compare: "GreaterThan",
		Value: 80, Window: "5m", Tags: []string{"scalable-tier:t"}, Entities: []string{}, Emails: []string{"ops@example.com"}, Enabled: true}
	return []createCase{
		{"droplets", "POST /v2/droplets",
			func(ctx context.Context, c *Client) error {
				_, err := c.CreateDroplets(ctx, request("t-a", "t-b"))
				return err
			},
			func(w *sandbox.World) int { return len(w.Droplets) }},
		{"load balancer", "POST /v2/load_balancers",
			func(ctx context.Context, c *Client) error { _, err := c.CreateLoadBalancer(ctx, lbReq); return err },
			func(w *sandbox.World) int { return len(w.LoadBalancers) }},
		{"alert policy", "POST /v2/monitoring/alerts",
			func(ctx context.Context, c *Client) error { _, err := c.CreateAlertPolicy(ctx, alertReq); return err },
			func(w *sandbox.World) int { return len(w.AlertPolicies) }},
		{"autoscale pool", "POST /v2/droplets/autoscale",
			func(ctx context.Context, c *Client) error {
				req, err := poolRequestFor(ctx, c, "t-pool", "scalable-tier:t")
				if err != nil {
					return err
				}
				_, err = c.CreatePool(ctx, req)
				return err
			},
			func(w *sandbox.World) int { return len(w.AutoscalePools) }},
	}
}

func inventory(srv *sandbox.Server, count func(*sandbox.World) int) int {
	var n int
	srv.Inspect(func(w *sandbox.World) { n = count(w) })
	return n
}

// A burst of 5xx answers longer than RetryMax, with nothing made, does not
// fail a create that has a deadline: it retries with capped backoff and
// makes the object once.
func TestCreatesRetryTransientErrorsUntilTheDeadline(t *testing.T) {
	for _, tc := range createCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newClient(t)
			const burst = 3*3 + 2 // three times RetryMax(3), and more
			for _, rule := range []sandbox.FaultRule{
				{Endpoint: tc.endpoint, FailNext: burst - 4, Status: 503},
				{Endpoint: tc.endpoint, After: burst - 4, FailNext: 4, Status: 502},
			} {
				if err := srv.AddFault(rule); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := tc.create(ctx, c); err != nil {
				t.Fatalf("create through a burst of %d transient errors: %v", burst, err)
			}
			if n := srv.Counts().Of(tc.endpoint); n != burst+1 {
				t.Errorf("%d create requests, want %d failed and 1 that worked", n, burst)
			}
			if n := inventory(srv, tc.count); n == 0 || (tc.name != "droplets" && n != 1) {
				t.Errorf("the sandbox holds %d after the create, want it made once", n)
			}
		})
	}
}

// Transient errors that never end stop the create at its deadline with an
// error that says so, names the last answer and wraps the deadline.
func TestCreatesStopAtTheDeadlineWithAClearError(t *testing.T) {
	for _, tc := range createCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newClient(t)
			if err := srv.AddFault(sandbox.FaultRule{Endpoint: tc.endpoint, ErrorRate: 1, Status: 502}); err != nil {
				t.Fatal(err)
			}
			const timeout = 500 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			err := tc.create(ctx, c)
			took := time.Since(start)
			if err == nil {
				t.Fatal("create succeeded against a failing API")
			}
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), "timeout") {
				t.Errorf("error %q: want the deadline, the last answer (502) and the word timeout", err)
			}
			if n := srv.Counts().Of(tc.endpoint); n <= 1+3 {
				t.Errorf("%d create requests in %v: it stopped after RetryMax, not at the deadline", n, took)
			}
			if took > timeout+2*time.Second {
				t.Errorf("returned %v after a %v deadline", took, timeout)
			}
			if n := inventory(srv, tc.count); n != 0 {
				t.Errorf("the sandbox holds %d after every create failed", n)
			}
		})
	}
}

// A refusal (4xx other than 429) is final for every create, deadline or not.
func TestCreatesDoNotRetryARefusal(t *testing.T) {
	for _, tc := range createCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newClient(t)
			if err := srv.AddFault(sandbox.FaultRule{Endpoint: tc.endpoint, FailNext: 1, Status: 422}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := tc.create(ctx, c)
			var er *godo.ErrorResponse
			if !errors.As(err, &er) || er.Response.StatusCode != 422 {
				t.Fatalf("want the 422, got %v", err)
			}
			if n := srv.Counts().Of(tc.endpoint); n != 1 {
				t.Errorf("%d create requests, want 1: a 422 is final", n)
			}
		})
	}
}

func TestIdempotentRequestsRetry5xx(t *testing.T) {
	c, srv := newClient(t)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "GET /v2/droplets", FailNext: 2, Status: 502}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDroplets(context.Background(), "scalable-tier:t"); err != nil {
		t.Fatalf("list after two 502s: %v", err)
	}
	if n := srv.Counts().Of("GET /v2/droplets"); n != 3 {
		t.Errorf("%d list requests, want 3", n)
	}
}

// A lost action response is reconciled from the droplet's actions: the
// action runs once and the call succeeds.
func TestActionsAreFoundNotRepeatedAfterALostResponse(t *testing.T) {
	c, srv := newClient(t)
	made, err := c.CreateDroplets(context.Background(), request("t-a"))
	if err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, 1)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets/{id}/actions", FailNext: 1, AfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBackups(context.Background(), made[0], &tier.BackupSpec{Plan: "daily", Hour: 4}); err != nil {
		t.Fatalf("set backups after a lost response: %v", err)
	}
	if n := srv.Counts().Of("POST /v2/droplets/{id}/actions"); n != 1 {
		t.Errorf("%d action requests, want 1: the first one ran", n)
	}
	p, _, err := c.Godo().Droplets.GetBackupPolicy(context.Background(), made[0].ID)
	if err != nil || !p.BackupEnabled || p.BackupPolicy.Plan != "daily" {
		t.Fatalf("backup policy %+v %v", p, err)
	}
}

// An action that failed before running (5xx, not committed) is posted again.
func TestActionsAreRetriedWhenTheyDidNotRun(t *testing.T) {
	c, srv := newClient(t)
	made, err := c.CreateDroplets(context.Background(), request("t-a"))
	if err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, 1)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets/{id}/actions", FailNext: 1, Status: 503}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBackups(context.Background(), made[0], &tier.BackupSpec{Plan: "weekly", Weekday: "MON", Hour: 4}); err != nil {
		t.Fatalf("set backups after a 503: %v", err)
	}
	if n := srv.Counts().Of("POST /v2/droplets/{id}/actions"); n != 2 {
		t.Errorf("%d action requests, want 2", n)
	}
}

func TestRateLimitStormWaitsForReset(t *testing.T) {
	c, srv := newClient(t)
	srv.RateLimitStorm(700 * time.Millisecond)
	start := time.Now()
	if _, err := c.ListDroplets(context.Background(), "scalable-tier:t"); err != nil {
		t.Fatalf("list through a 429 storm: %v", err)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Errorf("finished after %v, before the storm ended", took)
	}
	st := srv.Counts().Endpoints["GET /v2/droplets"].Statuses
	if st["429"] < 1 || st["200"] != 1 {
		t.Errorf("statuses %v, want at least one 429 then one 200", st)
	}
}

// With the budget almost spent the client waits for the reset instead of
// meeting a 429.
func TestRateBudgetWaitsBeforeExhaustion(t *testing.T) {
	c, srv := newClient(t, func(o *sandbox.Options) {
		o.TimeScale = 0.0005 // an hour is 1.8 s
		o.RateLimitPerHour = 6
		o.RateLimitPerMinute = 100
	})
	start := time.Now()
	for i := 0; i < 8; i++ {
		if _, err := c.ListDroplets(context.Background(), "scalable-tier:t"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if st := srv.Counts().Endpoints["GET /v2/droplets"].Statuses; st["429"] != 0 {
		t.Errorf("statuses %v: the client spent its budget into 429s", st)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("8 requests on a budget of 6 per 1.8 s took %v: the client did not wait for the reset", took)
	}
}

func TestUpdateLoadBalancerWaitsWhileBusy(t *testing.T) {
	c, srv := newClient(t)
	req := tier.LoadBalancerRequest{Name: "t-lb", Region: "nyc3", Tag: "scalable-tier:t", Spec: tier.LoadBalancerSpec{
		SizeUnit: 1, HTTPIdleTimeoutSeconds: 60, StickySessions: tier.StickySessions{Type: "none"},
		ForwardingRules: []tier.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
		HealthCheck:     tier.HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 5, UnhealthyThreshold: 3},
	}}
	lb, err := c.CreateLoadBalancer(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	req.Spec.SizeUnit = 3
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := c.UpdateLoadBalancer(ctx, lb.ID, req) // still provisioning: busy at first
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got.Spec.SizeUnit != 3 {
		t.Errorf("size unit %d, want 3", got.Spec.SizeUnit)
	}
	st := srv.Counts().Endpoints["PUT /v2/load_balancers/{id}"].Statuses
	if st["403"] < 1 || st["200"] != 1 {
		t.Errorf("statuses %v, want at least one busy 403 then one 200", st)
	}
}

func TestDeletesTreatGoneAsDone(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	if err := c.DeleteDroplet(ctx, 12345); err != nil {
		t.Errorf("delete missing droplet: %v", err)
	}
	if err := c.DeleteLoadBalancer(ctx, "4de7ac8b-495b-4884-9a69-1050c6793cd6"); err != nil {
		t.Errorf("delete missing load balancer: %v", err)
	}
	if err := c.DeleteAlertPolicy(ctx, "4de7ac8b-495b-4884-9a69-1050c6793cd6"); err != nil {
		t.Errorf("delete missing alert policy: %v", err)
	}
	if d, err := c.GetDroplet(ctx, 12345); d != nil || err != nil {
		t.Errorf("get missing droplet: %v %v, want nil nil", d, err)
	}
}

func TestTagDropletsCreatesTheTag(t *testing.T) {
	c, _ := newClient(t)
	made, err := c.CreateDroplets(context.Background(), request("t-a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.TagDroplets(context.Background(), "brand-new", []int{made[0].ID}); err != nil {
		t.Fatalf("tag with a tag that does not exist yet: %v", err)
	}
	if err := c.UntagDroplets(context.Background(), "never-existed", []int{made[0].ID}); err != nil {
		t.Fatalf("untag a tag that does not exist: %v", err)
	}
	ds, err := c.ListDroplets(context.Background(), "brand-new")
	if err != nil || len(ds) != 1 {
		t.Fatalf("droplets tagged brand-new: %v %v", ds, err)
	}
}

func TestAlertValuesKeepTheirDecimalForm(t *testing.T) {
	if got := float32ToFloat64(float32(0.1)); got != 0.1 {
		t.Errorf("0.1 came back as %v", got)
	}
	if got := float32ToFloat64(float32(90.5)); got != 90.5 {
		t.Errorf("90.5 came back as %v", got)
	}
}

func waitActive(t *testing.T, c *Client, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		active := 0
		for _, d := range tagged(t, c) {
			if d.Status == tier.StatusActive {
				active++
			}
		}
		if active >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("droplets not active within 10s")
}

// Some godo methods return no *Response with an error: the status still
// comes from the error, so a 404 is "not found", not a network failure
// to retry.
func TestStatusComesFromTheErrorWhenGodoDropsTheResponse(t *testing.T) {
	c, srv := newClient(t)
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "GET /v2/droplets/autoscale", FailNext: 1, Status: 404}); err != nil {
		t.Fatal(err)
	}
	pools, err := c.FindPools(context.Background(), "scalable-tier:none")
	if err != nil || pools != nil {
		t.Fatalf("find pools after a 404: %v %v, want nil nil", pools, err)
	}
	if n := srv.Counts().Of("GET /v2/droplets/autoscale"); n != 1 {
		t.Errorf("%d requests, want 1: a 404 is not retried", n)
	}
}

func lbRequest(name, tag string) tier.LoadBalancerRequest {
	return tier.LoadBalancerRequest{Name: name, Region: "nyc3", Tag: tag, Spec: tier.LoadBalancerSpec{
		SizeUnit: 1, HTTPIdleTimeoutSeconds: 60, StickySessions: tier.StickySessions{Type: "none"},
		ForwardingRules: []tier.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
		HealthCheck:     tier.HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 5, UnhealthyThreshold: 3},
	}}
}

// backdate moves a load balancer's creation a minute into the past.
func backdate(t *testing.T, srv *sandbox.Server, id string) {
	t.Helper()
	if err := srv.Mutate(func(w *sandbox.World, now time.Time) error {
		w.LoadBalancers[id].CreatedAt = now.Add(-time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// After a create whose answer was lost, the reconcile takes the load
// balancer the request made: not one that only has the same name (allowed
// on DigitalOcean), nor an older one targeting the tag.
func TestCreateLoadBalancerAfterALostAnswerTakesTheOneItMade(t *testing.T) {
	c, srv := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	namesake, err := c.CreateLoadBalancer(ctx, lbRequest("t-lb", "hand-made"))
	if err != nil {
		t.Fatal(err)
	}
	older, err := c.CreateLoadBalancer(ctx, lbRequest("t-lb", "scalable-tier:t"))
	if err != nil {
		t.Fatal(err)
	}
	backdate(t, srv, older.ID)
	srv.ResetCounts()
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/load_balancers", FailNext: 1, Status: 502, AfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	lb, err := c.CreateLoadBalancer(ctx, lbRequest("t-lb", "scalable-tier:t"))
	if err != nil {
		t.Fatalf("create after a lost answer: %v", err)
	}
	if lb.ID == namesake.ID || lb.ID == older.ID || lb.Tag != "scalable-tier:t" {
		t.Errorf("took %s (tag %s); the namesake is %s, the older one %s", lb.ID, lb.Tag, namesake.ID, older.ID)
	}
	if n := srv.Counts().Of("POST /v2/load_balancers"); n != 1 {
		t.Errorf("%d create requests, want 1: the first one made it", n)
	}
	found, err := c.FindLoadBalancers(ctx, "scalable-tier:t")
	if err != nil || len(found) != 2 || found[0].ID != older.ID || found[1].ID != lb.ID {
		t.Errorf("load balancers targeting the tag, oldest first: %+v %v; want %s then %s", found, err, older.ID, lb.ID)
	}
}

// poolRequestFor is a pool of one member whose template names a key the
// account holds (added first: DigitalOcean refuses unknown keys).
func poolRequestFor(ctx context.Context, c *Client, name, tag string) (tier.PoolRequest, error) {
	fp, err := testkeys.Add(ctx, c.Godo(), name+"-key")
	return tier.PoolRequest{Name: name, Config: tier.PoolConfig{TargetNumberInstances: 1},
		Template: tier.PoolTemplate{Size: "s-1vcpu-1gb", Region: "nyc3", Image: "ubuntu-24-04-x64", Tags: []string{tag},
			SSHKeys: []string{fp}}}, err
}

func mustPoolRequest(t *testing.T, c *Client, name, tag string) tier.PoolRequest {
	t.Helper()
	req, err := poolRequestFor(context.Background(), c, name, tag)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// A pool of the same name that is not the tier's (its template lacks the
// tier tag) is never taken for the one a failed request may have made: the
// retry meets DigitalOcean's refusal of the name instead.
func TestCreatePoolAfterAFailedRequestNeverTakesANamesake(t *testing.T) {
	c, srv := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	namesake, err := c.CreatePool(ctx, mustPoolRequest(t, c, "t-pool", "hand-made"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets/autoscale", FailNext: 1, Status: 502}); err != nil {
		t.Fatal(err)
	}
	p, err := c.CreatePool(ctx, mustPoolRequest(t, c, "t-pool", "scalable-tier:t"))
	var er *godo.ErrorResponse
	if err == nil || !errors.As(err, &er) || er.Response.StatusCode != 422 {
		t.Fatalf("create with a namesake: got pool %+v and %v, want the 422 for the taken name (the namesake is %s)", p, err, namesake.ID)
	}
}

// After a pool create whose answer was lost, the reconcile finds the pool
// by the tier tag in its template and makes nothing twice.
func TestCreatePoolAdoptsWhatALostAnswerMade(t *testing.T) {
	c, srv := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets/autoscale", FailNext: 1, Status: 502, AfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	p, err := c.CreatePool(ctx, mustPoolRequest(t, c, "t-pool", "scalable-tier:t"))
	if err != nil {
		t.Fatalf("create after a lost answer: %v", err)
	}
	pools, err := c.FindPools(ctx, "scalable-tier:t")
	if err != nil || len(pools) != 1 || pools[0].ID != p.ID {
		t.Fatalf("pools of the tier %+v %v, want only %s", pools, err, p.ID)
	}
	if n := srv.Counts().Of("POST /v2/droplets/autoscale"); n != 1 {
		t.Errorf("%d create requests, want 1", n)
	}
}

// After an alert policy create whose answer was lost, the reconcile finds
// the policy by its description (the tier's marker), not a hand-made
// policy watching the same metric of the same tag.
func TestCreateAlertPolicyAdoptsWhatALostAnswerMade(t *testing.T) {
	c, srv := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := tier.AlertRequest{Type: "v1/insights/droplet/cpu", Description: "cpu > 80% [scalable-tier:t#0]", Compare: "GreaterThan",
		Value: 80, Window: "5m", Tags: []string{"scalable-tier:t"}, Entities: []string{}, Emails: []string{"ops@example.com"}, Enabled: true}
	hand := req
	hand.Description = "cpu > 80% on the t droplets"
	mine, err := c.CreateAlertPolicy(ctx, hand)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/monitoring/alerts", FailNext: 1, Status: 502, AfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	p, err := c.CreateAlertPolicy(ctx, req)
	if err != nil || p.UUID == mine.UUID || p.Description != req.Description {
		t.Fatalf("create after a lost answer: %+v %v; want a new policy, not the hand-made %s", p, err, mine.UUID)
	}
	if n := inventory(srv, func(w *sandbox.World) int { return len(w.AlertPolicies) }); n != 2 {
		t.Errorf("%d alert policies, want the hand-made one and the tier's", n)
	}
}
