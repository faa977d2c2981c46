package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// twoTiers is a configuration of tiers "a" and "b", two droplets and an
// alert policy each.
func twoTiers(e *acctest.Env) string {
	var b strings.Builder
	b.WriteString(e.ProviderConfig())
	for _, name := range []string{"a", "b"} {
		b.WriteString(minimalTier(name, name, "", cpuAlert))
	}
	return b.String()
}

// control sends a request to the sandbox's control API.
func control(e *acctest.Env, method, path string, out any) error {
	req, err := http.NewRequest(method, e.URL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

// Two tiers refreshed by one Terraform run share their reads: one list of
// droplets, one of load balancers and one of alert policies serve both,
// as the sandbox's request counter shows. The reads keep nothing: a
// droplet deleted by hand is seen by the very next plan, on its tier only.
func TestAccWebTierTiersShareReads(t *testing.T) {
	e := acctest.New(t)
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: twoTiers(e), Check: resource.ComposeAggregateTestCheckFunc(checkTagged(e, "a", 2), checkTagged(e, "b", 2))},
			{
				PreConfig: func() {
					if err := control(e, http.MethodDelete, "/_sandbox/requests", nil); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState: true,
				Check: func(*terraform.State) error {
					var counts sandbox.RequestCounts
					if err := control(e, http.MethodGet, "/_sandbox/requests", &counts); err != nil {
						return err
					}
					for _, ep := range []string{"GET /v2/droplets", "GET /v2/load_balancers", "GET /v2/monitoring/alerts"} {
						if n := counts.Of(ep); n != 1 {
							return fmt.Errorf("%s: %d requests to refresh two tiers, want 1 shared list (all: %v)", ep, n, counts.Endpoints)
						}
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					ds := e.Tagged("scalable-tier:b")
					if _, err := e.Godo().Droplets.Delete(ctx, ds[0].ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: twoTiers(e),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("scalable_web_tier.a", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("scalable_web_tier.b", plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkTagged(e, "a", 2), checkTagged(e, "b", 2)),
			},
		},
	})
}
