package tier

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/errgroup"
)

// fanOut runs f for 0..n-1, at most limit at a time, and returns every
// error (joined): one failure does not stop the others, as a failed batch
// must not keep the other batches' droplets from being made or deleted.
func fanOut(n, limit int, f func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(max(limit, 1))
	errs := make([]error, n)
	for i := range n {
		g.Go(func() error {
			errs[i] = f(i)
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// Sleep waits d or until ctx is done: the one wait of the tier and its
// client.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
