package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

const addr = "scalable_web_tier.web"

// checkTagged asserts how many droplets carry the tier tag in the sandbox.
func checkTagged(e *acctest.Env, name string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := len(e.Tagged("scalable-tier:" + name)); got != want {
			return fmt.Errorf("sandbox has %d droplets tagged scalable-tier:%s, want %d", got, name, want)
		}
		return nil
	}
}

// dropletIDs reads the droplet ids from state.
func dropletIDs(s *terraform.State) ([]int, error) {
	rs := s.RootModule().Resources[addr]
	n, _ := strconv.Atoi(rs.Primary.Attributes["droplets.#"])
	var out []int
	for i := 0; i < n; i++ {
		id, err := strconv.Atoi(rs.Primary.Attributes[fmt.Sprintf("droplets.%d.id", i)])
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func TestAccWebTierScale(t *testing.T) {
	e := acctest.New(t)
	var before []int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:           tierConfig(e, "scale", 2, ""),
				ConfigPlanChecks: emptyPlan(),
				Check:            resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttr(addr, "droplets.#", "2"), checkTagged(e, "scale", 2)),
			},
			{
				Config: tierConfig(e, "scale", 5, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// The two droplets that stay are known in the plan; the three new ones are not.
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfpath("droplets").AtSliceIndex(1).AtMapKey("status"), knownvalue.StringExact("active")),
						plancheck.ExpectUnknownValue(addr, tfpath("droplets").AtSliceIndex(2)),
						plancheck.ExpectUnknownValue(addr, tfpath("droplets").AtSliceIndex(4)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "droplets.#", "5"),
					checkTagged(e, "scale", 5),
					func(s *terraform.State) error {
						var err error
						before, err = dropletIDs(s)
						return err
					},
				),
			},
			{
				Config:           tierConfig(e, "scale", 1, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "droplets.#", "1"),
					checkTagged(e, "scale", 1),
					func(s *terraform.State) error {
						after, err := dropletIDs(s)
						if err != nil {
							return err
						}
						// Newest first: the oldest droplet is the one left.
						sort.Ints(before)
						if len(after) != 1 || after[0] != before[0] {
							return fmt.Errorf("kept %v, want the oldest of %v", after, before)
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccWebTierOutOfBandRepair(t *testing.T) {
	e := acctest.New(t)
	ctx := context.Background()
	var lbBefore string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: tierConfig(e, "repair", 3, ""),
				Check: resource.ComposeAggregateTestCheckFunc(checkTagged(e, "repair", 3), func(s *terraform.State) error {
					lbBefore = s.RootModule().Resources[addr].Primary.Attributes["load_balancer_id"]
					return nil
				}),
			},
			{
				// A droplet deleted by hand: the plan shows one to create.
				PreConfig: func() {
					ds := e.Tagged("scalable-tier:repair")
					if _, err := e.Godo().Droplets.Delete(ctx, ds[1].ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: tierConfig(e, "repair", 3, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfpath("droplet").AtMapKey("instances"), knownvalue.Int64Exact(3)),
						plancheck.ExpectKnownValue(addr, tfpath("droplets").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("active")),
						plancheck.ExpectUnknownValue(addr, tfpath("droplets").AtSliceIndex(2)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkTagged(e, "repair", 3),
			},
			{
				// A stranger tagged into the tier: the plan removes it.
				PreConfig: func() {
					d, _, err := e.Godo().Droplets.Create(ctx, &godo.DropletCreateRequest{
						Name: "stranger", Region: "nyc3", Size: "s-1vcpu-1gb",
						Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, Tags: []string{"scalable-tier:repair"},
					})
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("stranger droplet %d", d.ID)
				},
				Config: tierConfig(e, "repair", 3, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkTagged(e, "repair", 3), func(*terraform.State) error {
					for _, d := range e.Tagged("scalable-tier:repair") {
						if d.Name == "stranger" {
							return fmt.Errorf("the stranger droplet is still in the tier")
						}
					}
					return nil
				}),
			},
			{
				// The load balancer deleted by hand: recreated, new id.
				PreConfig: func() {
					if _, err := e.Godo().LoadBalancers.Delete(ctx, lbBefore); err != nil {
						t.Fatal(err)
					}
				},
				Config: tierConfig(e, "repair", 3, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(addr, tfpath("load_balancer_id")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					id := s.RootModule().Resources[addr].Primary.Attributes["load_balancer_id"]
					if id == "" || id == lbBefore {
						return fmt.Errorf("load balancer id %q, want a new one (old %s)", id, lbBefore)
					}
					lb, _, err := e.Godo().LoadBalancers.Get(ctx, id)
					if err != nil {
						return err
					}
					if lb.Tag != "scalable-tier:repair" || lb.Status != "active" {
						return fmt.Errorf("recreated load balancer: tag %q status %q", lb.Tag, lb.Status)
					}
					return nil
				},
			},
			{
				// A load balancer setting changed by hand is changed back.
				PreConfig: func() {
					ctx := context.Background()
					lbs, _, err := e.Godo().LoadBalancers.List(ctx, nil)
					if err != nil || len(lbs) != 1 {
						t.Fatalf("list load balancers: %v %d", err, len(lbs))
					}
					req := lbs[0].AsRequest()
					req.DropletIDs = nil // tag mode: send the tag only
					req.HealthCheck.CheckIntervalSeconds = 30
					if _, _, err := e.Godo().LoadBalancers.Update(ctx, lbs[0].ID, req); err != nil {
						t.Fatal(err)
					}
				},
				Config: tierConfig(e, "repair", 3, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfpath("load_balancer").AtMapKey("healthcheck").AtMapKey("check_interval_seconds"), knownvalue.Int64Exact(10)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// A create whose response is lost (5xx after the droplets were made) must
// not make them twice.
func TestAccWebTierCreate5xxDoesNotDouble(t *testing.T) {
	e := acctest.New(t)
	if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", FailNext: 1, AfterCommit: true, Status: 500}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{{
			Config:           tierConfig(e, "lost", 3, ""),
			ConfigPlanChecks: emptyPlan(),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "droplets.#", "3"),
				checkTagged(e, "lost", 3),
				func(*terraform.State) error {
					if f := e.Sandbox.Faults()[0]; f.Failed != 1 {
						return fmt.Errorf("the fault fired %d times, want 1", f.Failed)
					}
					if n := e.Inventory().Droplets; n != 3 {
						return fmt.Errorf("sandbox holds %d droplets, want 3", n)
					}
					return nil
				},
			),
		}},
	})
}

// Scaling into the account's droplet limit mid-apply (another client took
// the room after the plan and its preflight passed): the droplets that
// could be made stay in state, the error names the failure with its
// request id, and once there is room again the next apply converges. The
// sandbox answers the second batch as DigitalOcean does at the limit.
func TestAccWebTierPartialFailureOnScale(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: tierConfig(e, "limit", 2, ""), Check: checkTagged(e, "limit", 2)},
			{
				// 20 more droplets in two batches of 10: one is made, the
				// other meets the limit.
				PreConfig: func() {
					if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", After: 1, ErrorRate: 1, Status: 422,
						Message: "creating this/these droplet(s) will exceed your droplet limit"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      tierConfig(e, "limit", 22, ""),
				ExpectError: regexp.MustCompile(`(?s)request\s+"[0-9a-f-]{36}"\)\s+creating\s+this/these\s+droplet\(s\)\s+will\s+exceed\s+your\s+droplet\s+limit`),
			},
			{
				// The refreshed plan shows the ten droplets still to make.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "droplet.instances", "12"),
					resource.TestCheckResourceAttr(addr, "droplets.#", "12"),
					checkTagged(e, "limit", 12),
				),
			},
			{
				PreConfig:        func() { e.Sandbox.ClearFaults() },
				Config:           tierConfig(e, "limit", 22, ""),
				ConfigPlanChecks: emptyPlan(),
				Check:            resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttr(addr, "droplets.#", "22"), checkTagged(e, "limit", 22)),
			},
		},
	})
}

// An account's droplet limit too low for the scale-out is caught by the
// plan, before anything is made (the preflight).
func TestAccWebTierDropletLimitCaughtAtPlan(t *testing.T) {
	e := acctest.New(t, func(o *sandbox.Options) { o.DropletLimit = 14 })
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: tierConfig(e, "limit", 2, ""), Check: checkTagged(e, "limit", 2)},
			{
				Config:      tierConfig(e, "limit", 22, ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Droplet limit too low.*droplet.instances = 22 does not fit: the account's droplet\s+limit of 14`),
			},
			{Config: tierConfig(e, "limit", 2, ""), Check: checkTagged(e, "limit", 2)},
		},
	})
}

// The fail-after-N knob on create: the first batch to arrive succeeds, the
// other keeps failing until the create timeout; the create fails naming
// it, state records the droplets that exist (tainted, as Terraform does
// with failed creates), and the next apply converges with nothing leaked.
func TestAccWebTierPartialFailureOnCreate(t *testing.T) {
	e := acctest.New(t)
	if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", After: 1, ErrorRate: 1, Status: 503}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:      tierConfig(e, "half", 15, `  timeouts { create = "3s" }`),
				ExpectError: regexp.MustCompile(`(?s)Unable to create web tier half.*create droplets half-.*still\s+failing\s+after\s+\d+\s+attempts.*503\s+\(request\s+"[0-9a-f-]{36}"\).*create\s+timeout\s+\(3s\)\s+passed`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: func(s *terraform.State) error {
					ids, err := dropletIDs(s)
					if err != nil {
						return err
					}
					// Batches of 10 and 5 race; whichever came first exists.
					tagged := len(e.Tagged("scalable-tier:half"))
					if (len(ids) != 10 && len(ids) != 5) || tagged != len(ids) {
						return fmt.Errorf("state has %d droplets, sandbox %d tagged; want one whole batch (10 or 5) in both", len(ids), tagged)
					}
					return nil
				},
			},
			{
				PreConfig:        func() { e.Sandbox.ClearFaults() },
				Config:           tierConfig(e, "half", 15, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "droplets.#", "15"),
					checkTagged(e, "half", 15),
					func(*terraform.State) error {
						if inv := e.Inventory(); inv.Droplets != 15 || inv.LoadBalancers != 1 {
							return fmt.Errorf("sandbox holds %+v, want 15 droplets and 1 load balancer", inv)
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccWebTierCreateBatchesAndPollsByTag(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{{
			PreConfig: e.Sandbox.ResetCounts,
			Config:    tierConfig(e, "batch", 23, ""),
			Check: func(*terraform.State) error {
				c := e.Sandbox.Counts()
				if got := c.Of("POST /v2/droplets"); got != 3 {
					return fmt.Errorf("%d droplet create requests for 23 droplets, want 3 (batches of 10)", got)
				}
				if got := c.Of("GET /v2/droplets/{id}"); got != 0 {
					return fmt.Errorf("%d per-droplet GETs, want 0: status is polled by tag", got)
				}
				if got := c.Of("POST /v2/load_balancers"); got != 1 {
					return fmt.Errorf("%d load balancer creates, want 1", got)
				}
				return nil
			},
		}},
	})
}

// Blocks built by dynamic blocks over values that are unknown until apply
// (here, another resource's output) validate and plan, on create and on
// update.
func TestAccWebTierDynamicBlocksOverUnknownValues(t *testing.T) {
	e := acctest.New(t)
	cfg := func(thresholds string) string {
		return e.ProviderConfig() + fmt.Sprintf(`
resource "terraform_data" "thresholds" {
  input = %s
}

resource "scalable_web_tier" "web" {
  name   = "dyn"
  region = "nyc3"
  droplet {
    instances = 1
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
  }
  load_balancer {
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
  }
  dynamic "alert" {
    for_each = terraform_data.thresholds.output
    content {
      metric  = alert.key
      compare = "GreaterThan"
      value   = alert.value
      window  = "5m"
      emails  = ["ops@example.com"]
    }
  }
}
`, thresholds)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: cfg(`{ cpu = 85 }`), Check: resource.TestCheckResourceAttr(addr, "alert_policy_ids.#", "1")},
			{Config: cfg(`{ cpu = 80, memory = 90 }`), ConfigPlanChecks: emptyPlan(), Check: resource.TestCheckResourceAttr(addr, "alert_policy_ids.#", "2")},
		},
	})
}

// A droplet an apply drained (drain tag on, tier tag off) but was killed
// before it could record or delete it is in no state: the next apply finds
// it by the drain tag and deletes it.
func TestAccWebTierApplyDeletesDrainedLeftovers(t *testing.T) {
	e := acctest.New(t)
	ctx := context.Background()
	var leftover int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: tierConfig(e, "drained", 2, "")},
			{
				PreConfig: func() {
					d, _, err := e.Godo().Droplets.Create(ctx, &godo.DropletCreateRequest{
						Name: "drained-left", Region: "nyc3", Size: "s-1vcpu-1gb",
						Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, Tags: []string{"scalable-drain:drained"},
					})
					if err != nil {
						t.Fatal(err)
					}
					leftover = d.ID
				},
				Config: tierConfig(e, "drained", 3, ""),
				Check: resource.ComposeAggregateTestCheckFunc(checkTagged(e, "drained", 3), func(*terraform.State) error {
					d, resp, err := e.Godo().Droplets.Get(ctx, leftover)
					if resp != nil && resp.StatusCode == 404 {
						return nil
					}
					if err != nil {
						return err
					}
					return fmt.Errorf("drained droplet %d (%s) is still there after the apply", d.ID, d.Status)
				}),
			},
		},
	})
}
