package sandbox

import (
	"slices"
	"testing"

	"github.com/digitalocean/godo"
)

// DigitalOcean embeds the whole region object in a load balancer, sizes
// included (OpenAPI load_balancer_basic_response); doctl's JSON output and
// godo's Region.Sizes showed an empty list.
func TestCompatLoadBalancerRegionListsSizes(t *testing.T) {
	e := newTestEnv(t)
	lb := e.createLB(minimalLB())

	got, _, err := e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if err != nil {
		t.Fatal(err)
	}
	region, _, err := e.client.Regions.List(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(region, func(r godo.Region) bool { return r.Slug == "nyc3" })
	if i < 0 {
		t.Fatal("nyc3 missing from the region list")
	}
	if len(got.Region.Sizes) == 0 {
		t.Fatal("load balancer region has no sizes")
	}
	if !slices.Equal(got.Region.Sizes, region[i].Sizes) || got.Region.Name != region[i].Name ||
		!slices.Equal(got.Region.Features, region[i].Features) || got.Region.Available != region[i].Available {
		t.Errorf("load balancer region %+v differs from the catalog's %+v", *got.Region, region[i])
	}
}
