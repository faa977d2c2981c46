package tier

import (
	"fmt"
	"testing"
)

// Checkpoints cut the waves so the rollout pauses exactly at each
// percentage: 100 droplets at 25% surge with checkpoints at 10 and 50
// roll 10, then 25 and 15 (50 replaced), then 25 and 25.
func TestPlanCheckpointsCutTheWaves(t *testing.T) {
	spec := baseSpec(100)
	spec.Rollout.MaxSurge = Percent(25)
	spec.Rollout.Checkpoints = []int{10, 50}
	f := fleetOf(spec, 0, 100)
	p := checkPure(t, spec, f)
	var sizes []int
	var pauses []string
	for _, s := range p.Steps() {
		switch s.Op {
		case OpCreateDroplets:
			sizes = append(sizes, s.Count)
		case OpCheckpoint:
			pauses = append(pauses, fmt.Sprintf("%d%% after wave %d", s.Count, s.Wave))
		}
	}
	if fmt.Sprint(sizes) != "[10 25 15 25 25]" || fmt.Sprint(pauses) != "[10% after wave 1 50% after wave 3]" {
		t.Fatalf("waves %v, pauses %v\n%s", sizes, pauses, p)
	}
	if p.Summary.Checkpoints != 2 || p.Summary.Waves != 5 {
		t.Errorf("summary %+v", p.Summary)
	}
	// The pause comes after the wave is healthy and before its old droplets leave.
	for i, ph := range p.Phases {
		if ph[0].Op == OpCheckpoint && (p.Phases[i-1][0].Op != OpWaitDroplets || p.Phases[i+1][0].Op != OpDrainDroplets) {
			t.Errorf("phase %d: checkpoint between %v and %v", i+1, p.Phases[i-1], p.Phases[i+1])
		}
	}
	if serving, total := simulate(t, spec, f, p); serving != 100 || total != 100 {
		t.Fatalf("ends with %d serving of %d", serving, total)
	}
}

// The planner sweep with checkpoints: every shape keeps the capacity
// invariants, reaches each checkpoint's count exactly when it pauses, and
// ends at the target.
func TestPlanCheckpointInvariantsExhaustive(t *testing.T) {
	sets := [][]int{{10}, {50}, {10, 50}, {1, 99}, {33, 66}}
	shapes := 0
	for n := 1; n <= 14; n++ {
		for old := 1; old <= n+1; old++ {
			for _, cur := range []int{0, n - min(old, n)} {
				for _, surge := range []Budget{Percent(25), Percent(0), Droplets(1), Droplets(3)} {
					for _, unavailable := range []Budget{Droplets(0), Percent(25), Droplets(2)} {
						if !surge.Percent && surge.Value == 0 && unavailable.Value == 0 {
							continue
						}
						for _, cps := range sets {
							spec := baseSpec(n)
							spec.Rollout.MaxSurge, spec.Rollout.MaxUnavailable, spec.Rollout.Checkpoints = surge, unavailable, cps
							f := fleetOf(spec, cur, old)
							name := fmt.Sprintf("n=%d cur=%d old=%d surge=%s unavail=%s cps=%v", n, cur, old, surge, unavailable, cps)
							p := ComputePlan(spec, f)
							if serving, total := simulate(t, spec, f, p); serving != n || total != n {
								t.Fatalf("%s: ends with %d serving of %d\n%s", name, serving, total, p)
							}
							created := 0
							for _, s := range p.Steps() {
								switch s.Op {
								case OpCreateDroplets:
									created += s.Count
								case OpCheckpoint:
									// Exact in a pure replacement; a scale out adds its capacity first.
									if want := (s.Count*n + 99) / 100; created < want || (cur+old == n && created != want) {
										t.Fatalf("%s: pauses at %d%% with %d created, want %d\n%s", name, s.Count, created, want, p)
									}
								}
							}
							shapes++
						}
					}
				}
			}
		}
	}
	t.Logf("%d shapes", shapes)
}
