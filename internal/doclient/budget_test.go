package doclient

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

func TestRateBudgetKeepsAShareOfTheMinuteForWrites(t *testing.T) {
	b := &rateBudget{perMinute: 10, window: time.Minute, wake: make(chan struct{})}
	now := time.Now()
	for i := 0; i < 8; i++ { // readShare of 10
		b.answered = append(b.answered, now)
	}
	if w := b.room(now, false); w <= 0 {
		t.Errorf("a ninth read in the window may go: reads took the writes' share")
	}
	if w := b.room(now, true); w != 0 {
		t.Errorf("a write waits %v with 2 of 10 requests left in the window", w)
	}
	b.answered = append(b.answered, now) // 9 of 10: one spare stays
	if w := b.room(now, true); w <= 0 {
		t.Errorf("a write may take the last request of the window")
	}
	if w := b.room(now.Add(time.Minute+time.Millisecond), false); w != 0 {
		t.Errorf("a read waits %v a window after the last answer", w)
	}
}

func TestRateBudgetReadsYieldToAWaitingWrite(t *testing.T) {
	b := &rateBudget{perMinute: 100, window: time.Minute, wake: make(chan struct{})}
	b.writersWaiting = 1
	if w := b.room(time.Now(), false); w <= 0 {
		t.Errorf("a read goes while a write waits for room")
	}
	if w := b.room(time.Now(), true); w != 0 {
		t.Errorf("a write waits %v in an empty window", w)
	}
}

func TestRateBudgetReadsStopBeforeWritesInTheHour(t *testing.T) {
	b := &rateBudget{wake: make(chan struct{})}
	h := http.Header{}
	h.Set("Ratelimit-Limit", "5000")
	h.Set("Ratelimit-Remaining", "200") // below 5000/20
	h.Set("Ratelimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	b.observe(h)
	if w := b.room(time.Now(), false); w < 50*time.Minute {
		t.Errorf("a read waits %v with 200 of 5000 left: reads should leave them to writes until the reset", w)
	}
	if w := b.room(time.Now(), true); w != 0 {
		t.Errorf("a write waits %v with 200 of 5000 left", w)
	}
	h.Set("Ratelimit-Remaining", "900") // an older answer arriving late
	b.observe(h)
	if b.remaining != 200 {
		t.Errorf("remaining %d after a late answer, want the lower 200", b.remaining)
	}
}

// Two clients of one token (two providers in one process, or many tiers)
// share its per-minute budget: together they stay inside it, with no 429,
// and a write sent amid a flood of reads goes before the reads are done.
func TestClientsOfATokenShareItsMinuteBudget(t *testing.T) {
	srv, err := sandbox.New(sandbox.Options{Token: "shared", TimeScale: 0.01, RateLimitPerMinute: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	var clients []*Client
	for i := 0; i < 2; i++ {
		c, err := New(Config{Token: "shared", Endpoint: srv.URL(), RetryMax: 3, RetryWaitMin: 5 * time.Millisecond,
			RetryWaitMax: 20 * time.Millisecond, RateWindow: 600 * time.Millisecond, RateLimitPerMinute: 20})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	if clients[0].budget != clients[1].budget {
		t.Fatal("two clients of one token have two budgets")
	}
	ctx := context.Background()
	var mu sync.Mutex
	var readsDone, writeAt time.Time
	g, gctx := errgroup.WithContext(ctx)
	for i := 0; i < 40; i++ {
		g.Go(func() error {
			_, err := clients[i%2].ListDroplets(gctx, "scalable-tier:t")
			mu.Lock()
			readsDone = time.Now()
			mu.Unlock()
			return err
		})
	}
	g.Go(func() error {
		err := clients[0].ensureTag(gctx, "scalable-tier:w")
		mu.Lock()
		writeAt = time.Now()
		mu.Unlock()
		return err
	})
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	counts := srv.Counts()
	for ep, c := range counts.Endpoints {
		if c.Statuses["429"] > 0 {
			t.Errorf("%s: %d answers 429 with the budget shared", ep, c.Statuses["429"])
		}
	}
	if !writeAt.Before(readsDone) {
		t.Errorf("the write finished at %v, after all 40 reads (%v): reads starved it", writeAt, readsDone)
	}
}

// A 429 the budget did not foresee (another process spent the window)
// fills the window: the requests waiting go out one by one as it drains.
func TestRateBudgetLearnsAFullWindowFromA429(t *testing.T) {
	b := &rateBudget{perMinute: 10, window: time.Minute, wake: make(chan struct{})}
	if err := b.acquire(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	reset := time.Now().Add(10 * time.Second).Truncate(time.Second)
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
	resp.Header.Set("Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	b.done(resp)
	if n := len(b.answered); n != 10 {
		t.Fatalf("%d requests in the window after a 429, want the limit of 10", n)
	}
	if w := b.room(reset.Add(-time.Second), true); w <= 0 {
		t.Errorf("a write may go before the reset the 429 named")
	}
	// Right after the reset one slot is free, then one every 6 s.
	if w := b.room(reset.Add(time.Millisecond), true); w != 0 {
		t.Errorf("a write waits %v after the reset", w)
	}
	b.inFlight++
	if w := b.room(reset.Add(2*time.Millisecond), true); w <= 0 {
		t.Errorf("a second write may go at the reset too: the waiting requests would rush into more 429s")
	}
}
