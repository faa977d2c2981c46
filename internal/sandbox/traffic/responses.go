package traffic

import (
	"slices"
	"sync"
	"time"
)

// The response log counts the HTTP responses each load balancer handles:
// what each target droplet answered to the requests proxied to it, and
// what the load balancer's frontend answered its clients (its own 503s,
// 502s and redirects included), per status class and second. The
// monitoring API's droplets_http_responses and frontend_http_responses
// read it. Health checks are not counted: they are not proxied traffic.

// StatusClasses are the classes counted, in index order of ResponseCounts.
var StatusClasses = [4]string{"2xx", "3xx", "4xx", "5xx"}

// ResponseCounts are responses by status class (index i: StatusClasses[i]).
type ResponseCounts [4]uint32

// ResponseSecond is what happened in the second ending at End (unix
// seconds): responses given in (End-1, End].
type ResponseSecond struct {
	End    int64
	Counts ResponseCounts
}

// maxResponseSeconds bounds the busy seconds kept per series (a droplet
// behind a load balancer, or its frontend): 15 minutes of seconds that saw
// traffic. Quiet seconds take no room.
const maxResponseSeconds = 900

// responseSeries is a bounded log of busy seconds, oldest first.
type responseSeries struct {
	secs []ResponseSecond
}

func (s *responseSeries) add(end int64, class int) {
	if n := len(s.secs); n > 0 && s.secs[n-1].End >= end {
		// Responses finish out of order across goroutines by a hair: a
		// late one joins the newest second rather than rewriting the past.
		s.secs[n-1].Counts[class]++
		return
	}
	if len(s.secs) >= 2*maxResponseSeconds {
		s.secs = slices.Clone(s.secs[len(s.secs)-maxResponseSeconds:])
	}
	var c ResponseCounts
	c[class]++
	s.secs = append(s.secs, ResponseSecond{End: end, Counts: c})
}

// window copies the seconds ending in (from, to], of the last
// maxResponseSeconds kept.
func (s *responseSeries) window(from, to int64) []ResponseSecond {
	secs := s.secs
	if len(secs) > maxResponseSeconds {
		secs = secs[len(secs)-maxResponseSeconds:]
	}
	i, _ := slices.BinarySearchFunc(secs, from+1, func(r ResponseSecond, end int64) int { return int(r.End - end) })
	j, _ := slices.BinarySearchFunc(secs, to+1, func(r ResponseSecond, end int64) int { return int(r.End - end) })
	if i >= j {
		return nil
	}
	return slices.Clone(secs[i:j])
}

type lbResponses struct {
	frontend responseSeries
	droplets map[int]*responseSeries
}

type responseLog struct {
	now func() time.Time
	mu  sync.Mutex
	lbs map[string]*lbResponses
}

func newResponseLog(now func() time.Time) *responseLog {
	return &responseLog{now: now, lbs: map[string]*lbResponses{}}
}

// classOf is a status's index in StatusClasses, -1 when not counted.
func classOf(status int) int {
	if status < 200 || status > 599 {
		return -1
	}
	return status/100 - 2
}

// secondEnd is the end of the second t falls in: a response at 10.3 s is
// counted in (10, 11].
func secondEnd(t time.Time) int64 { return t.Unix() + 1 }

func (l *responseLog) lb(id string) *lbResponses {
	r := l.lbs[id]
	if r == nil {
		r = &lbResponses{droplets: map[int]*responseSeries{}}
		l.lbs[id] = r
	}
	return r
}

// droplet counts a droplet's answer to a request the load balancer sent.
func (l *responseLog) droplet(lbID string, droplet, status int) {
	class := classOf(status)
	if class < 0 {
		return
	}
	end := secondEnd(l.now())
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.lb(lbID)
	s := r.droplets[droplet]
	if s == nil {
		s = &responseSeries{}
		r.droplets[droplet] = s
	}
	s.add(end, class)
}

// frontend counts the load balancer's answer to a client.
func (l *responseLog) frontend(lbID string, status int) {
	class := classOf(status)
	if class < 0 {
		return
	}
	end := secondEnd(l.now())
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lb(lbID).frontend.add(end, class)
}

// forget drops what is kept of load balancers and droplets no longer in
// the world.
func (l *responseLog) forget(v View) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, r := range l.lbs {
		if _, ok := v.Balancers[id]; !ok && !v.KnownBalancers[id] {
			delete(l.lbs, id)
			continue
		}
		for d := range r.droplets {
			if !v.Known[d] {
				delete(r.droplets, d)
			}
		}
	}
}

func (l *responseLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.lbs)
}

// LoadBalancerResponses is what a load balancer's response log holds for a
// window: busy seconds, oldest first.
type LoadBalancerResponses struct {
	Frontend []ResponseSecond
	Droplets map[int][]ResponseSecond
}

// Responses reads a load balancer's response log for the seconds ending in
// (from, to] (unix seconds).
func (e *Engine) Responses(lbID string, from, to int64) LoadBalancerResponses {
	l := e.responses
	l.mu.Lock()
	defer l.mu.Unlock()
	out := LoadBalancerResponses{Droplets: map[int][]ResponseSecond{}}
	r := l.lbs[lbID]
	if r == nil {
		return out
	}
	out.Frontend = r.frontend.window(from, to)
	for id, s := range r.droplets {
		if w := s.window(from, to); len(w) > 0 {
			out.Droplets[id] = w
		}
	}
	return out
}
