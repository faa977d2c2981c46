package tier

import "slices"

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
	lbPhase := slices.Concat(p.alertSteps(), p.firewallSteps())
	after := p.domainPhases()
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
		phases = p.rollIntoPool(pool, name, current, leaving)
	case pool == nil:
		phases = p.createPool(name)
	default:
		phases = p.keepPool(pool)
	}
	phases = append(phases, after...)
	if len(lbPhase) > 0 {
		phases = insertAfterLoadBalancer(phases, lbPhase)
	}
	keep := slices.Clone(current)
	SortDroplets(keep)
	return Plan{Phases: phases, Summary: p.summary, Keep: ids(keep)}
}

// rollIntoPool moves the leaving droplets into the pool (created when
// there is none) in waves.
func (p *planner) rollIntoPool(pool *AutoscalePool, name string, current, leaving []Droplet) []Phase {
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
	var phases []Phase
	if len(p.setup) > 0 {
		phases = append(phases, p.setup)
	}
	phases = append(phases, Phase{roll})
	if p.summary.LoadBalancer == "created" {
		phases = append(phases, Phase{{Op: OpWaitLoadBalancer}})
	}
	return phases
}

// createPool creates the pool from the spec and waits for its members.
func (p *planner) createPool(name string) []Phase {
	p.setup = append(p.setup, Step{Op: OpCreatePool, PoolName: name})
	if p.summary.Pool == "" {
		p.summary.Pool = "created"
	}
	p.summary.Create = p.spec.Autoscale.MinInstances
	wait := Phase{{Op: OpWaitPool}}
	if p.summary.LoadBalancer == "created" {
		wait = append(wait, Step{Op: OpWaitLoadBalancer})
	}
	return []Phase{p.setup, wait}
}

// keepPool keeps the pool, updating its configuration when it differs.
func (p *planner) keepPool(pool *AutoscalePool) []Phase {
	if req := poolRequest(p.spec, pool.Name); pool.Config != req.Config {
		p.setup = append(p.setup, Step{Op: OpUpdatePool, Pool: pool.ID, Reason: "configuration differs"})
		p.summary.Pool = "updated"
	}
	var phases []Phase
	if len(p.setup) > 0 {
		phases = append(phases, p.setup)
	}
	if p.summary.LoadBalancer == "created" {
		phases = append(phases, Phase{{Op: OpWaitLoadBalancer}})
	}
	return phases
}

// summarizePoolRollout counts what the rollout's waves create and remove.
func (p *planner) summarizePoolRollout(members, leaving, target int) {
	r := p.spec.Rollout
	surge, unavailable := r.Budgets(target)
	waves := PoolWaves(target, members, leaving, surge, unavailable)
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
