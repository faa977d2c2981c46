package provider_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

// A firewall naming a tag the account lacks (here "bastoin" for the
// account's "bastion") warns at plan, since a digitalocean_tag of the same
// apply could make it, and is refused before the apply writes anything,
// naming the attribute and the nearest tag.
func TestAccWebTierFirewallUnknownTagRefusedBeforeWriting(t *testing.T) {
	e := acctest.New(t)
	config := preflightConfig(e, "s-1vcpu-1gb", "ubuntu-24-04-x64", 2, "")
	config = strings.Replace(config, `  load_balancer {`, `  firewall {
    ssh_sources = ["192.0.2.0/24", "tag:bastoin"]
  }
  load_balancer {`, 1)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck: func() {
			if _, _, err := e.Godo().Tags.Create(t.Context(), &godo.TagCreateRequest{Name: "bastion"}); err != nil {
				t.Fatal(err)
			}
			e.Sandbox.ResetCounts() // the tag is the test's, not the tier's
		},
		ProtoV6ProviderFactories: e.Factories(),
		Steps: []resource.TestStep{{
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)Unknown tag.*ssh_sources.*no tag "bastoin".*Did\s+you\s+mean\s+"bastion"`),
		}},
		CheckDestroy: noWrites(e),
	})
}
