package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

// minimalTierConfig leaves every optional block out: import must not fill
// them in (sticky_sessions, healthcheck) when the values are the defaults.
func minimalTierConfig(e *acctest.Env, name string, extraDroplet string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = %q
  region = "nyc3"
  droplet {
    instances = 2
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
%s
  }
  load_balancer {
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
  }
}
`, name, extraDroplet)
}

// Importing a tier we made, with its own configuration, plans nothing:
// by the import command and by an import block.
func TestAccWebTierImportRoundTrip(t *testing.T) {
	e := acctest.New(t)
	cfg := minimalTierConfig(e, "round", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				ResourceName: "scalable_web_tier.web", ImportState: true, ImportStateId: "round",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				ResourceName: "scalable_web_tier.web", ImportState: true, ImportStateId: "round",
				ImportStateKind: resource.ImportBlockWithID, GenerateConfig: true,
			},
		},
	})
}
