package doclient

import (
	"context"
	"sync"
	"time"
)

// coalescer merges concurrent reads of one kind into one fetch, as
// Kubernetes' shared informers serve every controller of a process from
// one watch: callers asking for keys (tags, ids) within a short batching
// window are answered by a single fetch of all their keys.
//
// Freshness: a batch stops taking callers the moment its fetch starts, so
// every caller gets an answer that was fetched after it asked: never a
// list older than the wait or plan that asked for it. A caller arriving
// while a fetch runs opens the next batch.
//
// The window closes when no caller has joined for quiet, or at most
// longest (10 quiet) after it opened: tiers that Terraform refreshes at
// once, or that a shared poll schedule wakes together, land in one batch,
// and a lone caller waits only quiet.
type coalescer[K comparable, V any] struct {
	quiet, longest time.Duration
	// fetch answers every key of a batch; a key it leaves out gets V's zero.
	fetch func(ctx context.Context, keys []K) (map[K]V, error)

	mu   sync.Mutex
	open *batch[K, V]
}

type batch[K comparable, V any] struct {
	keys    []K
	seen    map[K]bool
	opened  time.Time
	last    time.Time // the last join
	waiters int
	// ctx carries the first caller's values (loggers) but not its
	// deadline; it ends when every caller has given up.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	res    map[K]V
	err    error
}

func newCoalescer[K comparable, V any](quiet time.Duration, fetch func(context.Context, []K) (map[K]V, error)) *coalescer[K, V] {
	return &coalescer[K, V]{quiet: quiet, longest: 10 * quiet, fetch: fetch}
}

type unbatchedKey struct{}

// unbatched marks ctx's reads as not worth waiting for company: the look
// for what a failed create made runs against the create's deadline, and
// shares nothing with other tiers.
func unbatched(ctx context.Context) context.Context {
	return context.WithValue(ctx, unbatchedKey{}, true)
}

// get returns key's value from the next fetch that starts after the call.
func (c *coalescer[K, V]) get(ctx context.Context, key K) (V, error) {
	var zero V
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if ctx.Value(unbatchedKey{}) != nil {
		res, err := c.fetch(ctx, []K{key})
		return res[key], err
	}
	c.mu.Lock()
	b := c.open
	now := time.Now()
	if b == nil {
		bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		b = &batch[K, V]{seen: map[K]bool{}, opened: now, ctx: bctx, cancel: cancel, done: make(chan struct{})}
		c.open = b
		go c.run(b)
	}
	if !b.seen[key] {
		b.seen[key] = true
		b.keys = append(b.keys, key)
	}
	b.last = now
	b.waiters++
	c.mu.Unlock()

	select {
	case <-b.done:
		if b.err != nil {
			return zero, b.err
		}
		return b.res[key], nil
	case <-ctx.Done():
		c.mu.Lock()
		b.waiters--
		if b.waiters == 0 {
			if c.open == b {
				c.open = nil // nobody waits: let the next caller open a fresh batch
			}
			b.cancel()
		}
		c.mu.Unlock()
		return zero, ctx.Err()
	}
}

// run closes b's window, then fetches its keys.
func (c *coalescer[K, V]) run(b *batch[K, V]) {
	defer b.cancel()
	for {
		c.mu.Lock()
		wait := min(time.Until(b.last.Add(c.quiet)), time.Until(b.opened.Add(c.longest)))
		if wait <= 0 || b.ctx.Err() != nil {
			if c.open == b {
				c.open = nil
			}
			keys := b.keys
			c.mu.Unlock()
			if b.ctx.Err() != nil {
				b.err = b.ctx.Err()
			} else {
				b.res, b.err = c.fetch(b.ctx, keys)
			}
			close(b.done)
			return
		}
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-b.ctx.Done():
		}
		t.Stop()
	}
}
