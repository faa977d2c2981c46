package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

// minimalTierConfig leaves every optional block out: import must not fill
// them in (sticky_sessions, healthcheck) when the values are the defaults.
func minimalTierConfig(e *acctest.Env, name string, extraDroplet string) string {
	return e.ProviderConfig() + minimalTier("web", name, extraDroplet, "")
}

// minimalTier is a scalable_web_tier resource at addr: two droplets of
// ubuntu-24-04-x64 in nyc3 behind an HTTP load balancer, with extraDroplet
// inside the droplet block and extra after the load balancer block.
func minimalTier(addr, name, extraDroplet, extra string) string {
	return fmt.Sprintf(`
resource "scalable_web_tier" %q {
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
%s}
`, addr, name, extraDroplet, extra)
}

// cpuAlert is an alert block on CPU above 80% for 5 minutes.
const cpuAlert = `  alert {
    metric  = "cpu"
    compare = "GreaterThan"
    value   = 80
    window  = "5m"
    emails  = ["ops@example.com"]
  }
`

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

// A tier built with user_data: -generate-config-out cannot know it (the
// API never returns it), so the generated configuration's plan replaces
// the droplets, and the import and plan warn that droplet.user_data must
// be set (TestImportNotesUserData, tier.TestReplacementReasons).
func TestAccWebTierImportGeneratedConfigUserData(t *testing.T) {
	e := acctest.New(t)
	cfg := minimalTierConfig(e, "userdata", `    user_data = "#cloud-config\n"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				// With its own configuration the import plans only recording
				// user_data in the state (an imported state cannot hold it):
				// no droplet changes.
				ResourceName: "scalable_web_tier.web", ImportState: true, ImportStateId: "userdata",
				ImportStateKind: resource.ImportBlockWithID, ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					expectKnown("scalable_web_tier.web", "droplets"), expectKnown("scalable_web_tier.web", "load_balancer_id"),
				}},
			},
			{
				ResourceName: "scalable_web_tier.web", ImportState: true, ImportStateId: "userdata",
				ImportStateKind: resource.ImportBlockWithID, GenerateConfig: true, ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					expectChanging("scalable_web_tier.generated", "droplets"),
				}},
			},
		},
	})
}

// expectKnown checks a resource's attribute is known in the plan: the
// apply will not change it.
func expectKnown(addr, attr string) plancheck.PlanCheck { return knownCheck{addr, attr, false} }

// expectChanging checks some part of the attribute is unknown in the plan.
func expectChanging(addr, attr string) plancheck.PlanCheck { return knownCheck{addr, attr, true} }

type knownCheck struct {
	addr, attr string
	unknown    bool
}

// anyUnknown reports a true anywhere in an after_unknown value.
func anyUnknown(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case []any:
		for _, e := range v {
			if anyUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if anyUnknown(e) {
				return true
			}
		}
	}
	return false
}

func (c knownCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		u, _ := rc.Change.AfterUnknown.(map[string]any)
		if got := anyUnknown(u[c.attr]); got != c.unknown {
			resp.Error = fmt.Errorf("%s.%s unknown in the plan: %v, want %v", c.addr, c.attr, got, c.unknown)
		}
		return
	}
	resp.Error = fmt.Errorf("no resource change for %s", c.addr)
}

// A bad import id fails before any request, naming the key, the value and
// the forms; an id naming something that does not exist fails at the
// lookup and changes nothing.
func TestAccWebTierImportBadID(t *testing.T) {
	e := acctest.New(t)
	cfg := minimalTierConfig(e, "legacy", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg, ResourceName: "scalable_web_tier.web", ImportState: true,
				ImportStateId: "name=legacy,lb=legacy-lb",
				ExpectError:   wrapped(`Invalid import id`, `lb="legacy-lb": unknown key; the keys are name, load_balancer, droplets, alert_policies and user_data.`),
			},
			{
				Config: cfg, ResourceName: "scalable_web_tier.web", ImportState: true,
				ImportStateId: "name=legacy,droplets=12|web",
				ExpectError:   wrapped(`Invalid import id`, `droplets="web": tag:<tag>, or droplet ids (positive integers) separated by '|' or ','`),
			},
			{
				Config: cfg, ResourceName: "scalable_web_tier.web", ImportState: true,
				ImportStateId: "name=legacy,load_balancer=legacy-lb",
				ExpectError:   wrapped(`Cannot adopt into web tier legacy`, `Import id load_balancer=legacy-lb: no load balancer has this id or name (the account's: none). Nothing was changed.`),
			},
			{
				Config: cfg, ResourceName: "scalable_web_tier.web", ImportState: true,
				ImportStateId: "legacy",
				ExpectError:   wrapped(`Cannot import web tier legacy`, `Nothing carries the tag scalable-tier:legacy and no load balancer targets it. To adopt a stack made outside Terraform, import by an id that names it, e.g. name=legacy,load_balancer=<its id or name>;`),
			},
		},
	})
	if inv := e.Inventory(); inv != (acctest.Inventory{}) {
		t.Errorf("a failed import wrote %+v", inv)
	}
}

// wrapped matches a diagnostic's summary and a sentence of its detail as
// Terraform prints them, wrapped at any space.
func wrapped(summary, detail string) *regexp.Regexp {
	words := strings.Fields(detail)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(`(?s)` + regexp.QuoteMeta(summary) + `.*` + strings.Join(words, `\s+`))
}
