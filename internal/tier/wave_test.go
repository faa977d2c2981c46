package tier

import (
	"fmt"
	"testing"
)

// The wave engine keeps the rollout's promises in every shape, wave by
// wave, for fixed droplets (Waves) and autoscale pools (PoolWaves): serving
// capacity never below target-max_unavailable (or what served at the
// start, if less), never more than target+max_surge droplets (or what
// existed at the start, if more), and it ends with target droplets of the
// new template and no old one.
func TestWaveEngineInvariantsExhaustive(t *testing.T) {
	shapes := 0
	for target := 0; target <= 12; target++ {
		for current := 0; current <= target; current++ {
			for outdated := 0; outdated <= 14; outdated++ {
				for surge := 0; surge <= 4; surge++ {
					for unavailable := 0; unavailable <= 4; unavailable++ {
						name := fmt.Sprintf("target=%d current=%d outdated=%d surge=%d unavailable=%d", target, current, outdated, surge, unavailable)
						checkWaves(t, "fixed "+name, Waves(target, current, outdated, surge, unavailable), target, current, outdated, surge, unavailable, true)
						if outdated > 0 && target > 0 {
							checkWaves(t, "pool "+name, PoolWaves(target, current, outdated, surge, unavailable), target, current, outdated, surge, unavailable, false)
						}
						shapes++
					}
				}
			}
		}
	}
	t.Logf("%d shapes, each as a fixed and (with old droplets) a pool rollout", shapes)
}

func checkWaves(t *testing.T, name string, waves []Wave, target, m, o, surge, unavailable int, fixed bool) {
	t.Helper()
	floor := min(target-unavailable, m+o)
	ceiling := max(target+surge, m+o)
	budgetless := surge == 0 && unavailable == 0
	if len(waves) > target+o+1 {
		t.Fatalf("%s: %d waves", name, len(waves))
	}
	for i, w := range waves {
		if w.RemoveFirst < 0 || w.Add < 0 || w.RemoveAfter < 0 || w == (Wave{}) {
			t.Fatalf("%s: wave %d is %+v", name, i+1, w)
		}
		o -= w.RemoveFirst
		// While the new droplets boot, only m+o serve; all m+o+Add exist.
		if m+o < floor && !budgetless {
			t.Fatalf("%s: wave %d serves %d, below %d", name, i+1, m+o, floor)
		}
		if m+o+w.Add > ceiling && !budgetless {
			t.Fatalf("%s: wave %d has %d droplets, above %d", name, i+1, m+o+w.Add, ceiling)
		}
		m += w.Add
		o -= w.RemoveAfter
		if o < 0 {
			t.Fatalf("%s: wave %d removes more than there is", name, i+1)
		}
	}
	if o != 0 || m != target {
		t.Fatalf("%s: ends with %d new and %d old, want %d and 0", name, m, o, target)
	}
	if next := NextWave(target, m, o, surge, unavailable); next != (Wave{}) {
		t.Fatalf("%s: a finished rollout still has a wave: %+v", name, next)
	}
}
