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
func poolRequest(spec Spec) PoolRequest {
	a, d := spec.Autoscale, spec.Droplet
	return PoolRequest{
		Name: PoolName(spec.Name),
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

// poolMatches reports whether an observed pool already is what the spec
// asks for. The VPC is compared only when the spec names one.
func poolMatches(p AutoscalePool, req PoolRequest) bool {
	t, w := p.Template, req.Template
	return p.Config == req.Config && t.Size == w.Size && t.Region == w.Region && t.Image == w.Image &&
		sameSet(t.Tags, w.Tags) && sameSet(t.SSHKeys, w.SSHKeys) && t.IPv6 == w.IPv6 && t.UserData == w.UserData &&
		(w.VPCUUID == "" || t.VPCUUID == w.VPCUUID)
}

// planAutoscaled plans a tier whose droplets are pool members: the pool is
// created or brought in line, members of an older template roll out in
// waves, and fixed droplets left from before the switch leave once the
// pool serves.
func (p *planner) planAutoscaled() Plan {
	rev := p.spec.Droplet.Revision()
	pool := p.fleet.Pool
	var current, outdated, fixed, broken []Droplet
	for _, d := range p.fleet.Droplets {
		switch {
		case !d.InService(p.spec.Name) || d.Status == StatusOff || d.Status == StatusArchive:
			broken = append(broken, d)
		case !pool.IsMember(d.ID):
			fixed = append(fixed, d)
		case d.Revision() == rev:
			current = append(current, d)
		default:
			outdated = append(outdated, d)
		}
	}
	if len(broken) > 0 {
		p.setup = append(p.setup, Step{Op: OpDeleteDroplets, Droplets: ids(broken), Reason: "off, or drained but not deleted"})
		p.summary.Repair = len(broken)
	}
	p.loadBalancerSteps()
	lbPhase := p.alertSteps()
	req := poolRequest(p.spec)
	var phases []Phase
	if pool == nil {
		p.setup = append(p.setup, Step{Op: OpCreatePool})
		p.summary.Pool = "created"
		p.summary.Create = p.spec.Autoscale.MinInstances
		phases = append(phases, p.setup)
		// Fixed droplets keep serving until the pool's members are healthy.
		wait := Phase{{Op: OpWaitPool, Health: len(fixed) > 0}}
		if p.summary.LoadBalancer == "created" {
			wait = append(wait, Step{Op: OpWaitLoadBalancer})
		}
		phases = append(phases, wait)
	} else {
		if !poolMatches(*pool, req) {
			p.setup = append(p.setup, Step{Op: OpUpdatePool, Reason: "configuration or template differs"})
			p.summary.Pool = "updated"
		}
		if len(p.setup) > 0 {
			phases = append(phases, p.setup)
		}
		if len(outdated) > 0 {
			phases = append(phases, Phase{{Op: OpRollPool, Droplets: ids(outdated)}})
			// The pool replaces every member at once (see rollPool).
			p.summary.Replace = len(outdated)
			p.summary.Waves, p.summary.WaveSize = 1, len(outdated)
		}
		if p.summary.LoadBalancer == "created" {
			phases = append(phases, Phase{{Op: OpWaitLoadBalancer}})
		}
	}
	if len(fixed) > 0 {
		if pool != nil {
			phases = append(phases, Phase{{Op: OpWaitPool, Health: true}})
		}
		phases = append(phases, drain(fixed), Phase{{Op: OpWaitDrained, Droplets: ids(fixed)}}, Phase{{Op: OpDeleteDroplets, Droplets: ids(fixed)}})
		p.summary.Remove += len(fixed)
		p.summary.Switch = "to an autoscale pool"
	}
	if len(lbPhase) > 0 {
		phases = insertAfterLoadBalancer(phases, lbPhase)
	}
	keep := slices.Clone(current)
	SortDroplets(keep)
	return Plan{Phases: phases, Summary: p.summary, Keep: ids(keep)}
}

// planLeavingPool plans the switch from an autoscale pool back to fixed
// droplets: the fixed droplets are created and must be healthy first, then
// the pool is deleted and its members drained and deleted. The load
// balancer, which targets the tag, never changes.
func (p *planner) planLeavingPool() Plan {
	pool := p.fleet.Pool
	var members []Droplet
	rest := p.fleet
	rest.Pool, rest.Droplets = nil, nil
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
	plan.Phases = append(plan.Phases, Phase{{Op: OpDeletePool}})
	if len(members) > 0 {
		plan.Phases = append(plan.Phases, drain(members), Phase{{Op: OpWaitDrained, Droplets: ids(members)}}, Phase{{Op: OpDeleteDroplets, Droplets: ids(members)}})
	}
	plan.Summary.Pool = "deleted"
	plan.Summary.Switch = "to fixed droplets"
	plan.Summary.Remove += len(members)
	return plan
}

// createPool creates the tier's pool.
func (x *execution) createPool(ctx context.Context) error {
	pool, err := x.e.Cloud.CreatePool(ctx, poolRequest(x.spec))
	if err != nil {
		return fmt.Errorf("create autoscale pool %s: %w", PoolName(x.spec.Name), err)
	}
	x.setPool(pool)
	x.e.info(ctx, "autoscale pool created", map[string]any{"tier": x.spec.Name, "id": pool.ID})
	return nil
}

func (x *execution) updatePool(ctx context.Context, req PoolRequest) error {
	id := x.poolID()
	pool, err := x.e.Cloud.UpdatePool(ctx, id, req)
	if err != nil {
		return fmt.Errorf("update autoscale pool %s: %w", id, err)
	}
	x.setPool(pool)
	return nil
}

func (x *execution) setPool(p *AutoscalePool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.pool = p
}

func (x *execution) poolID() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.pool == nil {
		return ""
	}
	return x.pool.ID
}

// poolMembers reads the pool's members as droplets (one pool read, one
// list by tag).
func (x *execution) poolMembers(ctx context.Context) ([]Droplet, error) {
	pool, err := x.e.Cloud.FindPool(ctx, PoolName(x.spec.Name))
	if err != nil {
		return nil, fmt.Errorf("read autoscale pool: %w", err)
	}
	if pool == nil {
		return nil, fmt.Errorf("autoscale pool %s disappeared", PoolName(x.spec.Name))
	}
	x.setPool(pool)
	tagged, err := x.e.Cloud.ListDroplets(ctx, Tag(x.spec.Name))
	if err != nil {
		return nil, fmt.Errorf("list droplets: %w", err)
	}
	var out []Droplet
	for _, d := range tagged {
		if pool.IsMember(d.ID) {
			out = append(out, d)
		}
	}
	return out, nil
}

// waitPool waits until the pool has at least min_instances members, all
// active (and healthy by the rollout's mode when health is set).
func (x *execution) waitPool(ctx context.Context, health bool) error {
	want := x.spec.Autoscale.MinInstances
	last := -1
	for {
		members, err := x.poolMembers(ctx)
		if err != nil && ctx.Err() == nil {
			return err
		}
		var active []Droplet
		for _, d := range members {
			if d.Status == StatusActive {
				active = append(active, d)
			}
		}
		if len(active) != last {
			last = len(active)
			x.e.info(ctx, fmt.Sprintf("%d/%d autoscale pool members active", len(active), want), map[string]any{"tier": x.spec.Name})
		}
		if err == nil && len(active) >= want && len(active) == len(members) {
			if !health {
				return nil
			}
			hctx, cancel := x.healthContext(ctx)
			_, seen, herr := x.waitHealthy(hctx, active)
			cancel()
			if herr != nil {
				return fmt.Errorf("autoscale pool members not healthy: %s: %w", seen, herr)
			}
			return nil
		}
		if err := sleep(ctx, x.e.poll()); err != nil {
			return fmt.Errorf("timed out waiting for the autoscale pool (%d/%d members active): %w", len(active), want, err)
		}
	}
}

func (x *execution) healthContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if x.spec.Rollout.HealthTimeout > 0 {
		return context.WithTimeout(ctx, x.spec.Rollout.HealthTimeout)
	}
	return context.WithCancel(ctx)
}

// rollPool gates DigitalOcean's own rollover of a pool's members. When its
// template changes, a pool provisions a full new set of members at once
// and destroys the old ones after its cooldown (so it briefly doubles:
// max_surge cannot bound it). The provider waits for the new members to be
// healthy by the rollout's mode, then drains and deletes the old ones
// without waiting for the cooldown. If they are not healthy by
// health_timeout, it puts the previous template back before the pool
// destroys the old members, and removes the new ones: the old keep
// serving.
func (x *execution) rollPool(ctx context.Context) error {
	rev := x.spec.Droplet.Revision()
	members, err := x.poolMembers(ctx)
	if err != nil {
		return err
	}
	var old []Droplet
	for _, d := range members {
		if d.Revision() != rev {
			old = append(old, d)
		}
	}
	if len(old) == 0 {
		return nil
	}
	x.e.info(ctx, fmt.Sprintf("autoscale pool rolling %d members to the new template", len(old)), map[string]any{"tier": x.spec.Name})
	hctx, cancel := x.healthContext(ctx)
	healthy, seen, err := x.waitFreshMembers(hctx, rev, len(old))
	cancel()
	if err != nil && ctx.Err() != nil {
		return err
	}
	if err != nil {
		return x.rollPoolBack(ctx, rev, healthy, seen, err)
	}
	batch := ids(old)
	if err := x.step(ctx, Step{Op: OpDrainDroplets, Droplets: batch}); err != nil {
		return err
	}
	if err := sleep(ctx, x.drainWait()); err != nil {
		return err
	}
	if err := x.deleteDroplets(ctx, batch); err != nil {
		return err
	}
	x.e.info(ctx, "autoscale pool rolled out", map[string]any{"tier": x.spec.Name, "members": len(healthy)})
	return nil
}

// rollPoolBack restores the template the pool had before this apply and
// removes the members of the failed one.
func (x *execution) rollPoolBack(ctx context.Context, rev string, healthy []Droplet, seen string, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	var errs []error
	if prev := x.fleet.Pool; prev != nil && !sameSet(prev.Template.Tags, poolRequest(x.spec).Template.Tags) {
		back := PoolRequest{Name: prev.Name, Config: prev.Config, Template: prev.Template}
		if err := x.updatePool(rctx, back); err != nil {
			errs = append(errs, fmt.Errorf("put the previous template back: %w", err))
		}
	}
	members, err := x.poolMembers(rctx)
	if err != nil {
		errs = append(errs, err)
	}
	var fresh []Droplet
	for _, d := range members {
		if d.Revision() == rev {
			fresh = append(fresh, d)
		}
	}
	if len(fresh) > 0 {
		if err := x.e.Cloud.UntagDroplets(rctx, Tag(x.spec.Name), ids(fresh)); err != nil {
			errs = append(errs, fmt.Errorf("take the new members out of the load balancer: %w", err))
		} else if err := x.deleteDroplets(rctx, ids(fresh)); err != nil {
			errs = append(errs, err)
		}
	}
	rerr := &RolloutError{Wave: 1, Failed: notIn(fresh, healthy), Seen: seen, Timeout: x.spec.Rollout.HealthTimeout, Cause: cause}
	if len(rerr.Failed) == 0 {
		rerr.Failed = fresh
	}
	return errors.Join(append([]error{rerr}, errs...)...)
}

// waitFreshMembers waits until want members of revision rev are active and
// healthy, and returns them.
func (x *execution) waitFreshMembers(ctx context.Context, rev string, want int) ([]Droplet, string, error) {
	for {
		members, err := x.poolMembers(ctx)
		if err != nil && ctx.Err() == nil {
			return nil, "", err
		}
		var active []Droplet
		for _, d := range members {
			if d.Revision() == rev && d.Status == StatusActive {
				active = append(active, d)
			}
		}
		if len(active) >= want {
			healthy, seen, err := x.waitHealthy(ctx, active)
			return healthy, seen, err
		}
		if err := sleep(ctx, x.e.poll()); err != nil {
			return active, fmt.Sprintf("%d of %d new members active", len(active), want), err
		}
	}
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
