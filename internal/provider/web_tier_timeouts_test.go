package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// Against a sandbox running at real DigitalOcean speed (droplets boot in
// 45 s), a 2 s create timeout fails cleanly, naming the timeout; what was
// made is in state and the destroy removes it.
func TestAccWebTierCreateTimeout(t *testing.T) {
	e := acctest.New(t, func(o *sandbox.Options) { o.TimeScale = 1 })
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{{
			Config:      tierConfig(e, "slow", 2, `  timeouts { create = "2s" }`),
			ExpectError: regexp.MustCompile(`(?s)Unable to create web tier slow.*The\s+create\s+timeout\s+\(2s\)\s+passed`),
		}},
	})
}

func TestAccWebTierUpdateTimeout(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: tierConfig(e, "slowup", 1, `  timeouts { update = "1s" }`)},
			{
				// Droplet creates now take 3 s each.
				PreConfig: func() {
					if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", Latency: sandbox.Duration(3e9)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      tierConfig(e, "slowup", 3, `  timeouts { update = "1s" }`),
				ExpectError: regexp.MustCompile(`(?s)Unable to update web tier slowup.*update\s+timeout\s+\(1s\)`),
			},
			{
				PreConfig:        e.Sandbox.ClearFaults,
				Config:           tierConfig(e, "slowup", 3, `  timeouts { update = "1s" }`),
				ConfigPlanChecks: emptyPlan(),
				Check:            checkTagged(e, "slowup", 3),
			},
		},
	})
}

func TestAccWebTierDeleteTimeout(t *testing.T) {
	e := acctest.New(t)
	cfg := tierConfig(e, "slowdel", 1, `  timeouts { delete = "1s" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "DELETE /v2/load_balancers/{id}", Latency: sandbox.Duration(3e9)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)Unable to delete web tier slowdel.*delete\s+timeout\s+\(1s\)\s+passed.*scalable-tier:slowdel`),
			},
			{PreConfig: e.Sandbox.ClearFaults, Config: cfg},
		},
	})
}
