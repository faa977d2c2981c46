package tier

// The wave engine: one rule for every rolling replacement, fixed droplets
// and autoscale pools alike. A wave takes old droplets out of service
// before anything new exists (within max_unavailable), adds new ones
// (within max_surge), waits until they serve, then takes out the old ones
// they replace.

// Wave is one step of a rolling replacement, counted in droplets.
type Wave struct {
	RemoveFirst int // old droplets out of service before the new ones exist
	Add         int // new droplets, waited for until they serve
	RemoveAfter int // old droplets out of service once the new ones serve
}

// NextWave is the next wave when current droplets of the new template and
// outdated ones serve and the tier settles at target. Serving capacity stays
// at least target-unavailable (or what serves now, if less) and the tier
// never holds more than target+surge droplets (or what it holds now, if
// more). Every wave makes progress: with both budgets at 0 (which
// validation refuses) it moves one droplet at a time.
func NextWave(target, current, outdated, surge, unavailable int) Wave {
	floor := max(min(target-unavailable, current+outdated), 0)
	var w Wave
	w.RemoveFirst = min(outdated, max(current+outdated-floor, 0))
	outdated -= w.RemoveFirst
	w.Add = max(min(target-current, target+surge-(current+outdated)), 0)
	if w.Add == 0 && w.RemoveFirst == 0 {
		switch {
		case current < target:
			w.Add = 1
		case outdated > 0:
			w.RemoveFirst = 1
			outdated--
		}
	}
	current += w.Add
	w.RemoveAfter = min(outdated, max(current+outdated-target, 0))
	return w
}

// Waves is a whole rollout of fixed droplets: waves until target droplets
// of the new template serve and no outdated one is left.
func Waves(target, current, outdated, surge, unavailable int) []Wave {
	return rollout(target, current, outdated, surge, unavailable, func(current, outdated int) bool {
		return outdated == 0 && current >= target
	})
}

// PoolWaves is a whole rollout into an autoscale pool: waves until no old
// droplet is left (the pool's own min_instances then sizes it).
func PoolWaves(target, current, outdated, surge, unavailable int) []Wave {
	return rollout(target, current, outdated, surge, unavailable, func(_, outdated int) bool {
		return outdated == 0
	})
}

func rollout(target, current, outdated, surge, unavailable int, done func(current, outdated int) bool) []Wave {
	var out []Wave
	for !done(current, outdated) {
		w := NextWave(target, current, outdated, surge, unavailable)
		if w == (Wave{}) {
			break // nothing left to move (target 0 with nothing outdated)
		}
		out = append(out, w)
		current += w.Add
		outdated -= w.RemoveFirst + w.RemoveAfter
	}
	return out
}
