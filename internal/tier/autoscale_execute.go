package tier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// createPool creates a pool for the tier.
func (x *execution) createPool(ctx context.Context, req PoolRequest) error {
	pool, err := x.e.Cloud.CreatePool(ctx, req)
	if err != nil {
		return fmt.Errorf("create autoscale pool %s: %w", req.Name, err)
	}
	x.setPool(pool)
	x.e.info(ctx, "autoscale pool created", map[string]any{"tier": x.spec.Name, "id": pool.ID, "name": pool.Name})
	return nil
}

// updatePool replaces the configuration (and template) of the tier's pool.
func (x *execution) updatePool(ctx context.Context, req PoolRequest) error {
	id := x.poolID()
	pool, err := x.e.Cloud.UpdatePool(ctx, id, req)
	if err != nil {
		return fmt.Errorf("update autoscale pool %s: %w", id, err)
	}
	x.setPool(pool)
	return nil
}

func (x *execution) deletePool(ctx context.Context, id string) error {
	if err := x.e.Cloud.DeletePool(ctx, id); err != nil {
		return fmt.Errorf("delete autoscale pool %s: %w", id, err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.pool != nil && x.pool.ID == id {
		x.pool = nil
	}
	return nil
}

func (x *execution) setPool(p *AutoscalePool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.pool = p
}

func (x *execution) currentPool() *AutoscalePool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.pool
}

func (x *execution) poolID() string {
	if p := x.currentPool(); p != nil {
		return p.ID
	}
	return ""
}

// poolView reads the tier's pool (by id: one GET and its members) and the
// droplets carrying the tier tag (one list), and returns the pool's members
// and the tagged droplets among others that still serve.
func (x *execution) poolView(ctx context.Context, others map[int]bool) (members, rest []Droplet, err error) {
	var pool *AutoscalePool
	if id := x.poolID(); id != "" {
		pool, err = x.e.Cloud.GetPool(ctx, id)
		if err != nil {
			return nil, nil, fmt.Errorf("read autoscale pool %s: %w", id, err)
		}
		if pool == nil {
			return nil, nil, fmt.Errorf("autoscale pool %s disappeared", id)
		}
		x.setPool(pool)
	}
	tagged, err := x.e.Cloud.ListDroplets(ctx, Tag(x.spec.Name))
	if err != nil {
		return nil, nil, fmt.Errorf("list droplets: %w", err)
	}
	for _, d := range tagged {
		switch {
		case pool.IsMember(d.ID):
			members = append(members, d)
		case others[d.ID] && d.Status != StatusOff && d.Status != StatusArchive:
			rest = append(rest, d)
		}
	}
	SortDroplets(members)
	SortDroplets(rest)
	return members, rest, nil
}

// waitPool waits until the pool has at least min_instances members, all
// active.
func (x *execution) waitPool(ctx context.Context) error {
	want := x.spec.Autoscale.MinInstances
	last := -1
	for {
		members, _, err := x.poolView(ctx, nil)
		if err != nil && ctx.Err() == nil {
			return err
		}
		active := countActive(members)
		if active != last {
			last = active
			x.e.info(ctx, fmt.Sprintf("%d/%d autoscale pool members active", active, want), map[string]any{"tier": x.spec.Name})
		}
		if err == nil && active >= want && active == len(members) {
			return nil
		}
		if err := Sleep(ctx, x.e.poll()); err != nil {
			return fmt.Errorf("timed out waiting for the autoscale pool (%d/%d members active): %w", active, want, err)
		}
	}
}

func countActive(ds []Droplet) int {
	n := 0
	for _, d := range ds {
		if d.Status == StatusActive {
			n++
		}
	}
	return n
}

func (x *execution) healthContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if x.spec.Rollout.HealthTimeout > 0 {
		return context.WithTimeout(ctx, x.spec.Rollout.HealthTimeout+x.scaled(x.spec.Rollout.MinReady))
	}
	return context.WithCancel(ctx)
}

// rollPool grows the tier's pool (creating it at a fixed size first when
// s.PoolName is set) to s.Count members in waves while the droplets in
// s.Droplets leave, within max_surge and max_unavailable: each wave takes
// out what max_unavailable allows, raises the pool's fixed size, waits
// until the new members are healthy by the rollout's mode, then drains
// and deletes the old droplets they replace. The old droplets are no
// pool's members (their pool was deleted first), so nothing replaces
// them. Finally the pool takes the configured min/max and targets.
func (x *execution) rollPool(ctx context.Context, s Step) error {
	leaving := map[int]bool{}
	for _, id := range s.Droplets {
		leaving[id] = true
	}
	r := x.spec.Rollout
	for wave := 1; ; wave++ {
		members, old, err := x.poolView(ctx, leaving)
		if err != nil {
			return err
		}
		if len(old) == 0 {
			break
		}
		surge, unavailable := r.Budgets(s.Count)
		w := NextWave(s.Count, len(members), len(old), surge, unavailable)
		x.e.info(ctx, fmt.Sprintf("autoscale rollout wave %d: %d new members, %d old droplets leave", wave, w.Add, w.RemoveFirst+w.RemoveAfter),
			map[string]any{"tier": x.spec.Name, "members": len(members), "old": len(old), "target": s.Count})
		if err := x.retire(ctx, old[:w.RemoveFirst]); err != nil {
			return err
		}
		if w.Add > 0 {
			if err := x.growPool(ctx, s.PoolName, wave, members, len(members)+w.Add); err != nil {
				return err
			}
		}
		if err := x.retire(ctx, old[w.RemoveFirst:w.RemoveFirst+w.RemoveAfter]); err != nil {
			return err
		}
	}
	if x.poolID() == "" {
		// Every old droplet went away on its own before the first wave.
		if err := x.createPool(ctx, poolRequest(x.spec, s.PoolName)); err != nil {
			return err
		}
		return x.waitPool(ctx)
	}
	if err := x.updatePool(ctx, poolRequest(x.spec, x.currentPool().Name)); err != nil {
		return err
	}
	x.e.info(ctx, "autoscale rollout done", map[string]any{"tier": x.spec.Name})
	return nil
}

// retire drains droplets that are no pool's members out of the load
// balancer, waits one health-check interval and deletes them.
func (x *execution) retire(ctx context.Context, ds []Droplet) error {
	if len(ds) == 0 {
		return nil
	}
	batch := ids(ds)
	if err := x.step(ctx, Step{Op: OpDrainDroplets, Droplets: batch}); err != nil {
		return err
	}
	if err := Sleep(ctx, x.drainWait()); err != nil {
		return err
	}
	return x.deleteDroplets(ctx, batch)
}

// growPool takes the pool to want members (creating it, named name, when
// there is none yet) and waits until the new ones are active and healthy.
// If they are not healthy by health_timeout, the pool goes back to its
// previous size (or, when it had no members before, is deleted) and the
// new members are removed: the old droplets keep serving.
func (x *execution) growPool(ctx context.Context, name string, wave int, before []Droplet, want int) error {
	var err error
	if x.poolID() == "" {
		err = x.createPool(ctx, fixedPoolRequest(x.spec, name, want))
	} else {
		err = x.updatePool(ctx, fixedPoolRequest(x.spec, x.currentPool().Name, want))
	}
	if err != nil {
		return err
	}
	had := map[int]bool{}
	for _, d := range before {
		had[d.ID] = true
	}
	hctx, cancel := x.healthContext(ctx)
	fresh, healthy, seen, err := x.waitNewMembers(hctx, had, want)
	cancel()
	if err == nil || ctx.Err() != nil {
		return err
	}
	return x.failPoolWave(ctx, wave, len(before), fresh, healthy, seen, err)
}

// waitNewMembers waits until the pool has want members, all active, and
// the ones not in had are healthy by the rollout's mode.
func (x *execution) waitNewMembers(ctx context.Context, had map[int]bool, want int) (fresh, healthy []Droplet, seen string, err error) {
	for {
		members, _, err := x.poolView(ctx, nil)
		if err != nil && ctx.Err() == nil {
			return fresh, nil, "", err
		}
		if err == nil {
			fresh = fresh[:0]
			for _, d := range members {
				if !had[d.ID] {
					fresh = append(fresh, d)
				}
			}
			if active := countActive(members); active >= want && active == len(members) {
				healthy, seen, err := x.waitHealthy(ctx, fresh)
				if err == nil {
					healthy, seen, err = x.stayHealthy(ctx, 0, healthy)
				}
				return fresh, healthy, seen, err
			}
		}
		if err := Sleep(ctx, x.e.poll()); err != nil {
			return fresh, nil, fmt.Sprintf("%d of %d new members active", countActive(fresh), want-len(had)), err
		}
	}
}

// failPoolWave takes a wave's new members out of the load balancer, puts
// the pool back to the size it had (deleting it when it had no members)
// and deletes them.
func (x *execution) failPoolWave(ctx context.Context, wave, before int, fresh, healthy []Droplet, seen string, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	var errs []error
	if len(fresh) > 0 {
		// Drain-tagged, so a crash before the delete leaves them findable.
		if err := x.step(rctx, Step{Op: OpDrainDroplets, Droplets: ids(fresh)}); err != nil {
			errs = append(errs, err)
		}
	}
	if pool := x.currentPool(); pool != nil {
		var err error
		if before > 0 {
			err = x.updatePool(rctx, fixedPoolRequest(x.spec, pool.Name, before))
		} else {
			err = x.deletePool(rctx, pool.ID)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := x.deleteDroplets(rctx, ids(fresh)); err != nil {
		errs = append(errs, err)
	}
	rerr := &RolloutError{Wave: wave, Failed: notIn(fresh, healthy), Seen: seen, Timeout: x.spec.Rollout.HealthTimeout, Cause: cause}
	if len(rerr.Failed) == 0 {
		rerr.Failed = fresh
	}
	return errors.Join(append([]error{rerr}, errs...)...)
}

func notIn(all, some []Droplet) []Droplet {
	var out []Droplet
	for _, d := range all {
		if !slices.ContainsFunc(some, func(o Droplet) bool { return o.ID == d.ID }) {
			out = append(out, d)
		}
	}
	return out
}
