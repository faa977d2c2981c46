package provider_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

const firewallBlock = `
  firewall {
    ssh_sources = ["203.0.113.0/24"]
    inbound {
      protocol = "tcp"
      ports    = "9100"
      sources  = ["10.0.0.0/8"]
    }
  }
`

// tierFirewall is the sandbox's firewall named as the tier names it.
func tierFirewall(e *acctest.Env, name string) *sandbox.Firewall {
	var out *sandbox.Firewall
	e.Sandbox.Inspect(func(w *sandbox.World) {
		for _, f := range w.Firewalls {
			if f.Name == name+"-fw" {
				c := *f
				out = &c
			}
		}
	})
	return out
}

// checkFirewall asserts the tier's firewall lets in the load balancer on
// port 80, SSH from its source and the extra rule, covering the tier tag.
func checkFirewall(e *acctest.Env, name string, wantSSH bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		f := tierFirewall(e, name)
		if f == nil {
			return fmt.Errorf("no firewall %s-fw in the sandbox", name)
		}
		lbID := s.RootModule().Resources["scalable_web_tier.web"].Primary.Attributes["load_balancer_id"]
		ports := map[string]bool{}
		for _, r := range f.InboundRules {
			ports[r.Ports] = true
			if r.Ports == "80" && !slices.Contains(r.Targets.LoadBalancerUIDs, lbID) {
				return fmt.Errorf("port 80 is open to %+v, not the load balancer %s", r.Targets, lbID)
			}
		}
		if !ports["80"] || !ports["9100"] || ports["22"] != wantSSH || !slices.Contains(f.Tags, "scalable-tier:"+name) {
			return fmt.Errorf("firewall rules %+v on tags %v", f.InboundRules, f.Tags)
		}
		return nil
	}
}

func TestAccWebTierFirewall(t *testing.T) {
	e := acctest.New(t)
	const name = "fwt"
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:           tierConfig(e, name, 2, firewallBlock),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrSet("scalable_web_tier.web", "firewall_id"),
					checkFirewall(e, name, true),
					func(s *terraform.State) error {
						firstID = s.RootModule().Resources["scalable_web_tier.web"].Primary.Attributes["firewall_id"]
						return nil
					},
				),
			},
			{
				ResourceName: "scalable_web_tier.web", ImportState: true, ImportStateId: name,
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Deleted out of band: the plan shows it, the apply makes it again.
				PreConfig: func() {
					if _, err := e.Godo().Firewalls.Delete(context.Background(), firstID); err != nil {
						t.Fatal(err)
					}
				},
				Config: tierConfig(e, name, 2, firewallBlock),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("scalable_web_tier.web", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkFirewall(e, name, true),
			},
			{
				// A rule removed by hand is put back.
				PreConfig: func() {
					f := tierFirewall(e, name)
					req := &godo.FirewallRequest{Name: f.Name, Tags: f.Tags}
					for _, r := range f.InboundRules {
						if r.Ports != "22" {
							req.InboundRules = append(req.InboundRules, godo.InboundRule{Protocol: r.Protocol, PortRange: r.Ports,
								Sources: &godo.Sources{Addresses: r.Targets.Addresses, LoadBalancerUIDs: r.Targets.LoadBalancerUIDs}})
						}
					}
					if _, _, err := e.Godo().Firewalls.Update(context.Background(), f.ID, req); err != nil {
						t.Fatal(err)
					}
				},
				Config:           tierConfig(e, name, 2, firewallBlock),
				ConfigPlanChecks: emptyPlan(),
				Check:            checkFirewall(e, name, true),
			},
			{
				Config:           tierConfig(e, name, 2, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr("scalable_web_tier.web", "firewall_id"),
					func(*terraform.State) error {
						if f := tierFirewall(e, name); f != nil {
							return fmt.Errorf("the block is gone but the firewall %s stays", f.ID)
						}
						return nil
					},
				),
			},
		},
	})
}
