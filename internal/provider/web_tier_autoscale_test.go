package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
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
    ssh_keys = ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]
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
`, name, count, image, rollout, scaling)
}

const scaling = `
  autoscale {
    min_instances          = 2
    max_instances          = 4
    target_cpu_utilization = 0.6
    cooldown_minutes       = 5
  }`

// pool returns the tier's pool and its member ids from the sandbox.
func pool(e *acctest.Env, name string) (*godo.DropletAutoscalePool, []int, error) {
	ctx := context.Background()
	pools, _, err := e.Godo().DropletAutoscale.List(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range pools {
		if p.Name == name+"-pool" {
			members, _, err := e.Godo().DropletAutoscale.ListMembers(ctx, p.ID, &godo.ListOptions{PerPage: 200})
			if err != nil {
				return nil, nil, err
			}
			var ids []int
			for _, m := range members {
				ids = append(ids, int(m.DropletID))
			}
			return p, ids, nil
		}
	}
	return nil, nil, nil
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
			return fmt.Errorf("no pool %s-pool", name)
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

// A pool template whose members never get healthy: the apply stops, puts
// the previous template back and removes the new members; the old ones
// keep serving, and a later good template rolls through.
func TestAccWebTierAutoscaleFailedRolloutRestoresTemplate(t *testing.T) {
	e := acctest.New(t)
	rollout := "health         = \"load_balancer\"\n    health_timeout = \"4s\""
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: autoscaleConfigWith(e, "rollback", "ubuntu-22-04-x64", 0, scaling, rollout)},
			{
				Config:      autoscaleConfigWith(e, "rollback", "broken-ubuntu-24-04-x64", 0, scaling, rollout),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped:.*previous\s+droplets\s+keep\s+serving`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the new template is still to do
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPoolMembersOnImage(e, "rollback", "ubuntu-22-04-x64"),
					func(*terraform.State) error {
						p, ids, err := pool(e, "rollback")
						if err != nil {
							return err
						}
						if p.DropletTemplate.Image != "ubuntu-22-04-x64" {
							return fmt.Errorf("pool template image %q, want the previous ubuntu-22-04-x64 back", p.DropletTemplate.Image)
						}
						if len(ids) != 2 {
							return fmt.Errorf("%d members, want the 2 old ones", len(ids))
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
