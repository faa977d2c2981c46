package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// autoscaleConfig is an autoscaled tier; scaling is "" for a fixed tier of
// instances droplets.
func autoscaleConfig(e *acctest.Env, name, image string, instances int, scaling string) string {
	return autoscaleConfigWith(e, name, image, instances, scaling, `health = "droplet_status"`)
}

func autoscaleConfigWith(e *acctest.Env, name, image string, instances int, scaling, rollout string) string {
	count := ""
	if scaling == "" {
		count = fmt.Sprintf("instances = %d", instances)
	}
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = %q
  region = "nyc3"
  droplet {
    %s
    size     = "s-1vcpu-1gb"
    image    = %q
    ssh_keys = [%q]
  }
  load_balancer {
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
  }
  rollout {
    %s
  }
%s
}
`, name, count, image, e.SSHKey(), rollout, scaling)
}

const scaling = `
  autoscale {
    min_instances          = 2
    max_instances          = 4
    target_cpu_utilization = 0.6
    cooldown_minutes       = 5
  }`

// pool returns the tier's live pool (the newest not being deleted whose
// template carries the tier tag) and its member ids from the sandbox.
func pool(e *acctest.Env, name string) (*godo.DropletAutoscalePool, []int, error) {
	ctx := context.Background()
	pools, _, err := e.Godo().DropletAutoscale.List(ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		return nil, nil, err
	}
	var live *godo.DropletAutoscalePool
	for _, p := range pools {
		if p.Status != "deleting" && p.DropletTemplate != nil && slices.Contains(p.DropletTemplate.Tags, "scalable-tier:"+name) &&
			(live == nil || p.CreatedAt.After(live.CreatedAt)) {
			live = p
		}
	}
	if live == nil {
		return nil, nil, nil
	}
	members, _, err := e.Godo().DropletAutoscale.ListMembers(ctx, live.ID, &godo.ListOptions{PerPage: 200})
	if err != nil {
		return nil, nil, err
	}
	var ids []int
	for _, m := range members {
		ids = append(ids, int(m.DropletID))
	}
	return live, ids, nil
}

// setUtilization sets every member's CPU figure and waits until the pool
// has want members, all active.
func setUtilization(t *testing.T, e *acctest.Env, name string, cpu float64, want int) {
	t.Helper()
	_, ids, err := pool(e, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := e.Sandbox.SetDropletUtilization(id, cpu, 0.3); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, ids, err := pool(e, name)
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, d := range e.Tagged("scalable-tier:" + name) {
			if d.Status == "active" {
				active++
			}
		}
		if len(ids) == want && active == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool has %d members (%d active tagged) after CPU %.2f, want %d", len(ids), active, cpu, want)
		}
		time.Sleep(20 * time.Millisecond)
		for _, id := range ids {
			_ = e.Sandbox.SetDropletUtilization(id, cpu, 0.3) // new members too
		}
	}
}

func checkPoolMembersOnImage(e *acctest.Env, name, image string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p, ids, err := pool(e, name)
		if err != nil {
			return err
		}
		if p == nil {
			return fmt.Errorf("tier %s has no autoscale pool", name)
		}
		tagged := e.Tagged("scalable-tier:" + name)
		if len(tagged) != len(ids) {
			return fmt.Errorf("%d droplets tagged, %d pool members: only members should serve", len(tagged), len(ids))
		}
		for _, d := range tagged {
			if d.Image == nil || d.Image.Slug != image {
				return fmt.Errorf("member %s runs %v, want %s", d.Name, d.Image, image)
			}
		}
		return nil
	}
}

// An autoscaled tier: the pool carries the tier tag, scales out when CPU is
// high and in after the cooldown without that being drift, rolls a new
// image through its members, and imports.
func TestAccWebTierAutoscale(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:           autoscaleConfig(e, "auto", "ubuntu-22-04-x64", 0, scaling),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPoolMembersOnImage(e, "auto", "ubuntu-22-04-x64"),
					resource.TestCheckResourceAttr(addr, "droplets.#", "2"),
					resource.TestCheckNoResourceAttr(addr, "droplet.instances"),
				),
			},
			{
				// High CPU: the pool scales out to its max; not drift.
				PreConfig:    func() { setUtilization(t, e, "auto", 0.95, 4) },
				RefreshState: true,
				Check:        resource.TestCheckResourceAttr(addr, "droplets.#", "4"),
			},
			{
				// Low CPU: back to min after the cooldown; not drift.
				PreConfig:    func() { setUtilization(t, e, "auto", 0.05, 2) },
				RefreshState: true,
				Check:        resource.TestCheckResourceAttr(addr, "droplets.#", "2"),
			},
			{
				Config: autoscaleConfig(e, "auto", "ubuntu-24-04-x64", 0, scaling),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkPoolMembersOnImage(e, "auto", "ubuntu-24-04-x64"),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "auto",
				ImportStateVerify: true,
				// The rollout policy lives only in configuration; import fills
				// the blocks this config leaves to their defaults.
				ImportStateVerifyIgnore: []string{"timeouts", "rollout", "load_balancer.healthcheck", "load_balancer.sticky_sessions"},
			},
		},
	})
}

// Switching between fixed droplets and a pool replaces the droplets only:
// the load balancer, and so its IP, stay.
func TestAccWebTierSwitchModesKeepsLoadBalancer(t *testing.T) {
	e := acctest.New(t)
	var ip, id string
	sameLB := func(s *terraform.State) error {
		a := s.RootModule().Resources[addr].Primary.Attributes
		if ip == "" {
			ip, id = a["load_balancer_ip"], a["load_balancer_id"]
			return nil
		}
		if a["load_balancer_ip"] != ip || a["load_balancer_id"] != id {
			return fmt.Errorf("load balancer %s (%s), want the same %s (%s)", a["load_balancer_id"], a["load_balancer_ip"], id, ip)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: autoscaleConfig(e, "switch", "ubuntu-22-04-x64", 2, ""), Check: sameLB},
			{
				Config: autoscaleConfig(e, "switch", "ubuntu-22-04-x64", 0, scaling),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(sameLB, checkPoolMembersOnImage(e, "switch", "ubuntu-22-04-x64")),
			},
			{
				Config:           autoscaleConfig(e, "switch", "ubuntu-22-04-x64", 3, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(sameLB, checkTagged(e, "switch", 3), func(*terraform.State) error {
					p, _, err := pool(e, "switch")
					if err != nil {
						return err
					}
					if p != nil {
						return fmt.Errorf("pool %s still exists after switching to fixed droplets", p.ID)
					}
					return nil
				}),
			},
		},
	})
}

// A template change on an autoscaled tier moves the droplets to a new pool
// in waves bounded by max_surge: a sampler polling the sandbox throughout
// sees at least 3 healthy droplets in service at every moment and never
// more than 4 droplets; the new pool ends with the autoscale settings.
func TestAccWebTierAutoscaleRolloutKeepsCapacity(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:autoroll"
	scaling3 := `
  autoscale {
    min_instances          = 3
    max_instances          = 5
    target_cpu_utilization = 0.6
  }`
	rollout := "health    = \"load_balancer\"\n    max_surge = 1"
	var sampler *acctest.Sampler
	var firstPool string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: autoscaleConfigWith(e, "autoroll", "ubuntu-22-04-x64", 0, scaling3, rollout),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPoolMembersOnImage(e, "autoroll", "ubuntu-22-04-x64"),
					func(*terraform.State) error {
						p, _, err := pool(e, "autoroll")
						if err != nil || p == nil {
							return fmt.Errorf("no pool: %v", err)
						}
						firstPool = p.ID
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					if err := e.WaitHealthy(tag, 3, 20*time.Second); err != nil {
						t.Fatal(err)
					}
					sampler = e.Sample(tag)
				},
				Config: autoscaleConfigWith(e, "autoroll", "ubuntu-24-04-x64", 0, scaling3, rollout),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPoolMembersOnImage(e, "autoroll", "ubuntu-24-04-x64"),
					resource.TestCheckResourceAttr(addr, "droplets.#", "3"),
					func(*terraform.State) error {
						minHealthy, maxTotal, samples := sampler.Stop()
						t.Logf("autoscale rollout: %d samples, fewest healthy in service %d, most droplets %d", samples, minHealthy, maxTotal)
						if samples < 50 {
							return fmt.Errorf("only %d samples: the sampler did not watch the rollout", samples)
						}
						if minHealthy < 3 {
							return fmt.Errorf("healthy droplets in service dropped to %d, floor is 3", minHealthy)
						}
						if maxTotal > 4 {
							return fmt.Errorf("the tier had %d droplets at once, ceiling is 3 + max_surge 1", maxTotal)
						}
						p, ids, err := pool(e, "autoroll")
						if err != nil {
							return err
						}
						if p.ID == firstPool {
							return fmt.Errorf("pool %s kept: a template change moves the droplets to a new pool", p.ID)
						}
						if c := p.Config; c.TargetNumberInstances != 0 || c.MinInstances != 3 || c.MaxInstances != 5 || c.TargetCPUUtilization != 0.6 {
							return fmt.Errorf("new pool config %+v, want min 3, max 5, cpu 0.6", *c)
						}
						if len(ids) != 3 {
							return fmt.Errorf("%d members, want 3", len(ids))
						}
						return nil
					},
				),
			},
		},
	})
}

// A template whose members never get healthy: the first wave fails, its
// member and the new pool are removed, and the old droplets keep serving
// (as fixed droplets: the old pool was deleted before the rollout began).
// A later good template rolls through into a pool again.
func TestAccWebTierAutoscaleFailedRolloutKeepsOldServing(t *testing.T) {
	e := acctest.New(t)
	rollout := "health         = \"load_balancer\"\n    health_timeout = \"4s\""
	var oldIDs []int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: autoscaleConfigWith(e, "rollback", "ubuntu-22-04-x64", 0, scaling, rollout),
				Check: func(s *terraform.State) error {
					var err error
					oldIDs, err = dropletIDs(s)
					return err
				},
			},
			{
				Config:      autoscaleConfigWith(e, "rollback", "broken-ubuntu-24-04-x64", 0, scaling, rollout),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped:.*previous\s+droplets\s+keep\s+serving`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the new template is still to do
				Check: resource.ComposeAggregateTestCheckFunc(
					checkTagged(e, "rollback", 2),
					func(s *terraform.State) error {
						p, _, err := pool(e, "rollback")
						if err != nil {
							return err
						}
						if p != nil {
							return fmt.Errorf("pool %s (image %s) left after its first wave failed", p.ID, p.DropletTemplate.Image)
						}
						for _, d := range e.Tagged("scalable-tier:rollback") {
							if !slices.Contains(oldIDs, d.ID) {
								return fmt.Errorf("droplet %s (%d) in service is not one of the old %v", d.Name, d.ID, oldIDs)
							}
						}
						return e.WaitHealthy("scalable-tier:rollback", 2, 10*time.Second)
					},
				),
			},
			{
				Config:           autoscaleConfigWith(e, "rollback", "ubuntu-24-04-x64", 0, scaling, "health_timeout = \"30s\""),
				ConfigPlanChecks: emptyPlan(),
				Check:            checkPoolMembersOnImage(e, "rollback", "ubuntu-24-04-x64"),
			},
		},
	})
}

// An autoscale rollout that stops half way (the pool refuses a resize)
// leaves old droplets and the new pool's members serving side by side;
// the next apply picks the rollout up where it stopped and finishes with
// one pool of new members and its autoscale settings.
func TestAccWebTierAutoscaleRolloutResumes(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:resume"
	scaling3 := `
  autoscale {
    min_instances          = 3
    max_instances          = 5
    target_cpu_utilization = 0.6
  }`
	rollout := "health    = \"load_balancer\"\n    max_surge = 1"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: autoscaleConfigWith(e, "resume", "ubuntu-22-04-x64", 0, scaling3, rollout)},
			{
				PreConfig: func() {
					// Wave 1 creates the new pool at 1 member, wave 2 resizes
					// it to 2; wave 3's resize to 3 is refused.
					if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "PUT /v2/droplets/autoscale/{id}", After: 1, FailNext: 1, Status: 422, Message: "injected: resize refused"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      autoscaleConfigWith(e, "resume", "ubuntu-24-04-x64", 0, scaling3, rollout),
				ExpectError: regexp.MustCompile(`resize refused`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: func(*terraform.State) error {
					images := map[string]int{}
					for _, d := range e.Tagged(tag) {
						images[d.Image.Slug]++
					}
					if images["ubuntu-22-04-x64"] != 1 || images["ubuntu-24-04-x64"] != 2 {
						return fmt.Errorf("in service after the stopped rollout: %v, want 1 old and 2 new", images)
					}
					p, ids, err := pool(e, "resume")
					if err != nil || p == nil {
						return fmt.Errorf("no new pool: %v", err)
					}
					if p.Config.TargetNumberInstances != 2 || len(ids) != 2 {
						return fmt.Errorf("new pool %+v with %d members, want held at 2", *p.Config, len(ids))
					}
					return nil
				},
			},
			{
				Config: autoscaleConfigWith(e, "resume", "ubuntu-24-04-x64", 0, scaling3, rollout),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPoolMembersOnImage(e, "resume", "ubuntu-24-04-x64"),
					resource.TestCheckResourceAttr(addr, "droplets.#", "3"),
					func(*terraform.State) error {
						p, _, err := pool(e, "resume")
						if err != nil {
							return err
						}
						if c := p.Config; c.TargetNumberInstances != 0 || c.MinInstances != 3 || c.MaxInstances != 5 {
							return fmt.Errorf("pool config %+v, want the autoscale settings back", *c)
						}
						return nil
					},
				),
			},
		},
	})
}
