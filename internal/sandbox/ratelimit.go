package sandbox

import (
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// rateLimiter enforces DigitalOcean's two budgets per token: requests per
// minute and per hour, counted over sliding windows ("the oldest request
// expires"). The windows are scaled with the sandbox's time scale.
type rateLimiter struct {
	mu         sync.Mutex
	perMinute  int
	perHour    int
	minute     time.Duration
	hour       time.Duration
	accepted   []time.Time // within the last hour, oldest first
	stormUntil time.Time
}

type quota struct {
	allowed   bool
	limit     int
	remaining int
	reset     time.Time
}

func newRateLimiter(perMinute, perHour int, minute, hour time.Duration) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, perHour: perHour, minute: minute, hour: hour}
}

// take records one request at now if the budgets allow it. A refused request
// reports remaining 0 and, as reset, the moment a request will be accepted
// again, so a client that waits for the reset header succeeds.
func (l *rateLimiter) take(now time.Time) quota {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	if now.Before(l.stormUntil) {
		return quota{limit: l.perHour, reset: l.stormUntil}
	}
	if len(l.accepted) >= l.perHour {
		return quota{limit: l.perHour, reset: l.accepted[len(l.accepted)-l.perHour].Add(l.hour)}
	}
	inMinute := l.countSince(now.Add(-l.minute))
	if inMinute >= l.perMinute {
		first := len(l.accepted) - inMinute
		return quota{limit: l.perHour, reset: l.accepted[first+inMinute-l.perMinute].Add(l.minute)}
	}
	l.accepted = append(l.accepted, now)
	return quota{
		allowed:   true,
		limit:     l.perHour,
		remaining: l.perHour - len(l.accepted),
		reset:     l.accepted[0].Add(l.hour),
	}
}

func (l *rateLimiter) prune(now time.Time) {
	cut := l.countSince(now.Add(-l.hour))
	if drop := len(l.accepted) - cut; drop > 0 {
		l.accepted = append(l.accepted[:0], l.accepted[drop:]...)
	}
}

// countSince counts accepted requests strictly after t.
func (l *rateLimiter) countSince(t time.Time) int {
	i := sort.Search(len(l.accepted), func(i int) bool { return l.accepted[i].After(t) })
	return len(l.accepted) - i
}

func (l *rateLimiter) storm(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stormUntil = until
}

func (l *rateLimiter) configure(perMinute, perHour int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if perMinute > 0 {
		l.perMinute = perMinute
	}
	if perHour > 0 {
		l.perHour = perHour
	}
}

func (l *rateLimiter) limits() (perMinute, perHour int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.perMinute, l.perHour
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accepted = nil
	l.stormUntil = time.Time{}
}

func setRateHeaders(h http.Header, q quota) {
	h.Set("Ratelimit-Limit", strconv.Itoa(q.limit))
	h.Set("Ratelimit-Remaining", strconv.Itoa(q.remaining))
	// Unix seconds, rounded up so that waiting until then is always enough.
	reset := q.reset.Unix()
	if q.reset.Nanosecond() > 0 {
		reset++
	}
	h.Set("Ratelimit-Reset", strconv.FormatInt(reset, 10))
}
