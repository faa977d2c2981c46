package console

import (
	"slices"
	"sync"
	"time"
)

// RequestLog keeps the last API requests in a ring; Add is cheap enough
// for every request the sandbox serves.
type RequestLog struct {
	mu   sync.Mutex
	ring []Request
	next int
	full bool
}

// NewRequestLog keeps the last n requests.
func NewRequestLog(n int) *RequestLog { return &RequestLog{ring: make([]Request, n)} }

// Add records one answered request.
func (l *RequestLog) Add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = r
	l.next = (l.next + 1) % len(l.ring)
	if l.next == 0 {
		l.full = true
	}
}

// Last returns up to n requests, newest first.
func (l *RequestLog) Last(n int) []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	size := l.next
	if l.full {
		size = len(l.ring)
	}
	n = min(n, size)
	out := make([]Request, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, l.ring[(l.next-i+len(l.ring))%len(l.ring)])
	}
	return out
}

// Step is one line of a demo's timeline.
type Step struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// maxStepText bounds one step's text, in bytes.
const maxStepText = 500

// stepLog keeps the last steps, oldest first.
type stepLog struct {
	mu    sync.Mutex
	max   int
	steps []Step
}

func newStepLog(n int) *stepLog { return &stepLog{max: n} }

func (l *stepLog) add(s Step) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.steps = append(l.steps, s)
	if len(l.steps) > l.max {
		l.steps = slices.Clone(l.steps[len(l.steps)-l.max:])
	}
}

func (l *stepLog) list() []Step {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.steps)
}
