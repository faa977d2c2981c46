package tier

import (
	"slices"
	"testing"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// Every metric the provider offers is a type DigitalOcean (and the sandbox)
// accepts, scoped the way its type says, and every type is offered once.
func TestAlertMetricsAreDigitalOceanTypes(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range AlertMetrics {
		droplet := slices.Contains(doapi.AlertDropletTypes, m.Type)
		lb := slices.Contains(doapi.AlertLoadBalancerTypes, m.Type)
		switch {
		case !droplet && !lb:
			t.Errorf("metric %s: type %s is not one DigitalOcean accepts", m.Name, m.Type)
		case lb != m.LoadBalancer:
			t.Errorf("metric %s: scoped to the load balancer = %v, but its type %s says %v", m.Name, m.LoadBalancer, m.Type, lb)
		}
		if seen[m.Type] {
			t.Errorf("type %s offered twice", m.Type)
		}
		seen[m.Type] = true
	}
	for _, typ := range append(slices.Clone(doapi.AlertDropletTypes), doapi.AlertLoadBalancerTypes...) {
		if !seen[typ] {
			t.Errorf("DigitalOcean type %s has no metric name", typ)
		}
	}
}

func TestAlertDescriptionMarkerRoundTrips(t *testing.T) {
	spec := baseSpec(1)
	spec.Alerts = []AlertSpec{{Metric: "lb_5xx_rate", Compare: "GreaterThan", Value: 2.5, Window: "10m"}}
	req := alertRequest(spec, 0, "lb-id")
	name, i, ok := AlertIndex(AlertPolicy{AlertRequest: AlertRequest{Description: req.Description}})
	if !ok || name != "hits" || i != 0 {
		t.Fatalf("marker of %q read back as %q %d %v", req.Description, name, i, ok)
	}
	if !slices.Equal(req.Entities, []string{"lb-id"}) || len(req.Tags) != 0 {
		t.Errorf("load balancer alert scoped by entities %v tags %v, want the load balancer id only", req.Entities, req.Tags)
	}
}
