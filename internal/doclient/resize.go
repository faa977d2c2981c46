package doclient

import (
	"context"

	"github.com/digitalocean/godo"
)

// What the in-place resize of a rollout needs: DigitalOcean's power_off,
// resize and power_on droplet actions, each waited for until it completes
// (runAction: a pending action is waited out, an unanswered one is looked
// up before it is posted again).

// PowerOffDroplet powers a droplet off (a hard power off: the resize
// needs the droplet off, and the tier drained it from the load balancer
// first).
func (c *Client) PowerOffDroplet(ctx context.Context, id int) error {
	return c.runAction(ctx, id, "power_off", func(ctx context.Context) (*godo.Action, *godo.Response, error) {
		return c.godo.DropletActions.PowerOff(ctx, id)
	})
}

// ResizeDroplet resizes a powered-off droplet to size; with disk its disk
// grows to the size's too, which cannot be undone (DigitalOcean then
// refuses any size with a smaller disk).
func (c *Client) ResizeDroplet(ctx context.Context, id int, size string, disk bool) error {
	return c.runAction(ctx, id, "resize", func(ctx context.Context) (*godo.Action, *godo.Response, error) {
		return c.godo.DropletActions.Resize(ctx, id, size, disk)
	})
}

// PowerOnDroplet powers a droplet on.
func (c *Client) PowerOnDroplet(ctx context.Context, id int) error {
	return c.runAction(ctx, id, "power_on", func(ctx context.Context) (*godo.Action, *godo.Response, error) {
		return c.godo.DropletActions.PowerOn(ctx, id)
	})
}
