package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

// A rollout with percentages and min_ready through Terraform: 5 droplets
// at 40% surge (2 per wave, rounded up) replaced, every droplet warmed up
// for min_ready, the plan after it empty.
func TestAccWebTierRolloutPercentAndMinReady(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:warm"
	rollout := "    max_surge = \"40%\"\n    min_ready = \"30s\""
	var sampler *acctest.Sampler
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: rolloutConfig(e, "warm", 5, "ubuntu-22-04-x64", rollout)},
			{
				PreConfig: func() { sampler = e.Sample(tag) },
				Config:    rolloutConfig(e, "warm", 5, "ubuntu-24-04-x64", rollout),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkImages(e, tag, "ubuntu-24-04-x64", 5),
					resource.TestCheckResourceAttr(addr, "rollout.max_surge", "40%"),
					resource.TestCheckResourceAttr(addr, "rollout.min_ready", "30s"),
					func(*terraform.State) error {
						minHealthy, maxTotal, samples := sampler.Stop()
						t.Logf("rollout: %d samples, fewest healthy in service %d, most droplets %d", samples, minHealthy, maxTotal)
						if minHealthy < 5 || maxTotal > 7 {
							return fmt.Errorf("fewest healthy %d (floor 5), most droplets %d (ceiling 5 + 40%% of 5 rounded up = 7)", minHealthy, maxTotal)
						}
						return nil
					},
				),
			},
		},
	})
}
