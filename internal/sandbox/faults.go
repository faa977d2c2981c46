package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FaultRule makes matching API requests slow or failing. Rules are checked
// in order; the first that decides to fail a request wins, and the latency
// of every matching rule is added.
type FaultRule struct {
	// Endpoint is a route pattern as listed in request counts, e.g.
	// "POST /v2/droplets"; "*" matches every endpoint and "POST *" every
	// endpoint with that method.
	Endpoint string `json:"endpoint"`
	// ErrorRate is the probability, 0..1, that a matching request fails.
	ErrorRate float64 `json:"error_rate,omitempty"`
	// Status of the injected failure; default 500.
	Status int `json:"status,omitempty"`
	// Message replaces DigitalOcean's default text for Status.
	Message string `json:"message,omitempty"`
	// Latency is added to every matching request.
	Latency Duration `json:"latency,omitempty"`
	// After lets this many matching requests through untouched first.
	After int `json:"after,omitempty"`
	// FailNext fails this many matching requests (after After), then the
	// rule only adds latency and ErrorRate failures.
	FailNext int `json:"fail_next,omitempty"`
	// AfterCommit does the work and then answers with the failure, like a
	// response lost on its way back: the droplets exist, the client saw 500.
	AfterCommit bool `json:"after_commit,omitempty"`

	// Matched and Failed count what the rule has done so far.
	Matched int `json:"matched"`
	Failed  int `json:"failed"`
}

// Duration is a time.Duration written as Go's duration text ("250ms").
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "250ms"-style text or a number of milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err == nil {
		v, err := time.ParseDuration(text)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration must be text like \"250ms\" or milliseconds: %w", err)
	}
	*d = Duration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

func (r *FaultRule) validate() error {
	if r.Endpoint == "" {
		return fmt.Errorf("endpoint is required (a route such as \"POST /v2/droplets\", or \"*\")")
	}
	if r.ErrorRate < 0 || r.ErrorRate > 1 {
		return fmt.Errorf("error_rate must be between 0 and 1, got %v", r.ErrorRate)
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		return fmt.Errorf("status must be a 4xx or 5xx code, got %d", r.Status)
	}
	if r.After < 0 || r.FailNext < 0 || r.Latency < 0 {
		return fmt.Errorf("after, fail_next and latency must not be negative")
	}
	return nil
}

func (r *FaultRule) matches(pattern string) bool {
	if r.Endpoint == "*" || r.Endpoint == pattern {
		return true
	}
	method, rest, ok := strings.Cut(r.Endpoint, " ")
	return ok && rest == "*" && strings.HasPrefix(pattern, method+" ")
}

type faultSet struct {
	mu    sync.Mutex
	rng   *rand.Rand
	rules []*FaultRule
}

func newFaultSet(seed uint64) *faultSet {
	return &faultSet{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

type faultDecision struct {
	latency     time.Duration
	err         *APIError
	afterCommit bool
}

func (f *faultSet) decide(pattern string) faultDecision {
	f.mu.Lock()
	defer f.mu.Unlock()
	var d faultDecision
	for _, r := range f.rules {
		if !r.matches(pattern) {
			continue
		}
		r.Matched++
		d.latency += time.Duration(r.Latency)
		if d.err != nil || r.Matched <= r.After {
			continue
		}
		fail := r.Failed < r.FailNext
		if !fail && r.ErrorRate > 0 {
			fail = f.rng.Float64() < r.ErrorRate
		}
		if fail {
			r.Failed++
			status := r.Status
			if status == 0 {
				status = http.StatusInternalServerError
			}
			d.err = apiErr(status, "%s", r.Message)
			if r.Message == "" {
				d.err = apiErr(status, "")
			}
			d.afterCommit = r.AfterCommit
		}
	}
	return d
}

func (f *faultSet) add(r FaultRule) error {
	if err := r.validate(); err != nil {
		return err
	}
	r.Matched, r.Failed = 0, 0
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &r)
	return nil
}

func (f *faultSet) set(rules []FaultRule) error {
	fresh := make([]*FaultRule, 0, len(rules))
	for i := range rules {
		r := rules[i]
		if err := r.validate(); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		r.Matched, r.Failed = 0, 0
		fresh = append(fresh, &r)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = fresh
	return nil
}

func (f *faultSet) list() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, len(f.rules))
	for i, r := range f.rules {
		out[i] = *r
	}
	return out
}

// EndpointCount is what the sandbox saw on one endpoint.
type EndpointCount struct {
	Requests int            `json:"requests"`
	Statuses map[string]int `json:"statuses"`
}

// RequestCounts are per-endpoint request counts since the last reset.
type RequestCounts struct {
	Total     int                      `json:"total"`
	Endpoints map[string]EndpointCount `json:"endpoints"`
}

// Of returns the number of requests seen on one endpoint pattern.
func (rc RequestCounts) Of(pattern string) int { return rc.Endpoints[pattern].Requests }

type requestCounts struct {
	mu   sync.Mutex
	data RequestCounts
}

func newRequestCounts() *requestCounts {
	return &requestCounts{data: RequestCounts{Endpoints: map[string]EndpointCount{}}}
}

func (c *requestCounts) add(pattern string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.data.Endpoints[pattern]
	if e.Statuses == nil {
		e.Statuses = map[string]int{}
	}
	e.Requests++
	e.Statuses[fmt.Sprint(status)]++
	c.data.Endpoints[pattern] = e
	c.data.Total++
}

func (c *requestCounts) snapshot() RequestCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := RequestCounts{Total: c.data.Total, Endpoints: make(map[string]EndpointCount, len(c.data.Endpoints))}
	for k, v := range c.data.Endpoints {
		st := make(map[string]int, len(v.Statuses))
		for s, n := range v.Statuses {
			st[s] = n
		}
		out.Endpoints[k] = EndpointCount{Requests: v.Requests, Statuses: st}
	}
	return out
}

func (c *requestCounts) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data = RequestCounts{Endpoints: map[string]EndpointCount{}}
}

// Writes is the number of requests that could change the account (POST,
// PUT, PATCH, DELETE), by endpoint pattern.
func (rc RequestCounts) Writes() map[string]int {
	out := map[string]int{}
	for pattern, c := range rc.Endpoints {
		method, _, _ := strings.Cut(pattern, " ")
		switch method {
		case "POST", "PUT", "PATCH", "DELETE":
			out[pattern] = c.Requests
		}
	}
	return out
}
