package provider_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// handMadeLB creates a load balancer outside Terraform, targeting tag.
func handMadeLB(t *testing.T, e *acctest.Env, name, tag string) string {
	t.Helper()
	lb, _, err := e.Godo().LoadBalancers.Create(context.Background(), &godo.LoadBalancerRequest{
		Name: name, Region: "nyc3", SizeUnit: 1, Tag: tag,
		ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
	})
	if err != nil {
		t.Fatalf("create load balancer %s: %v", name, err)
	}
	return lb.ID
}

// handMadeAlert creates an alert policy outside Terraform on the tier tag.
func handMadeAlert(t *testing.T, e *acctest.Env, tag, description string) string {
	t.Helper()
	enabled := true
	p, _, err := e.Godo().Monitoring.CreateAlertPolicy(context.Background(), &godo.AlertPolicyCreateRequest{
		Type: "v1/insights/droplet/cpu", Description: description, Compare: godo.GreaterThan, Value: 85, Window: "5m",
		Tags: []string{tag}, Entities: []string{}, Alerts: godo.Alerts{Email: []string{"ops@example.com"}, Slack: []godo.SlackDetails{}}, Enabled: &enabled,
	})
	if err != nil {
		t.Fatalf("create alert policy %q: %v", description, err)
	}
	return p.UUID
}

// accountInventory lists every load balancer ("name -> target tag") and
// alert policy (description) of the sandbox account by id.
func accountInventory(e *acctest.Env) (lbs, alerts map[string]string) {
	lbs, alerts = map[string]string{}, map[string]string{}
	e.Sandbox.Inspect(func(w *sandbox.World) {
		for id, lb := range w.LoadBalancers {
			lbs[id] = lb.Name + " -> " + lb.Tag
		}
		for id, p := range w.AlertPolicies {
			alerts[id] = p.Description
		}
	})
	return lbs, alerts
}

// checkTierInventory asserts the tier owns exactly one load balancer (the
// one in state) and one alert policy (the one in state), and that the
// hand-made namesake load balancer and alert policy are untouched.
func checkTierInventory(e *acctest.Env, namesake, foreignAlert string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[addr].Primary.Attributes
		lbs, alerts := accountInventory(e)
		var targeting, marked []string
		for id, v := range lbs {
			if strings.HasSuffix(v, "-> scalable-tier:barsweb") {
				targeting = append(targeting, id)
			}
		}
		for id, d := range alerts {
			if strings.Contains(d, "[scalable-tier:barsweb#") {
				marked = append(marked, id)
			}
		}
		switch {
		case len(targeting) != 1 || targeting[0] != attrs["load_balancer_id"]:
			return fmt.Errorf("load balancers targeting the tier tag: %v, state has %q; all: %v", targeting, attrs["load_balancer_id"], lbs)
		case len(marked) != 1 || marked[0] != attrs["alert_policy_ids.0"]:
			return fmt.Errorf("alert policies with the tier's marker: %v, state has %q; all: %v", marked, attrs["alert_policy_ids.0"], alerts)
		case lbs[namesake] != "barsweb-lb -> hand-made":
			return fmt.Errorf("the hand-made namesake load balancer %s is now %q", namesake, lbs[namesake])
		case alerts[foreignAlert] != "cpu of the barsweb droplets":
			return fmt.Errorf("the hand-made alert policy %s is now %q", foreignAlert, alerts[foreignAlert])
		}
		return nil
	}
}

// The tag is the inventory. With a hand-made load balancer named like the
// tier's (DigitalOcean allows duplicate names) and a hand-made alert
// policy on the tier's tag, creates whose answers are lost make one load
// balancer and one policy, and the namesake is never touched. A load
// balancer made by hand that targets the tier's tag is drift the next
// apply deletes; destroy deletes every load balancer targeting the tag and
// every policy with the tier's marker, and leaves the hand-made ones.
func TestAccWebTierOwnsWhatTargetsItsTag(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:barsweb"
	namesake := handMadeLB(t, e, "barsweb-lb", "hand-made")
	foreignAlert := handMadeAlert(t, e, tag, "cpu of the barsweb droplets")
	for _, ep := range []string{"POST /v2/load_balancers", "POST /v2/monitoring/alerts"} {
		if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: ep, FailNext: 1, Status: 502, AfterCommit: true}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := reliableConfig(e, "barsweb", 1, "ubuntu-22-04-x64", 1, "")
	inventory := checkTierInventory(e, namesake, foreignAlert)
	var first string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy: func(*terraform.State) error {
			lbs, alerts := accountInventory(e)
			if len(lbs) != 1 || lbs[namesake] == "" || len(alerts) != 1 || alerts[foreignAlert] == "" || e.Inventory().Droplets != 0 {
				return fmt.Errorf("after destroy: load balancers %v, alert policies %v, %d droplets; want only the hand-made ones", lbs, alerts, e.Inventory().Droplets)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(inventory, func(s *terraform.State) error {
					first = s.RootModule().Resources[addr].Primary.Attributes["load_balancer_id"]
					if n := e.Sandbox.Counts().Of("POST /v2/load_balancers"); n != 2 { // the namesake's and the tier's
						return fmt.Errorf("%d load balancer creates, want 2: the lost answer was found, not repeated", n)
					}
					return nil
				}),
			},
			{
				PreConfig: func() { handMadeLB(t, e, "stray", tag) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(inventory, func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.Attributes["load_balancer_id"]; id != first {
						return fmt.Errorf("the tier's load balancer changed from %s to %s", first, id)
					}
					return nil
				}),
			},
			{
				// Drift made after the last apply: destroy still finds it.
				Config: cfg,
				Check: func(*terraform.State) error {
					handMadeLB(t, e, "another-stray", tag)
					handMadeAlert(t, e, tag, "cpu > 85% for 5m on tier barsweb [scalable-tier:barsweb#0]")
					if lbs, _ := accountInventory(e); !slices.ContainsFunc(mapValues(lbs), func(v string) bool { return v == "another-stray -> "+tag }) {
						return fmt.Errorf("the stray was not made: %v", lbs)
					}
					return nil
				},
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
