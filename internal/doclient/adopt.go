package doclient

import (
	"context"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ListLoadBalancers lists every load balancer of the account (an import
// looks for one to adopt by id or name).
func (c *Client) ListLoadBalancers(ctx context.Context) ([]tier.LoadBalancer, error) {
	all, err := listAll(ctx, c, "list load balancers", func(ctx context.Context, opt *godo.ListOptions) ([]godo.LoadBalancer, *godo.Response, error) {
		return c.godo.LoadBalancers.List(ctx, opt)
	})
	if err != nil {
		return nil, err
	}
	out := make([]tier.LoadBalancer, 0, len(all))
	for i := range all {
		lb, err := c.loadBalancerFromGodo(ctx, &all[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *lb)
	}
	return out, nil
}
