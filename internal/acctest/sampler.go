package acctest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// Sampler watches a tier in the sandbox from a goroutine while Terraform
// applies, recording the fewest healthy droplets in service (carrying the
// tier tag and passing the load balancer's health check) and the most
// droplets the tier had at once.
type Sampler struct {
	env  *Env
	tag  string
	stop chan struct{}
	done chan struct{}

	mu         sync.Mutex
	samples    int
	minHealthy int
	maxTotal   int
}

// Sample starts a sampler for the tier tag.
func (e *Env) Sample(tag string) *Sampler {
	s := &Sampler{env: e, tag: tag, stop: make(chan struct{}), done: make(chan struct{}), minHealthy: -1}
	go s.run()
	return s
}

func (s *Sampler) run() { sampleEvery(5*time.Millisecond, s.stop, s.done, s.sample) }

// sampleEvery calls sample at once and then every interval until stop is
// closed, then closes done.
func sampleEvery(interval time.Duration, stop <-chan struct{}, done chan<- struct{}, sample func()) {
	defer close(done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		sample()
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

func (s *Sampler) sample() {
	healthy, total := s.env.inService(s.tag)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	if s.minHealthy < 0 || healthy < s.minHealthy {
		s.minHealthy = healthy
	}
	s.maxTotal = max(s.maxTotal, total)
}

// inService counts the droplets carrying tag and, of those, the ones the
// load balancer targeting tag finds healthy.
func (e *Env) inService(tag string) (healthy, total int) {
	var lbID string
	e.Sandbox.Inspect(func(w *sandbox.World) {
		for _, lb := range w.LoadBalancers {
			if lb.Tag == tag {
				lbID = lb.ID
			}
		}
		for _, d := range w.Droplets {
			if slices.Contains(d.Tags, tag) {
				total++
			}
		}
	})
	if lbID == "" {
		return 0, total
	}
	h, err := e.Sandbox.LoadBalancerHealth(lbID)
	if err != nil {
		return 0, total
	}
	for _, ok := range h {
		if ok {
			healthy++
		}
	}
	return healthy, total
}

// Stop ends sampling and returns the fewest healthy droplets in service
// seen, the most droplets in the tier, and the number of samples.
func (s *Sampler) Stop() (minHealthy, maxTotal, samples int) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minHealthy, s.maxTotal, s.samples
}

// WaitHealthy polls until n droplets of the tier pass the load balancer's
// health check, or fails the test after the deadline.
func (e *Env) WaitHealthy(tag string, n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		healthy, _ := e.inService(tag)
		if healthy >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d droplets tagged %s healthy after %s", healthy, n, tag, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
