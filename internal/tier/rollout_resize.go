package tier

import (
	"slices"
)

// Resize modes of a rollout.
const (
	ResizeReplace = "replace"  // new droplets of the new size (default)
	ResizeInPlace = "in_place" // power off, resize, power on: same droplet, id and IPs
)

// OpResizeDroplets resizes a wave of droplets in place (rollout_resize_execute.go).
const OpResizeDroplets Op = "resize_droplets"

// resizable returns the outdated droplets to resize in place, when the
// rollout says so and only the size changes: every outdated droplet
// differs from the spec's template by its size alone, the count stays and
// nothing is broken. Otherwise nil (they are replaced).
func (p *planner) resizable(n int, current, outdated, broken []Droplet) []Droplet {
	if p.spec.Rollout.Resize != ResizeInPlace || len(outdated) == 0 || len(broken) > 0 || len(current)+len(outdated) != n {
		return nil
	}
	for _, d := range outdated {
		was := p.spec.Droplet
		was.Size = d.Size
		if d.Status != StatusActive || d.Size == p.spec.Droplet.Size || was.Revision() != d.Revision() {
			return nil
		}
	}
	out := slices.Clone(outdated)
	p.sortOutdated(out)
	return out
}

// InPlaceUnavailable is how many droplets an in-place wave takes out of
// service: max_unavailable, at least 1 (a droplet being resized is off).
func (r RolloutSpec) InPlaceUnavailable(n int) int {
	return max(r.MaxUnavailable.Of(n, false), 1)
}

// resizePhases are the in-place waves: one phase per wave, each resizing
// up to InPlaceUnavailable droplets, one wave at a time.
func (p *planner) resizePhases(n int, ds []Droplet) []Phase {
	if len(ds) == 0 {
		return nil
	}
	size := p.spec.Rollout.InPlaceUnavailable(n)
	var phases []Phase
	for i := 0; i < len(ds); i += size {
		chunk := ds[i:min(i+size, len(ds))]
		phases = append(phases, Phase{{Op: OpResizeDroplets, Wave: len(phases) + 1, Droplets: ids(chunk), Health: true}})
		p.summary.WaveSize = max(p.summary.WaveSize, len(chunk))
	}
	p.summary.Replace += len(ds)
	p.summary.Resize = len(ds)
	p.summary.Waves = len(phases)
	return phases
}
