package tier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Steps of a tier whose droplets are an autoscale pool's members.
const (
	OpCreatePool Op = "create_pool"
	OpUpdatePool Op = "update_pool"
	OpWaitPool   Op = "wait_pool"   // at least min_instances members active (healthy when Health)
	OpRollPool   Op = "roll_pool"   // replace members built from an older template, in waves
	OpDeletePool Op = "delete_pool" // the pool only; its members are drained and deleted as droplets
)

// poolRequest is the pool the spec asks for: members carry the tier tag,
// so the load balancer, alerts and firewalls follow them, and the template
// revision tag, so outdated members are known.
func poolRequest(spec Spec, name string) PoolRequest {
	a, d := spec.Autoscale, spec.Droplet
	return PoolRequest{
		Name: name,
		Config: PoolConfig{
			MinInstances: a.MinInstances, MaxInstances: a.MaxInstances,
			TargetCPUUtilization: a.TargetCPUUtilization, TargetMemoryUtilization: a.TargetMemoryUtilization,
			CooldownMinutes: a.CooldownMinutes,
		},
		Template: PoolTemplate{
			Size: d.Size, Region: spec.Region, Image: d.Image, Tags: spec.DropletTags(),
			SSHKeys: slices.Clone(d.SSHKeys), VPCUUID: spec.VPCUUID, IPv6: d.IPv6, UserData: d.UserData,
		},
	}
}

// fixedPoolRequest is the spec's pool held at n members, as it is while a
// rollout grows it wave by wave.
func fixedPoolRequest(spec Spec, name string, n int) PoolRequest {
	req := poolRequest(spec, name)
	req.Config = PoolConfig{TargetNumberInstances: n}
	return req
}

// templateMatches reports whether a pool's template is what the spec asks
// for. The VPC is compared only when both name one: a template without one
// uses the region's default VPC, which is what state then records (and a
// tier changes VPC only by replacement).
func templateMatches(t, w PoolTemplate) bool {
	return t.Size == w.Size && t.Region == w.Region && t.Image == w.Image &&
		sameSet(t.Tags, w.Tags) && sameSet(t.SSHKeys, w.SSHKeys) && t.IPv6 == w.IPv6 && t.UserData == w.UserData &&
		(w.VPCUUID == "" || t.VPCUUID == "" || t.VPCUUID == w.VPCUUID)
}

// newPoolName is the first pool name the tier does not use: a pool being
// deleted keeps its name for a while.
func (p *planner) newPoolName() string {
	taken := map[string]bool{}
	if p.fleet.Pool != nil {
		taken[p.fleet.Pool.Name] = true
	}
	for _, o := range p.fleet.OtherPools {
		taken[o.Name] = true
	}
	for n := 1; ; n++ {
		if name := PoolName(p.spec.Name, n); !taken[name] {
			return name
		}
	}
}

// planAutoscaled plans a tier whose droplets are pool members.
//
// DigitalOcean replaces every member at once when a pool's template
// changes, which max_surge cannot bound. So a template change replaces the
// pool instead: the old pool is deleted (its members stay, serving, as
// plain droplets), a new pool is created from the new template at a fixed
// size, and a rollout grows it wave by wave while the old droplets leave,
// within max_surge and max_unavailable. Fixed droplets left from before a
// switch to autoscale leave the same way. Once no old droplet serves, the
// pool takes the configured min/max and targets.
func (p *planner) planAutoscaled() Plan {
	pool := p.fleet.Pool
	name := p.newPoolName()
	retire := pool != nil && !templateMatches(pool.Template, poolRequest(p.spec, name).Template)
	var current, leaving, broken []Droplet
	for _, d := range p.fleet.Droplets {
		switch {
		case !d.InService(p.spec.Name) || d.Status == StatusOff || d.Status == StatusArchive:
			broken = append(broken, d)
		case pool.IsMember(d.ID) && !retire:
			current = append(current, d)
		default:
			leaving = append(leaving, d)
		}
	}
	if len(broken) > 0 {
		p.setup = append(p.setup, Step{Op: OpDeleteDroplets, Droplets: ids(broken), Reason: "off, or drained but not deleted"})
		p.summary.Repair = len(broken)
	}
	p.loadBalancerSteps()
	lbPhase := p.alertSteps()
	for _, o := range p.fleet.OtherPools {
		if o.Status != PoolDeleting {
			p.setup = append(p.setup, Step{Op: OpDeletePool, Pool: o.ID, Reason: "left by an earlier rollout"})
		}
	}
	if retire {
		p.setup = append(p.setup, Step{Op: OpDeletePool, Pool: pool.ID, Reason: "its template differs; its members leave in waves"})
		p.summary.Pool = "replaced"
		pool = nil
	}
	var phases []Phase
	switch {
	case len(leaving) > 0:
		a := p.spec.Autoscale
		target := min(max(len(current)+len(leaving), a.MinInstances), a.MaxInstances)
		roll := Step{Op: OpRollPool, Count: target, Droplets: ids(leaving)}
		if pool == nil {
			roll.PoolName = name
			if p.summary.Pool == "" {
				p.summary.Pool = "created"
			}
		} else {
			roll.Pool = pool.ID
		}
		if p.fleet.Pool == nil && len(p.fleet.OtherPools) == 0 {
			p.summary.Switch = "to an autoscale pool"
		}
		p.summarizePoolRollout(len(current), len(leaving), target)
		if len(p.setup) > 0 {
			phases = append(phases, p.setup)
		}
		phases = append(phases, Phase{roll})
		if p.summary.LoadBalancer == "created" {
			phases = append(phases, Phase{{Op: OpWaitLoadBalancer}})
		}
	case pool == nil:
		p.setup = append(p.setup, Step{Op: OpCreatePool, PoolName: name})
		if p.summary.Pool == "" {
			p.summary.Pool = "created"
		}
		p.summary.Create = p.spec.Autoscale.MinInstances
		phases = append(phases, p.setup)
		wait := Phase{{Op: OpWaitPool}}
		if p.summary.LoadBalancer == "created" {
			wait = append(wait, Step{Op: OpWaitLoadBalancer})
		}
		phases = append(phases, wait)
	default:
		if req := poolRequest(p.spec, pool.Name); pool.Config != req.Config {
			p.setup = append(p.setup, Step{Op: OpUpdatePool, Pool: pool.ID, Reason: "configuration differs"})
			p.summary.Pool = "updated"
		}
		if len(p.setup) > 0 {
			phases = append(phases, p.setup)
		}
		if p.summary.LoadBalancer == "created" {
			phases = append(phases, Phase{{Op: OpWaitLoadBalancer}})
		}
	}
	if len(lbPhase) > 0 {
		phases = insertAfterLoadBalancer(phases, lbPhase)
	}
	keep := slices.Clone(current)
	SortDroplets(keep)
	return Plan{Phases: phases, Summary: p.summary, Keep: ids(keep)}
}

// summarizePoolRollout counts what the rollout's waves create and remove.
func (p *planner) summarizePoolRollout(members, leaving, target int) {
	r := p.spec.Rollout
	waves := PoolWaves(target, members, leaving, r.MaxSurge, r.MaxUnavailable)
	created, size := 0, 0
	for _, w := range waves {
		created += w.Add
		size = max(size, w.Add)
	}
	replaced := min(created, leaving)
	p.summary.Replace += replaced
	p.summary.Create += created - replaced
	p.summary.Remove += leaving - replaced
	if replaced > 0 {
		p.summary.Waves, p.summary.WaveSize = len(waves), size
	}
}

// planLeavingPool plans the switch from an autoscale pool back to fixed
// droplets: the fixed droplets are created and must be healthy first, then
// the pools are deleted and their members drained and deleted. The load
// balancer, which targets the tag, never changes.
func (p *planner) planLeavingPool() Plan {
	pool := p.fleet.Pool
	var members []Droplet
	rest := p.fleet
	rest.Pool, rest.OtherPools, rest.Droplets = nil, nil, nil
	for _, d := range p.fleet.Droplets {
		if pool.IsMember(d.ID) {
			members = append(members, d)
		} else {
			rest.Droplets = append(rest.Droplets, d)
		}
	}
	inner := planner{spec: p.spec, fleet: rest}
	plan := inner.plan()
	for i := range plan.Phases {
		for j := range plan.Phases[i] {
			if plan.Phases[i][j].Op == OpWaitDroplets {
				plan.Phases[i][j].Health = true // members keep serving until then
			}
		}
	}
	var deletes Phase
	for _, o := range p.fleet.livePools() {
		deletes = append(deletes, Step{Op: OpDeletePool, Pool: o.ID})
	}
	plan.Phases = append(plan.Phases, deletes)
	if len(members) > 0 {
		plan.Phases = append(plan.Phases, drain(members), Phase{{Op: OpWaitDrained, Droplets: ids(members)}}, Phase{{Op: OpDeleteDroplets, Droplets: ids(members)}})
	}
	plan.Summary.Pool = "deleted"
	plan.Summary.Switch = "to fixed droplets"
	plan.Summary.Remove += len(members)
	return plan
}

// livePools are the tier's pools not being deleted: the other pools, then
// its pool.
func (f Fleet) livePools() []AutoscalePool {
	var out []AutoscalePool
	for _, o := range f.OtherPools {
		if o.Status != PoolDeleting {
			out = append(out, o)
		}
	}
	if f.Pool != nil {
		out = append(out, *f.Pool)
	}
	return out
}

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
		if err := sleep(ctx, x.e.poll()); err != nil {
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
		return context.WithTimeout(ctx, x.spec.Rollout.HealthTimeout)
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
		w := NextWave(s.Count, len(members), len(old), r.MaxSurge, r.MaxUnavailable)
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
	if err := sleep(ctx, x.drainWait()); err != nil {
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
				return fresh, healthy, seen, err
			}
		}
		if err := sleep(ctx, x.e.poll()); err != nil {
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
