package tier

import (
	"fmt"
	"slices"
	"strconv"
)

// Adoption names objects made outside the tier that an import brought
// under it: droplets, a load balancer and alert policies that carry no
// tier tag and no marker yet. Import writes nothing; the first apply
// tags the droplets, points the load balancer at the tier tag and makes
// the alert policies the tier's, and the adoption is then done.
type Adoption struct {
	LoadBalancerID string   `json:",omitempty"`
	DropletIDs     []int    `json:",omitempty"`
	AlertIDs       []string `json:",omitempty"`
	// ReplaceDroplets says the droplets were not built with the
	// configuration's user_data or SSH keys (DigitalOcean reports
	// neither): none is taken as current, so the first apply replaces
	// them in waves. By default they are taken as matching.
	ReplaceDroplets bool `json:",omitempty"`
}

func (a *Adoption) clone() *Adoption {
	if a == nil {
		return nil
	}
	c := *a
	c.DropletIDs = slices.Clone(a.DropletIDs)
	c.AlertIDs = slices.Clone(a.AlertIDs)
	return &c
}

// withAdoption widens what Observe reads to the adopted objects: the
// droplets by id, the load balancer by id, the alert policies.
func (r Ref) withAdoption() Ref {
	a := r.Adopt
	if a == nil {
		return r
	}
	r.KnownDroplets = slices.Clone(r.KnownDroplets)
	for _, id := range a.DropletIDs {
		if !slices.Contains(r.KnownDroplets, id) {
			r.KnownDroplets = append(r.KnownDroplets, id)
		}
	}
	if r.LoadBalancerID == "" {
		r.LoadBalancerID = a.LoadBalancerID
	}
	r.Alerts = r.Alerts || len(a.AlertIDs) > 0
	return r
}

// adoptedPolicies are the adopted alert policies not yet the tier's (no
// marker of the tier), in the order the import named them.
func adoptedPolicies(tier string, a *Adoption, all []AlertPolicy) []AlertPolicy {
	if a == nil {
		return nil
	}
	var out []AlertPolicy
	for _, id := range a.AlertIDs {
		i := slices.IndexFunc(all, func(p AlertPolicy) bool { return p.UUID == id })
		if i < 0 {
			continue
		}
		if name, _, ok := AlertIndex(all[i]); ok && name == tier {
			continue // already the tier's
		}
		out = append(out, all[i])
	}
	return out
}

// AdoptionPending reports whether d is an adopted droplet the tier has not
// tagged yet (and no apply has drained).
func (f Fleet) AdoptionPending(tier string, d Droplet) bool {
	return f.Adopt != nil && slices.Contains(f.Adopt.DropletIDs, d.ID) &&
		!d.InService(tier) && !slices.Contains(d.Tags, DrainTag(tier))
}

// Adopting reports whether the fleet still has adopted objects to take
// over: droplets to tag, a load balancer not targeting the tier tag yet,
// alert policies to make the tier's.
func (f Fleet) Adopting(tier string) bool {
	if f.Adopt == nil {
		return false
	}
	if len(f.AdoptedAlerts) > 0 || (f.LoadBalancer != nil && f.LoadBalancer.Tag != Tag(tier)) {
		return true
	}
	return slices.ContainsFunc(f.Droplets, func(d Droplet) bool { return f.AdoptionPending(tier, d) })
}

// AdoptedView is the fleet as the tier will hold it once adopted: the
// adopted droplets carry the tier tag. The state is written from it, so a
// plan before the first apply shows the adopted droplets as the tier's;
// plans are computed from the fleet itself.
func (f Fleet) AdoptedView(tier string) Fleet {
	if f.Adopt == nil {
		return f
	}
	out := f
	out.Droplets = slices.Clone(f.Droplets)
	for i, d := range out.Droplets {
		if f.AdoptionPending(tier, d) {
			out.Droplets[i].Tags = append(slices.Clone(d.Tags), Tag(tier))
		}
	}
	if len(f.AdoptedAlerts) > 0 {
		// Adopted policies take the free alert indexes, in the import's order.
		byIndex, _ := TierAlerts(tier, f.Alerts)
		out.Alerts = slices.Clone(f.Alerts)
		next := 0
		for _, p := range f.AdoptedAlerts {
			for byIndex[next].UUID != "" {
				next++
			}
			p.Description += fmt.Sprintf(" [scalable-tier:%s#%d]", tier, next)
			out.Alerts = append(out.Alerts, p)
			next++
		}
		out.AdoptedAlerts = nil
	}
	return out
}

// Difference is one observable way a droplet differs from the template.
type Difference struct {
	Field string // image | size | region | monitoring | ipv6
	Have  string
	Want  string
}

// TemplateDifferences lists what DigitalOcean reports of d that differs
// from the spec's template: image, size, region, monitoring, IPv6.
// user_data and SSH keys are not reported, so they never show here.
func TemplateDifferences(spec Spec, d Droplet) []Difference {
	var out []Difference
	want := spec.Droplet
	if d.Image != want.Image && strconv.Itoa(d.ImageID) != want.Image {
		out = append(out, Difference{"image", d.Image, want.Image})
	}
	if d.Size != want.Size {
		out = append(out, Difference{"size", d.Size, want.Size})
	}
	if spec.Region != "" && d.Region != spec.Region {
		out = append(out, Difference{"region", d.Region, spec.Region})
	}
	if d.Monitoring != want.Monitoring && spec.Autoscale == nil {
		out = append(out, Difference{"monitoring", strconv.FormatBool(d.Monitoring), strconv.FormatBool(want.Monitoring)})
	}
	if d.IPv6 != want.IPv6 {
		out = append(out, Difference{"ipv6", strconv.FormatBool(d.IPv6), strconv.FormatBool(want.IPv6)})
	}
	return out
}

// adoptsAsCurrent reports whether an adopted droplet is taken as built from
// the spec's template: everything observable matches, and the import did
// not say its user_data or SSH keys differ.
func (p *planner) adoptsAsCurrent(d Droplet) bool {
	return !p.fleet.Adopt.ReplaceDroplets && len(TemplateDifferences(p.spec, d)) == 0
}

// adoptionSteps orders a plan that adopts droplets so the load balancer
// never has fewer targets: every tag the droplets gain (the tier tag on all
// adopted ones, the revision on those taken as current) is added in a
// phase of its own before anything else, and tags they lose are removed
// only after the load balancer targets the tier tag (a hand-made load
// balancer may target one of them). It takes those steps out of setup.
func (p *planner) adoptionSteps(outdated []Droplet) (first, afterLB Phase) {
	tag := Tag(p.spec.Name)
	var rest Phase
	for _, s := range p.setup {
		switch s.Op {
		case OpTagDroplets:
			first = append(first, s)
		case OpUntagDroplets:
			afterLB = append(afterLB, s)
		default:
			rest = append(rest, s)
		}
	}
	p.setup = rest
	var untagged []int
	for _, d := range outdated {
		if p.fleet.AdoptionPending(p.spec.Name, d) {
			untagged = append(untagged, d.ID)
		}
	}
	if len(untagged) > 0 {
		i := slices.IndexFunc(first, func(s Step) bool { return s.Tag == tag })
		if i < 0 {
			first = append(first, Step{Op: OpTagDroplets, Tag: tag})
			i = len(first) - 1
		}
		first[i].Droplets = sortedInts(slices.Concat(first[i].Droplets, untagged))
		first[i].Reason = "adopted droplets join the tier"
	}
	for _, d := range p.fleet.Droplets {
		if p.fleet.AdoptionPending(p.spec.Name, d) {
			p.summary.Adopted++
		}
	}
	return first, afterLB
}

// insertAfterLoadBalancerUpdate puts steps in a phase of their own right
// after the one updating (or creating) the load balancer.
func insertAfterLoadBalancerUpdate(phases []Phase, steps Phase) []Phase {
	for i, ph := range phases {
		if slices.ContainsFunc(ph, func(s Step) bool { return s.Op == OpUpdateLoadBalancer || s.Op == OpCreateLoadBalancer }) {
			return slices.Insert(phases, i+1, steps)
		}
	}
	return append(phases, steps)
}

// adoptedAlert takes, for the index-th alert of the spec, the first unused
// adopted policy of the same metric.
func (p *planner) adoptedAlert(a AlertSpec, used map[string]bool) (AlertPolicy, bool) {
	m, _ := LookupAlertMetric(a.Metric)
	for _, pol := range p.fleet.AdoptedAlerts {
		if !used[pol.UUID] && pol.Type == m.Type {
			used[pol.UUID] = true
			return pol, true
		}
	}
	return AlertPolicy{}, false
}
