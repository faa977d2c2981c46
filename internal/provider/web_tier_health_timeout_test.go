package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

// A state that holds health_timeout = "600s" and a configuration that says
// "10m" plan no change, and the state keeps its string; a longer timeout
// is still an update.
func TestAccWebTierHealthTimeoutSameDurationPlansNoChange(t *testing.T) {
	e := acctest.New(t)
	cfg := func(timeout string) string {
		return tierConfig(e, "timeout", 1, rolloutHCL(`    health_timeout = "`+timeout+`"`))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: cfg("600s"), Check: resource.TestCheckResourceAttr(addr, "rollout.health_timeout", "600s")},
			{
				Config:           cfg("10m"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            resource.TestCheckResourceAttr(addr, "rollout.health_timeout", "600s"),
			},
			{
				Config: cfg("11m"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.TestCheckResourceAttr(addr, "rollout.health_timeout", "11m"),
			},
		},
	})
}
