package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

// tierConfig is a small tier; extra goes inside the resource block.
func tierConfig(e *acctest.Env, name string, instances int, extra string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = %q
  region = "nyc3"
  droplet {
    instances = %d
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
    healthcheck {
      protocol = "http"
      port     = 80
      path     = "/health"
    }
  }
%s
}
`, name, instances, extra)
}

func emptyPlan() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

func TestAccWebTierBasic(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:           tierConfig(e, "hits", 2, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("scalable_web_tier.web", "id", "hits"),
					resource.TestCheckResourceAttr("scalable_web_tier.web", "tag", "scalable-tier:hits"),
					resource.TestCheckResourceAttr("scalable_web_tier.web", "droplets.#", "2"),
					resource.TestCheckResourceAttr("scalable_web_tier.web", "droplets.0.status", "active"),
					resource.TestCheckResourceAttrSet("scalable_web_tier.web", "load_balancer_ip"),
					resource.TestCheckResourceAttrSet("scalable_web_tier.web", "vpc_uuid"),
				),
			},
			{
				ResourceName:            "scalable_web_tier.web",
				ImportState:             true,
				ImportStateId:           "hits",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}
