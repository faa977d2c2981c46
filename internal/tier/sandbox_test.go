package tier_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doclient"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// world is a sandbox, a doclient on it and an executor, with every log
// line either of them writes.
type world struct {
	srv    *sandbox.Server
	client *doclient.Client
	exec   *tier.Executor
	logs   *logRecorder
}

func newWorld(t *testing.T, mutate ...func(*doclient.Config)) *world {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{Token: "t", TimeScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	logs := &logRecorder{}
	cfg := doclient.Config{
		Token: "t", Endpoint: srv.URL(), RetryMax: 3, Logf: logs.Info,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, Poll: 20 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := doclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	exec := &tier.Executor{Cloud: c, Poll: 20 * time.Millisecond, TimeScale: 0.01, Log: logs}
	return &world{srv: srv, client: c, exec: exec, logs: logs}
}

// spec is a tier of n droplets gated on droplet status only.
func spec(name string, n int) tier.Spec {
	return tier.Spec{
		Name: name, Region: "nyc3",
		Droplet: tier.DropletSpec{Instances: n, Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"},
		LoadBalancer: tier.LoadBalancerSpec{
			SizeUnit: 1, HTTPIdleTimeoutSeconds: 60,
			ForwardingRules: []tier.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
			HealthCheck:     tier.HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 3, UnhealthyThreshold: 3},
			StickySessions:  tier.StickySessions{Type: "none"},
		},
		Rollout: tier.RolloutSpec{MaxSurge: tier.Droplets(1), Health: tier.HealthDropletStatus, HealthTimeout: time.Minute},
	}
}

func (w *world) apply(t *testing.T, s tier.Spec, ref tier.Ref) tier.Fleet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, _, err := w.exec.Apply(ctx, s, ref)
	if err != nil {
		t.Fatalf("apply %s with %d droplets: %v", s.Name, s.Droplet.Instances, err)
	}
	return f
}

type logLine struct {
	msg    string
	fields map[string]any
}

// logRecorder is a tier.Logger and a doclient Logf that keeps every line.
type logRecorder struct {
	mu    sync.Mutex
	lines []logLine
}

func (r *logRecorder) Info(_ context.Context, msg string, fields map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, logLine{msg, fields})
}

func (r *logRecorder) all() []logLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]logLine(nil), r.lines...)
}

// Ids in log fields are strings: Terraform reads tflog fields as JSON
// numbers and prints a droplet id as 5.10000004e+08. Every field of a
// create, scale-in (drain), retried requests and destroy is checked: no
// number large enough to be an id, no list of numbers.
func TestLogFieldsCarryIDsAsStrings(t *testing.T) {
	w := newWorld(t)
	if err := w.srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", FailNext: 1, Status: 503}); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.AddFault(sandbox.FaultRule{Endpoint: "GET /v2/droplets", FailNext: 1, Status: 502}); err != nil {
		t.Fatal(err)
	}
	f := w.apply(t, spec("logs", 3), tier.Ref{})
	f = w.apply(t, spec("logs", 1), tier.Ref{LoadBalancerID: f.LoadBalancer.ID})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.exec.Destroy(ctx, tier.Ref{Name: "logs", LoadBalancerID: f.LoadBalancer.ID}); err != nil {
		t.Fatal(err)
	}
	lines := w.logs.all()
	drained := false
	for _, l := range lines {
		for k, v := range l.fields {
			if err := notAnIDNumber(v); err != nil {
				t.Errorf("%q: field %s: %v", l.msg, k, err)
			}
		}
		if ids, ok := l.fields["droplets"].([]string); ok && len(ids) == 2 {
			drained = true
		}
	}
	if !drained {
		t.Errorf("no log line lists the 2 drained droplets as strings: %+v", lines)
	}
}

// notAnIDNumber refuses numbers of id size and lists of numbers.
func notAnIDNumber(v any) error {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Float64:
		if f := rv.Convert(reflect.TypeFor[float64]()).Float(); f >= 1e6 {
			return fmt.Errorf("the number %v looks like an id; log ids as strings", v)
		}
	case reflect.Slice, reflect.Array:
		if k := rv.Type().Elem().Kind(); k >= reflect.Int && k <= reflect.Float64 {
			return fmt.Errorf("a list of numbers %v; log ids as strings", v)
		}
	}
	return nil
}

// handMadeLB creates a load balancer outside the tier.
func (w *world) handMadeLB(t *testing.T, name, tag string) *tier.LoadBalancer {
	t.Helper()
	lb, err := w.client.CreateLoadBalancer(context.Background(), tier.LoadBalancerRequest{Name: name, Region: "nyc3", Tag: tag, Spec: spec("x", 1).LoadBalancer})
	if err != nil {
		t.Fatal(err)
	}
	return lb
}

func (w *world) loadBalancerIDs() map[string]string {
	out := map[string]string{}
	w.srv.Inspect(func(sw *sandbox.World) {
		for id, lb := range sw.LoadBalancers {
			out[id] = lb.Name + " -> " + lb.Tag
		}
	})
	return out
}

// The tag is the inventory: a load balancer targeting the tier's tag is
// the tier's whatever its name, one that only shares the name is not.
// A create whose answer was lost while a namesake exists makes one load
// balancer; an extra one targeting the tag is drift the next apply
// deletes; destroy deletes every one targeting the tag and never the
// namesake.
func TestLoadBalancersAreFoundByTheTagNotTheName(t *testing.T) {
	w := newWorld(t)
	namesake := w.handMadeLB(t, "barsweb-lb", "hand-made")
	if err := w.srv.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/load_balancers", FailNext: 1, Status: 502, AfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	s := spec("barsweb", 1)
	f := w.apply(t, s, tier.Ref{})
	if f.LoadBalancer == nil || f.LoadBalancer.ID == namesake.ID || len(f.ExtraLoadBalancers) != 0 {
		t.Fatalf("after the create: the tier's load balancer %+v, extra %+v; the namesake is %s", f.LoadBalancer, f.ExtraLoadBalancers, namesake.ID)
	}
	if lbs := w.loadBalancerIDs(); len(lbs) != 2 {
		t.Fatalf("load balancers after the create: %v, want the namesake and the tier's", lbs)
	}
	mine := f.LoadBalancer.ID

	stray := w.handMadeLB(t, "stray", tier.Tag("barsweb"))
	ref := tier.Ref{Name: "barsweb", LoadBalancerID: mine}
	seen, err := tier.Observe(context.Background(), w.client, ref)
	if err != nil {
		t.Fatal(err)
	}
	if seen.LoadBalancer.ID != mine || len(seen.ExtraLoadBalancers) != 1 || seen.ExtraLoadBalancers[0].ID != stray.ID {
		t.Fatalf("observed %s and extra %+v, want %s and the stray %s", seen.LoadBalancer.ID, seen.ExtraLoadBalancers, mine, stray.ID)
	}
	f = w.apply(t, s, ref)
	if lbs := w.loadBalancerIDs(); len(lbs) != 2 || f.LoadBalancer.ID != mine || lbs[stray.ID] != "" {
		t.Fatalf("after the apply: %v, tier's %s; want the stray gone and %s kept", lbs, f.LoadBalancer.ID, mine)
	}

	w.handMadeLB(t, "another-stray", tier.Tag("barsweb"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.exec.Destroy(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if lbs := w.loadBalancerIDs(); len(lbs) != 1 || lbs[namesake.ID] == "" {
		t.Fatalf("after destroy: %v, want only the namesake %s", lbs, namesake.ID)
	}
}
