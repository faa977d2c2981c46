package doclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// DigitalOcean gives each token two budgets: 5000 requests per hour,
// reported in the ratelimit-* headers, and 250 per minute, reported
// nowhere (a client learns of it from a 429). One rateBudget per token and
// endpoint serves every client, and so every tier, of the process.
//
// Writes are never starved by reads, by two rules:
//   - a share of each budget is reserved for writes: reads may fill the
//     minute window only to readShare of it, and stop spending the hourly
//     budget readReserve requests before writes do (writeReserve);
//   - while a write waits for room, reads wait too, so a stream of polls
//     cannot keep taking the room a write is waiting for.
//
// A request counts from the moment it is sent until one window after its
// answer arrived: DigitalOcean records it in between, so the client's
// window never ends before DigitalOcean's.
type rateBudget struct {
	mu sync.Mutex

	// The per-minute budget, counted client side; window 0 turns it off.
	perMinute int
	window    time.Duration
	answered  []time.Time // answer times within the last window, oldest first
	inFlight  int

	// The hourly budget, from the headers.
	limit     int
	remaining int
	reset     time.Time
	known     bool

	writersWaiting int
	// wake is closed (and replaced) whenever room may have appeared.
	wake chan struct{}
}

const (
	// writeReserve is how many requests of the hourly budget are kept back
	// for other clients of the same token.
	writeReserve = 2
	// readShare is the part of the minute window reads may fill; the rest
	// is the writes'.
	readShare = 0.8
)

// wakeLater is how long a request waiting for another's answer (or for a
// waiting write) sleeps at most: the answer normally wakes it first.
const wakeLater = 50 * time.Millisecond

// readReserve is how much of the hourly budget reads leave to writes.
func (b *rateBudget) readReserve() int {
	return max(writeReserve+1, b.limit/20)
}

var (
	budgetsMu sync.Mutex
	budgets   = map[string]*rateBudget{}
)

// budgetFor returns the process's budget of a token at an endpoint. The
// first client to ask sets the minute window; DigitalOcean's is the same
// for every client of a token.
func budgetFor(endpoint, token string, perMinute int, window time.Duration) *rateBudget {
	sum := sha256.Sum256([]byte(token))
	key := endpoint + " " + hex.EncodeToString(sum[:])
	budgetsMu.Lock()
	defer budgetsMu.Unlock()
	b, ok := budgets[key]
	if !ok {
		b = &rateBudget{perMinute: perMinute, window: window, wake: make(chan struct{})}
		budgets[key] = b
	}
	return b
}

// isWrite says which requests the reserve is for: everything that changes
// something.
func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// acquire waits until the budget has room for one request of its kind and
// counts it as in flight; done must be called with its answer.
func (b *rateBudget) acquire(ctx context.Context, write bool) error {
	for {
		b.mu.Lock()
		now := time.Now()
		wait := b.room(now, write)
		if wait <= 0 {
			b.inFlight++
			b.mu.Unlock()
			return nil
		}
		if write {
			b.writersWaiting++
		}
		wake := b.wake
		b.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-wake:
		case <-ctx.Done():
		}
		t.Stop()
		if write {
			b.mu.Lock()
			b.writersWaiting--
			b.notify()
			b.mu.Unlock()
		}
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for room in the API rate budget: %w", ctx.Err())
		}
	}
}

// room returns 0 when a request may go now, else how long to wait before
// looking again. b.mu is held.
func (b *rateBudget) room(now time.Time, write bool) time.Duration {
	var wait time.Duration
	if b.window > 0 {
		cut := now.Add(-b.window)
		drop := 0
		for drop < len(b.answered) && !b.answered[drop].After(cut) {
			drop++
		}
		b.answered = b.answered[drop:]
		allowed := b.perMinute - 1 // one spare for a clock that ticks differently
		if !write {
			allowed = int(float64(b.perMinute) * readShare)
		}
		if len(b.answered)+b.inFlight >= allowed {
			if len(b.answered) > 0 {
				wait = b.answered[0].Add(b.window).Sub(now)
			}
			wait = max(wait, wakeLater) // else an answer frees room, and wakes us
		}
	}
	if b.known {
		if !b.reset.After(now) {
			b.known = false // a new window: the next answer tells
		} else {
			keep := writeReserve
			if !write {
				keep = b.readReserve()
			}
			if b.remaining-b.inFlight <= keep {
				wait = max(wait, b.reset.Sub(now))
			}
		}
	}
	if !write && b.writersWaiting > 0 {
		wait = max(wait, wakeLater) // a write goes first; it wakes us when it goes
	}
	return wait
}

// done records the answer of a request acquire let through; resp is nil
// when none came.
func (b *rateBudget) done(resp *http.Response) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight--
	if b.window > 0 {
		b.answered = append(b.answered, time.Now())
	}
	if resp != nil {
		b.observe(resp.Header)
		if resp.StatusCode == http.StatusTooManyRequests {
			b.learnFullWindow(resp.Header)
		}
	}
	b.notify()
}

// learnFullWindow takes a 429 as news that the minute window is full of
// requests this budget did not count (another process of the token: the
// plan before this apply, another pipeline). It fills the window up to the
// limit with requests assumed to expire one by one from the reset the
// answer names, at the budget's average pace, so the requests waiting go
// out as room appears instead of all at the reset, into more 429s.
func (b *rateBudget) learnFullWindow(h http.Header) {
	reset, err := strconv.ParseInt(h.Get("Ratelimit-Reset"), 10, 64)
	if b.window <= 0 || err != nil {
		return
	}
	missing := b.perMinute - len(b.answered) - b.inFlight
	step := b.window / time.Duration(b.perMinute)
	// Counted one step early: writes keep one request spare, so the first
	// goes at the reset.
	first := time.Unix(reset, 0).Add(-b.window - step)
	for i := 0; i < missing; i++ {
		b.answered = append(b.answered, first.Add(time.Duration(i)*step))
	}
	slices.SortFunc(b.answered, time.Time.Compare)
}

// observe reads DigitalOcean's ratelimit-* headers. Answers come back out
// of order, so within one reset window the lowest remaining wins.
func (b *rateBudget) observe(h http.Header) {
	rem, err1 := strconv.Atoi(h.Get("Ratelimit-Remaining"))
	reset, err2 := strconv.ParseInt(h.Get("Ratelimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	if limit, err := strconv.Atoi(h.Get("Ratelimit-Limit")); err == nil {
		b.limit = limit
	}
	r := time.Unix(reset, 0)
	if b.known && !r.After(b.reset) {
		b.remaining = min(b.remaining, rem)
	} else {
		b.remaining = rem
	}
	b.reset, b.known = r, true
}

func (b *rateBudget) notify() {
	close(b.wake)
	b.wake = make(chan struct{})
}

// budgeted is the transport that makes every request of the client wait
// for room in its token's budget.
type budgeted struct {
	budget *rateBudget
	base   http.RoundTripper
}

func (t *budgeted) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.budget.acquire(r.Context(), isWrite(r.Method)); err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(r)
	t.budget.done(resp)
	return resp, err
}
