package acctest

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// TrafficSampler watches one load balancer, whatever it targets (droplet
// ids or a tag), while Terraform applies: it counts its healthy targets and
// sends requests through it (the sandbox's traffic emulation must be on),
// recording the fewest healthy targets and every failed request.
type TrafficSampler struct {
	env    *Env
	lbID   string
	addr   string
	client *http.Client
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu         sync.Mutex
	figures    TrafficFigures
	firstError string
}

// TrafficFigures are what a TrafficSampler saw.
type TrafficFigures struct {
	Samples    int // health samples
	Start      int // healthy targets at the first sample
	Requests   int
	Failed     int // requests not answered 200 by a droplet
	MinHealthy int
	MaxHealthy int
}

func (f TrafficFigures) String() string {
	return fmt.Sprintf("%d samples, %d requests, %d failed, healthy targets %d at the start, min %d, max %d", f.Samples, f.Requests, f.Failed, f.Start, f.MinHealthy, f.MaxHealthy)
}

// SampleTraffic starts sampling the load balancer lbID.
func (e *Env) SampleTraffic(lbID string) *TrafficSampler {
	e.T.Helper()
	ls, err := e.Sandbox.LoadBalancerListeners(lbID)
	if err != nil {
		e.T.Fatalf("listeners of load balancer %s: %v", lbID, err)
	}
	addr := ""
	for _, l := range ls {
		if l.EntryPort == 80 {
			addr = l.Address
		}
	}
	if addr == "" {
		e.T.Fatalf("load balancer %s has no listener on port 80: %+v", lbID, ls)
	}
	s := &TrafficSampler{env: e, lbID: lbID, addr: addr, client: &http.Client{Timeout: 5 * time.Second},
		stop: make(chan struct{}), done: make(chan struct{}), figures: TrafficFigures{MinHealthy: -1}}
	go s.run()
	e.T.Cleanup(func() { s.Stop() }) // a step that failed before its check
	return s
}

func (s *TrafficSampler) run() { sampleEvery(5*time.Millisecond, s.stop, s.done, s.sample) }

func (s *TrafficSampler) sample() {
	healthy := s.env.healthyTargets(s.lbID)
	ok, why := s.request()
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.figures
	if f.Samples == 0 {
		f.Start = healthy
	}
	f.Samples++
	if f.MinHealthy < 0 || healthy < f.MinHealthy {
		f.MinHealthy = healthy
	}
	f.MaxHealthy = max(f.MaxHealthy, healthy)
	f.Requests++
	if !ok {
		f.Failed++
		if s.firstError == "" {
			s.firstError = why
		}
	}
}

func (s *TrafficSampler) request() (bool, string) {
	resp, err := s.client.Get("http://" + s.addr + "/")
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Droplet-Id") == "" {
		return false, fmt.Sprintf("%s (droplet %q)", resp.Status, resp.Header.Get("X-Droplet-Id"))
	}
	return true, ""
}

// Stop ends sampling and returns the figures and the first failure seen.
func (s *TrafficSampler) Stop() (TrafficFigures, string) {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.figures, s.firstError
}

// healthyTargets counts the targets the load balancer finds healthy.
func (e *Env) healthyTargets(lbID string) int {
	h, err := e.Sandbox.LoadBalancerHealth(lbID)
	if err != nil {
		return 0
	}
	n := 0
	for _, ok := range h {
		if ok {
			n++
		}
	}
	return n
}

// WaitTargetsHealthy polls until n targets of the load balancer are
// healthy, or fails the test after the deadline.
func (e *Env) WaitTargetsHealthy(lbID string, n int, within time.Duration) {
	e.T.Helper()
	deadline := time.Now().Add(within)
	for {
		got := e.healthyTargets(lbID)
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("%d of %d targets of load balancer %s healthy after %s", got, n, lbID, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
