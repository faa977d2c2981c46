package tier

import (
	"strings"
	"testing"
)

// In place: a change of size alone resizes the droplets in waves of
// max_unavailable (at least 1) and keeps them; anything else about the
// template, a count change or a broken droplet falls back to replacement.
func TestPlanResizeInPlace(t *testing.T) {
	base := baseSpec(4)
	f := fleetOf(base, 4, 0)
	for i := range f.Droplets {
		f.Droplets[i].Size = base.Droplet.Size
	}
	cases := []struct {
		name        string
		change      func(*Spec, *Fleet)
		wantResize  int
		wantWaves   int
		wantRemoved bool
	}{
		{name: "size alone, max_unavailable 0: one at a time", change: func(s *Spec, _ *Fleet) {}, wantResize: 4, wantWaves: 4},
		{name: "size alone, max_unavailable 50%: two at a time", change: func(s *Spec, _ *Fleet) { s.Rollout.MaxUnavailable = Percent(50) }, wantResize: 4, wantWaves: 2},
		{name: "size and image: replaced", change: func(s *Spec, _ *Fleet) { s.Droplet.Image = "debian-13-x64" }, wantWaves: 4, wantRemoved: true},
		{name: "size and a scale out: replaced", change: func(s *Spec, _ *Fleet) { s.Droplet.Instances = 5 }, wantWaves: 4, wantRemoved: true},
		{name: "size with a droplet off: replaced", change: func(_ *Spec, f *Fleet) { f.Droplets[0].Status = StatusOff }, wantRemoved: true, wantWaves: 3},
		{name: "resize replace (default): replaced", change: func(s *Spec, _ *Fleet) { s.Rollout.Resize = ResizeReplace }, wantWaves: 4, wantRemoved: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := base
			spec.Droplet.Size = "s-2vcpu-2gb"
			spec.Rollout.Resize = ResizeInPlace
			fl := f
			fl.Droplets = append([]Droplet(nil), f.Droplets...)
			tc.change(&spec, &fl)
			p := checkPure(t, spec, fl)
			s := p.Summary
			if s.Resize != tc.wantResize || s.Waves != tc.wantWaves {
				t.Fatalf("summary %+v, want resize %d in %d waves\n%s", s, tc.wantResize, tc.wantWaves, p)
			}
			removes := hasOp(p.Phases, OpDeleteDroplets)
			if removes != tc.wantRemoved || hasOp(p.Phases, OpResizeDroplets) != (tc.wantResize > 0) {
				t.Fatalf("deletes %v resizes %v, want deletes %v\n%s", removes, hasOp(p.Phases, OpResizeDroplets), tc.wantRemoved, p)
			}
			if tc.wantResize == 0 {
				return
			}
			if len(p.Keep) != 4 {
				t.Errorf("keeps %v, want all 4 droplets", p.Keep)
			}
			if !strings.Contains(s.String(), "4 droplets will be resized in place in") {
				t.Errorf("summary %q", s.String())
			}
			// One wave at a time, each within max_unavailable (at least 1).
			u := spec.Rollout.InPlaceUnavailable(4)
			for i, ph := range p.Phases {
				for _, st := range ph {
					if st.Op == OpResizeDroplets && (len(ph) != 1 || len(st.Droplets) > u) {
						t.Errorf("phase %d resizes %v alongside %d steps, max %d at once", i+1, st.Droplets, len(ph)-1, u)
					}
				}
			}
		})
	}
}
