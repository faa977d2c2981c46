package tier

import "slices"

// OpCheckpoint pauses a canary rollout once Count percent of the fleet is
// replaced (rollout_checkpoint_execute.go): after the wave's new droplets
// are healthy and before its old ones leave, so a failed checkpoint can
// take the new ones out with the old ones still serving.
const OpCheckpoint Op = "checkpoint"

// checkpointWaves is the wave engine's rollout (Waves) cut at the
// checkpoints: a wave never creates past the next checkpoint's count
// (ceil(percent x target / 100)), so the rollout can pause exactly there.
// Budgets only shrink, so the capacity bounds still hold. It returns the
// waves and, by wave number, the checkpoint percent reached after it.
func checkpointWaves(target, current, outdated, surge, unavailable int, checkpoints []int) ([]Wave, map[int]int) {
	marks := map[int]int{}
	var out []Wave
	created := 0
	cps := slices.Clone(checkpoints)
	slices.Sort(cps)
	for outdated > 0 || current < target {
		s, u := surge, unavailable
		cp := 0
		for len(cps) > 0 {
			goal := (cps[0]*target + 99) / 100
			if goal > created && cps[0] < 100 {
				cp = cps[0]
				rem := goal - created
				s = min(surge, rem)
				u = min(unavailable, max(rem-s, 0))
				if s == 0 && u == 0 {
					u = 1 // surge 0: the one droplet the checkpoint still needs goes out first
				}
				break
			}
			cps = cps[1:]
		}
		w := NextWave(target, current, outdated, s, u)
		if w == (Wave{}) {
			break
		}
		out = append(out, w)
		created += w.Add
		current += w.Add
		outdated -= w.RemoveFirst + w.RemoveAfter
		if cp > 0 && created >= (cp*target+99)/100 && (outdated > 0 || current < target) {
			marks[len(out)] = cp
			cps = cps[1:]
		}
	}
	return out, marks
}

// insertCheckpoints puts each checkpoint's pause right after the phase
// waiting for its wave's new droplets.
func insertCheckpoints(phases []Phase, marks map[int]int) []Phase {
	if len(marks) == 0 {
		return phases
	}
	var out []Phase
	for _, ph := range phases {
		out = append(out, ph)
		for _, s := range ph {
			if pct, ok := marks[s.Wave]; ok && s.Op == OpWaitDroplets {
				out = append(out, Phase{{Op: OpCheckpoint, Wave: s.Wave, Count: pct}})
			}
		}
	}
	return out
}
