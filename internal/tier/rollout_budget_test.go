package tier

import (
	"fmt"
	"testing"
)

func TestParseBudget(t *testing.T) {
	cases := []struct {
		in   string
		want Budget
		bad  bool
	}{
		{in: "0", want: Droplets(0)},
		{in: "3", want: Droplets(3)},
		{in: "25%", want: Percent(25)},
		{in: "0%", want: Percent(0)},
		{in: "100%", want: Percent(100)},
		{in: "101%", bad: true},
		{in: "-1", bad: true},
		{in: "1.5", bad: true},
		{in: "25 %", bad: true},
		{in: "%", bad: true},
		{in: "", bad: true},
		{in: "+2", bad: true},
		{in: "02", bad: true},
		{in: "two", bad: true},
	}
	for _, tc := range cases {
		got, err := ParseBudget(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("ParseBudget(%q) = %+v, %v; want %+v, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
		if !tc.bad && got.String() != tc.in {
			t.Errorf("ParseBudget(%q).String() = %q", tc.in, got.String())
		}
	}
}

// Percentages round as Kubernetes rounds them: surge up, unavailable down;
// both coming to 0 leaves one droplet unavailable.
func TestRolloutBudgetsRoundLikeKubernetes(t *testing.T) {
	cases := []struct {
		surge, unavailable Budget
		n                  int
		wantS, wantU       int
	}{
		{Percent(25), Droplets(0), 100, 25, 0},
		{Percent(25), Droplets(0), 10, 3, 0},
		{Percent(25), Droplets(0), 1, 1, 0},
		{Percent(25), Percent(25), 10, 3, 2},
		{Percent(0), Percent(10), 5, 0, 1},  // both 0: one unavailable
		{Percent(10), Percent(10), 0, 0, 1}, // an empty target
		{Percent(100), Percent(100), 7, 7, 7},
		{Percent(33), Percent(33), 3, 1, 0},
		{Droplets(2), Percent(50), 5, 2, 2},
		{Droplets(0), Droplets(0), 5, 0, 0}, // literal zeros: the engine's one-at-a-time mode
	}
	for _, tc := range cases {
		r := RolloutSpec{MaxSurge: tc.surge, MaxUnavailable: tc.unavailable}
		if s, u := r.Budgets(tc.n); s != tc.wantS || u != tc.wantU {
			t.Errorf("surge %s unavailable %s of %d: %d, %d; want %d, %d", tc.surge, tc.unavailable, tc.n, s, u, tc.wantS, tc.wantU)
		}
	}
}

// The default of 25% surge rolls 100 droplets in 4 waves of 25.
func TestPlanDefaultSurgeRollsAHundredInFourWaves(t *testing.T) {
	spec := baseSpec(100)
	spec.Rollout.MaxSurge, spec.Rollout.MaxUnavailable = Percent(25), Droplets(0)
	f := fleetOf(spec, 0, 100)
	p := ComputePlan(spec, f)
	if s := p.Summary; s.Waves != 4 || s.WaveSize != 25 || s.Replace != 100 {
		t.Fatalf("summary %+v, want 100 replaced in 4 waves of 25\n%s", s, p)
	}
	if serving, total := simulate(t, spec, f, p); serving != 100 || total != 100 {
		t.Fatalf("ends with %d serving of %d", serving, total)
	}
}

// The planner sweep over percentages: every fleet shape with surge and
// unavailable as percentages keeps the capacity invariants after every
// phase (simulate), ends at the target, and plans deterministically.
func TestPlanRolloutPercentInvariantsExhaustive(t *testing.T) {
	pcts := []int{0, 1, 10, 25, 33, 50, 75, 100}
	shapes := 0
	for n := 1; n <= 16; n++ {
		for _, cur := range []int{0, 1, n / 2, n} {
			for old := 0; old <= n+2; old++ {
				for _, surge := range pcts {
					for _, unavailable := range pcts {
						spec := baseSpec(n)
						spec.Rollout.MaxSurge, spec.Rollout.MaxUnavailable = Percent(surge), Percent(unavailable)
						f := fleetOf(spec, cur, old)
						name := fmt.Sprintf("n=%d cur=%d old=%d surge=%d%% unavail=%d%%", n, cur, old, surge, unavailable)
						p := ComputePlan(spec, f)
						checkKeepPartitionsFleet(t, f, p)
						serving, total := simulate(t, spec, f, p)
						if serving != n || total != n {
							t.Fatalf("%s: ends with %d serving of %d, want %d\n%s", name, serving, total, n, p)
						}
						if again := ComputePlan(spec, f); again.String() != p.String() {
							t.Fatalf("%s: plan is not deterministic:\n%s\n%s", name, p, again)
						}
						// A pure replacement creates at most surge+unavailable per wave.
						s, u := spec.Rollout.Budgets(n)
						if old > 0 && cur+old == n && p.Summary.WaveSize > max(s+u, 1) {
							t.Fatalf("%s: a wave of %d, above surge %d + unavailable %d", name, p.Summary.WaveSize, s, u)
						}
						shapes++
					}
				}
			}
		}
	}
	t.Logf("%d shapes", shapes)
}
