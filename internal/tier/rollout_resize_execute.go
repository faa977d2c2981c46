package tier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Resizer is what an in-place resize needs beyond DropletCloud; doclient
// implements it with DigitalOcean's droplet actions, each waited for.
type Resizer interface {
	PowerOffDroplet(ctx context.Context, id int) error
	ResizeDroplet(ctx context.Context, id int, size string, disk bool) error
	PowerOnDroplet(ctx context.Context, id int) error
}

// ResizeError reports an in-place wave that did not serve again in time.
// Its droplets stay in the tier (resized or not): nothing is deleted, and
// the next apply resumes.
type ResizeError struct {
	Wave     int
	Droplets []Droplet
	Seen     string
	Cause    error
}

func (e *ResizeError) Error() string {
	names := make([]string, len(e.Droplets))
	for i, d := range e.Droplets {
		names[i] = fmt.Sprintf("%s (%d)", d.Name, d.ID)
	}
	msg := fmt.Sprintf("in-place resize stopped: wave %d (%s) did not serve again: %v; the droplets stay in the tier, the others keep serving", e.Wave, strings.Join(names, ", "), e.Cause)
	if e.Seen != "" {
		msg += ". The health check saw: " + e.Seen
	}
	return msg
}

func (e *ResizeError) Unwrap() error { return e.Cause }

// resizeWave resizes a wave of droplets in place: drained from the load
// balancer (drain-tagged, so a crash leaves them findable), powered off,
// resized, powered on, put back with the new revision tag and waited for
// until healthy (and min_ready). Ids and IPs stay.
func (x *execution) resizeWave(ctx context.Context, s Step) error {
	rz, ok := x.e.Cloud.(Resizer)
	if !ok {
		return errors.New("resize = \"in_place\" needs a cloud that can resize droplets")
	}
	x.clock.startedResize(ctx, x, s.Wave, len(s.Droplets))
	if err := x.drain(ctx, s.Droplets); err != nil {
		return err
	}
	if err := Sleep(ctx, x.drainWait()); err != nil {
		return err
	}
	size, disk := x.spec.Droplet.Size, x.spec.Rollout.ResizeDisk
	err := fanOut(len(s.Droplets), 10, func(i int) error {
		id := s.Droplets[i]
		if err := rz.PowerOffDroplet(ctx, id); err != nil {
			return fmt.Errorf("power off droplet %d: %w", id, err)
		}
		if err := rz.ResizeDroplet(ctx, id, size, disk); err != nil {
			// Refused (or failed): the droplet serves again at its old size.
			err = fmt.Errorf("resize droplet %d to %s: %w", id, size, err)
			if perr := rz.PowerOnDroplet(context.WithoutCancel(ctx), id); perr != nil {
				err = errors.Join(err, fmt.Errorf("power droplet %d on again: %w", id, perr))
			}
			return err
		}
		if err := rz.PowerOnDroplet(ctx, id); err != nil {
			return fmt.Errorf("power on droplet %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return errors.Join(err, x.putBack(context.WithoutCancel(ctx), s.Droplets, false))
	}
	back := time.Now()
	if err := x.putBack(ctx, s.Droplets, true); err != nil {
		return err
	}
	return x.waitResized(ctx, s, back)
}

// putBack returns drained droplets to the load balancer (after a failed
// resize too: powered on or not, they stay the tier's) and, once resized,
// moves their revision tag to the new template.
func (x *execution) putBack(ctx context.Context, droplets []int, resized bool) error {
	c := x.e.Cloud
	if resized {
		if err := c.TagDroplets(ctx, x.spec.Droplet.RevisionTag(), droplets); err != nil {
			return fmt.Errorf("tag droplets %v with the new revision: %w", droplets, err)
		}
		old := map[string][]int{}
		x.mu.Lock()
		for _, id := range droplets {
			if rev := x.byID[id].Revision(); rev != "" && rev != x.spec.Droplet.Revision() {
				old[revisionTagPrefix+rev] = append(old[revisionTagPrefix+rev], id)
			}
		}
		x.mu.Unlock()
		for _, t := range sortedKeys(old) {
			if err := c.UntagDroplets(ctx, t, old[t]); err != nil {
				return fmt.Errorf("untag the old revision from droplets %v: %w", old[t], err)
			}
		}
	}
	if err := c.TagDroplets(ctx, Tag(x.spec.Name), droplets); err != nil {
		return fmt.Errorf("put droplets %v back in the load balancer: %w", droplets, err)
	}
	if err := c.UntagDroplets(ctx, DrainTag(x.spec.Name), droplets); err != nil {
		return fmt.Errorf("clear the drain mark of droplets %v: %w", droplets, err)
	}
	return nil
}

// waitResized waits until the resized droplets are active and pass the
// rollout's health check again (only verdicts since they were put back
// count), then min_ready.
func (x *execution) waitResized(ctx context.Context, s Step, back time.Time) error {
	hctx := ctx
	if x.spec.Rollout.HealthTimeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(ctx, x.spec.Rollout.HealthTimeout+x.scaled(x.spec.Rollout.MinReady))
		defer cancel()
	}
	fail := func(ds []Droplet, seen string, err error) error {
		if ctx.Err() != nil {
			return err
		}
		var failed []Droplet
		x.mu.Lock()
		for _, id := range s.Droplets {
			if !slices.ContainsFunc(ds, func(d Droplet) bool { return d.ID == id }) {
				d := x.byID[id]
				d.ID = id
				failed = append(failed, d)
			}
		}
		x.mu.Unlock()
		return &ResizeError{Wave: s.Wave, Droplets: failed, Seen: seen, Cause: err}
	}
	active, err := x.waitActive(hctx, s.Droplets)
	if err != nil {
		return fail(active, "did not become active", err)
	}
	healthy, seen, err := x.waitHealthySince(hctx, active, back)
	if err != nil {
		return fail(healthy, seen, err)
	}
	x.clock.healthy(ctx, x, s.Wave, len(healthy))
	if healthy, seen, err = x.stayHealthy(hctx, s.Wave, healthy); err != nil {
		return fail(healthy, seen, err)
	}
	x.clock.done(ctx, x, s.Wave, 0)
	return nil
}

// waitHealthySince is waitHealthy counting only the load balancer's
// verdicts since a time: before the resize the droplets were healthy.
func (x *execution) waitHealthySince(ctx context.Context, ds []Droplet, since time.Time) ([]Droplet, string, error) {
	if x.spec.Rollout.Health != HealthLoadBalancer {
		return x.waitHealthy(ctx, ds)
	}
	for {
		healthy, seen := map[int]bool{}, map[int]string{}
		verdicts, err := x.e.Cloud.DropletHealth(ctx, x.lbID(), since)
		if err != nil && ctx.Err() == nil {
			return nil, "", fmt.Errorf("read load balancer health checks: %w", err)
		}
		var ok []Droplet
		for _, d := range ds {
			v := verdicts[d.ID]
			switch {
			case len(v) == 0:
				seen[d.ID] = "not yet checked by the load balancer since the resize"
			case v[len(v)-1]:
				healthy[d.ID] = true
				ok = append(ok, d)
			default:
				seen[d.ID] = "failing the load balancer's health check"
			}
		}
		if len(ok) == len(ds) {
			return ok, "", nil
		}
		if err := Sleep(ctx, x.e.poll()); err != nil {
			var parts []string
			for _, d := range ds {
				if !healthy[d.ID] {
					parts = append(parts, fmt.Sprintf("%s (%d): %s", d.Name, d.ID, seen[d.ID]))
				}
			}
			return ok, strings.Join(parts, "; "), err
		}
	}
}
