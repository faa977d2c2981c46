package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// A tier whose configuration names what the account does not have fails
// at plan, naming the attribute, the value, what is allowed and the closest
// match, and nothing is written.
func TestAccWebTierPreflightRefusesBadReferencesAtPlan(t *testing.T) {
	cases := []struct {
		name, size, image, extra string
		instances                int
		err                      *regexp.Regexp
	}{
		{name: "size typo", size: "s-1vcpu-1g", image: "ubuntu-24-04-x64", instances: 2,
			err: regexp.MustCompile(`(?s)Unknown droplet size.*droplet size "s-1vcpu-1g".*Did you mean\s+"s-1vcpu-1gb"`)},
		{name: "image that does not exist", size: "s-1vcpu-1gb", image: "ubuntu-25-04-x64", instances: 2,
			err: regexp.MustCompile(`(?s)Unknown image.*"ubuntu-25-04-x64"`)},
		{name: "retired image", size: "s-1vcpu-1gb", image: "ubuntu-20-04-x64", instances: 2,
			err: regexp.MustCompile(`(?s)Unknown image.*"ubuntu-20-04-x64"`)},
		{name: "over the droplet limit", size: "s-1vcpu-1gb", image: "ubuntu-24-04-x64", instances: 30,
			err: regexp.MustCompile(`(?s)Droplet limit too low.*30`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := acctest.New(t)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.Factories(),
				Steps: []resource.TestStep{{
					Config:      preflightConfig(e, c.size, c.image, c.instances, ""),
					PlanOnly:    true, // the plan itself fails
					ExpectError: c.err,
				}},
				CheckDestroy: noWrites(e),
			})
		})
	}
}

// A forwarding rule naming a certificate the account lacks warns at plan
// (another resource of the apply could make it) and is refused before the
// apply writes anything.
func TestAccWebTierPreflightRefusesAMissingCertificateBeforeWriting(t *testing.T) {
	e := acctest.New(t)
	https := `
    forwarding_rule {
      entry_protocol   = "https"
      entry_port       = 443
      target_protocol  = "http"
      target_port      = 80
      certificate_name = "shop-cert"
    }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		Steps: []resource.TestStep{{
			Config:      preflightConfig(e, "s-1vcpu-1gb", "ubuntu-24-04-x64", 2, https),
			ExpectError: regexp.MustCompile(`(?s)Unknown certificate.*"shop-cert"`),
		}},
		CheckDestroy: noWrites(e),
	})
}

func preflightConfig(e *acctest.Env, size, image string, instances int, rules string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = "checked"
  region = "nyc3"
  droplet {
    instances = %d
    size      = %q
    image     = %q
  }
  load_balancer {
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }%s
  }
}
`, instances, size, image, rules)
}

// noWrites checks the sandbox recorded no request that changes anything.
func noWrites(e *acctest.Env) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if w := e.Sandbox.Counts().Writes(); len(w) > 0 {
			return fmt.Errorf("the refused tier wrote to the account: %v", w)
		}
		var n int
		e.Sandbox.Inspect(func(w *sandbox.World) { n = len(w.Droplets) + len(w.LoadBalancers) })
		if n > 0 {
			return fmt.Errorf("%d objects exist after a refused apply", n)
		}
		return nil
	}
}
