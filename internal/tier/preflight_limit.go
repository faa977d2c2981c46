package tier

import (
	"fmt"
	"strconv"
)

// PeakDroplets is the most droplets the tier holds at once while the plan
// for (spec, fleet) runs. It walks ComputePlan's phases rather than
// redoing the wave arithmetic, so it follows the planner wherever it goes:
//   - it starts from every droplet of the fleet (off and drained ones count
//     against the limit until they are deleted);
//   - steps of a phase run at the same time, so a phase's creates count
//     before its deletes are done: droplets a wave takes out of service
//     first (max_unavailable, scale-in) are deleted while the wave's new
//     ones are created, and DigitalOcean counts them until they are gone;
//     what an earlier phase deleted is off the count;
//   - an autoscale pool's creation adds its min_instances, and a rollout
//     into a pool runs the wave engine's PoolWaves, retiring each wave's
//     first droplets completely before the pool grows (see rollPool).
//
// An autoscale pool may later grow to max_instances on its own; that is
// checked separately.
func PeakDroplets(spec Spec, fleet Fleet) int {
	count := len(fleet.Droplets)
	peak := count
	for _, phase := range ComputePlan(spec, fleet).Phases {
		creates, deletes := 0, 0
		for _, s := range phase {
			switch s.Op {
			case OpCreateDroplets:
				creates += s.Count
			case OpDeleteDroplets:
				deletes += len(s.Droplets)
			case OpCreatePool:
				creates += spec.Autoscale.MinInstances
			case OpUpdatePool:
				// The pool grows to min_instances when it has fewer.
				creates += max(spec.Autoscale.MinInstances-count, 0)
			case OpRollPool:
				var most int
				count, most = poolRolloutPeak(spec.Rollout, s, count)
				peak = max(peak, most)
			}
		}
		peak = max(peak, count+creates)
		count += creates - deletes
	}
	return peak
}

// poolRolloutPeak follows a rollout into a pool wave by wave from count
// droplets (the pool's members and the leaving ones) and returns the count
// after it and the most at once.
func poolRolloutPeak(r RolloutSpec, s Step, count int) (after, peak int) {
	leaving := len(s.Droplets)
	peak = count
	surge, unavailable := r.Budgets(s.Count)
	for _, w := range PoolWaves(s.Count, count-leaving, leaving, surge, unavailable) {
		count -= w.RemoveFirst
		peak = max(peak, count+w.Add)
		count += w.Add - w.RemoveAfter
	}
	return count, peak
}

// checkDropletLimit compares what the tier needs with the room the
// account's droplet limit leaves it: the limit minus the droplets outside
// the tier (the account's count minus the fleet's). The tier's steady size
// (instances, or an autoscale pool's max_instances) must fit, and so must
// the plan's peak (PeakDroplets) when the plan creates droplets.
func (c *preflight) checkDropletLimit() {
	if !c.cat.Has(PartAccount) {
		return
	}
	for _, p := range []Path{pathInstances, pathMinInstances, pathMaxInstances, pathMaxSurge, pathMaxUnavail} {
		if c.unknown.has(p) {
			return
		}
	}
	acct := c.cat.Account
	have := len(c.fleet.Droplets)
	outside := max(acct.Droplets-have, 0)
	room := acct.DropletLimit - outside
	why := fmt.Sprintf("the account's droplet limit of %d leaves room for %d, as %d droplet(s) exist outside this tier", acct.DropletLimit, max(room, 0), outside)
	allowed := fmt.Sprintf("at most %d droplets at once, or a higher droplet limit (ask DigitalOcean support) or fewer droplets elsewhere", max(room, 0))

	steady, steadyPath := c.spec.Droplet.Instances, pathInstances
	if a := c.spec.Autoscale; a != nil {
		steady, steadyPath = a.MaxInstances, pathMaxInstances
	}
	if steady > room && (c.spec.Autoscale != nil || steady > have) {
		c.add(Problem{Path: steadyPath, Code: ProblemDropletLimit, Value: strconv.Itoa(steady),
			Message: fmt.Sprintf("%s = %d does not fit: %s", steadyPath, steady, why),
			Allowed: allowed, Suggestions: countSuggestion(room)})
		return
	}
	peak := PeakDroplets(c.spec, c.fleet)
	if peak <= room || peak <= have {
		return
	}
	c.add(Problem{Path: pathMaxSurge, Code: ProblemDropletLimit, Value: c.spec.Rollout.MaxSurge.String(),
		Message: fmt.Sprintf("this change holds up to %d droplets at once while droplets are replaced (%d now), but %s", peak, have, why),
		Allowed: allowed, Suggestions: c.surgeThatFits(room)})
}

// surgeThatFits is the largest max_surge (in droplets) below the spec's
// whose rollout peak fits in room, if any.
func (c *preflight) surgeThatFits(room int) []string {
	s := c.spec
	target := s.Droplet.Instances
	if s.Autoscale != nil {
		target = s.Autoscale.MinInstances
	}
	for surge := s.Rollout.MaxSurge.Of(target, true) - 1; surge >= 0; surge-- {
		s.Rollout.MaxSurge = Droplets(surge)
		if PeakDroplets(s, c.fleet) <= room {
			return []string{strconv.Itoa(surge)}
		}
	}
	return nil
}

func countSuggestion(room int) []string {
	if room < 1 {
		return nil
	}
	return []string{strconv.Itoa(room)}
}
