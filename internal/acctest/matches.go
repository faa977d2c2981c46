package acctest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// CheckMatchesState asserts the sandbox holds exactly what the state of
// resource addr says: the same droplets (and no others), the same load
// balancer, the same alert policies. Nothing leaked, nothing lost.
func (e *Env) CheckMatchesState(addr string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		attrs := rs.Primary.Attributes
		var stateDroplets []int
		n, _ := strconv.Atoi(attrs["droplets.#"])
		for i := 0; i < n; i++ {
			id, err := strconv.Atoi(attrs[fmt.Sprintf("droplets.%d.id", i)])
			if err != nil {
				return err
			}
			stateDroplets = append(stateDroplets, id)
		}
		var stateAlerts []string
		n, _ = strconv.Atoi(attrs["alert_policy_ids.#"])
		for i := 0; i < n; i++ {
			stateAlerts = append(stateAlerts, attrs[fmt.Sprintf("alert_policy_ids.%d", i)])
		}
		var droplets []int
		var lbs, alerts []string
		e.Sandbox.Inspect(func(w *sandbox.World) {
			for id := range w.Droplets {
				droplets = append(droplets, id)
			}
			for id := range w.LoadBalancers {
				lbs = append(lbs, id)
			}
			for id := range w.AlertPolicies {
				alerts = append(alerts, id)
			}
		})
		slices.Sort(droplets)
		slices.Sort(stateDroplets)
		slices.Sort(alerts)
		slices.Sort(stateAlerts)
		var problems []string
		if !slices.Equal(droplets, stateDroplets) {
			problems = append(problems, fmt.Sprintf("droplets: sandbox %v, state %v", droplets, stateDroplets))
		}
		if len(lbs) != 1 || lbs[0] != attrs["load_balancer_id"] {
			problems = append(problems, fmt.Sprintf("load balancers: sandbox %v, state %q", lbs, attrs["load_balancer_id"]))
		}
		if !slices.Equal(alerts, stateAlerts) {
			problems = append(problems, fmt.Sprintf("alert policies: sandbox %v, state %v", alerts, stateAlerts))
		}
		if len(problems) > 0 {
			return fmt.Errorf("sandbox and state disagree: %s", strings.Join(problems, "; "))
		}
		return nil
	}
}
