package tier

import (
	"fmt"
	"strconv"
	"strings"
)

// Budget is max_surge or max_unavailable: a number of droplets, or a
// percentage of the rollout's target that is resolved when the target is
// known (a pool's target, or instances after a scale change).
type Budget struct {
	Value   int
	Percent bool
}

// Droplets is a budget of n droplets.
func Droplets(n int) Budget { return Budget{Value: n} }

// Percent is a budget of pct percent of the target.
func Percent(pct int) Budget { return Budget{Value: pct, Percent: true} }

// ParseBudget reads "3" or "25%". It refuses anything else, negative
// numbers and percentages above 100.
func ParseBudget(s string) (Budget, error) {
	num, pct := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || num != strconv.Itoa(n) {
		return Budget{}, fmt.Errorf("%q is not a whole number of droplets (such as 2) or a percentage (such as \"25%%\")", s)
	}
	if pct && n > 100 {
		return Budget{}, fmt.Errorf("%q is more than 100%%", s)
	}
	return Budget{Value: n, Percent: pct}, nil
}

func (b Budget) String() string {
	if b.Percent {
		return strconv.Itoa(b.Value) + "%"
	}
	return strconv.Itoa(b.Value)
}

// Of is the budget in droplets for a target of n droplets. Percentages
// round as Kubernetes rounds them: surge up (roundUp), unavailable down.
func (b Budget) Of(n int, roundUp bool) int {
	if !b.Percent {
		return b.Value
	}
	if roundUp {
		return (b.Value*n + 99) / 100
	}
	return b.Value * n / 100
}

// Budgets resolves max_surge and max_unavailable for a rollout whose
// target is n droplets. When both come to 0 (small percentages of a small
// fleet), one droplet may be unavailable so the rollout still moves, as
// Kubernetes does. (Literal zeros, which validation refuses, are left to
// the wave engine's one-at-a-time mode.)
func (r RolloutSpec) Budgets(n int) (surge, unavailable int) {
	surge, unavailable = r.MaxSurge.Of(n, true), r.MaxUnavailable.Of(n, false)
	if surge == 0 && unavailable == 0 && (r.MaxSurge.Percent || r.MaxUnavailable.Percent) {
		unavailable = 1
	}
	return surge, unavailable
}
