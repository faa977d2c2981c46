package doclient

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// FindPools lists the autoscale pools whose droplet template carries tag,
// oldest first, with the members of those not being deleted. An API
// without autoscale pools has none.
func (c *Client) FindPools(ctx context.Context, tag string) ([]tier.AutoscalePool, error) {
	all, err := c.listPools(ctx)
	if err != nil {
		return nil, err
	}
	var out []tier.AutoscalePool
	for _, p := range all {
		if p == nil || p.DropletTemplate == nil || !slices.Contains(p.DropletTemplate.Tags, tag) {
			continue
		}
		if p.Status == tier.PoolDeleting {
			out = append(out, *poolFromGodo(p))
			continue
		}
		withMembers, err := c.poolWithMembers(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, *withMembers)
	}
	slices.SortStableFunc(out, func(a, b tier.AutoscalePool) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// GetPool reads a pool with its members; nil, nil when it is gone.
func (c *Client) GetPool(ctx context.Context, id string) (*tier.AutoscalePool, error) {
	var p *godo.DropletAutoscalePool
	resp, err := c.call(ctx, "get autoscale pool "+id, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		p, resp, err = c.godo.DropletAutoscale.Get(ctx, id)
		return resp, err
	})
	if isNotFound(resp, err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out, err := c.poolWithMembers(ctx, p)
	if isNotFound(nil, err) {
		return nil, nil // deleted between the two requests
	}
	return out, err
}

func (c *Client) listPools(ctx context.Context) ([]*godo.DropletAutoscalePool, error) {
	return c.readers.pools.get(ctx, struct{}{})
}

func (c *Client) poolWithMembers(ctx context.Context, p *godo.DropletAutoscalePool) (*tier.AutoscalePool, error) {
	out := poolFromGodo(p)
	members, err := listAll(ctx, c, "list members of autoscale pool "+p.ID, func(ctx context.Context, opt *godo.ListOptions) ([]*godo.DropletAutoscaleResource, *godo.Response, error) {
		return c.godo.DropletAutoscale.ListMembers(ctx, p.ID, opt)
	})
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m != nil {
			out.Members = append(out.Members, int(m.DropletID))
		}
	}
	slices.Sort(out.Members)
	return out, nil
}

// CreatePool creates the pool. After an unanswered or failed (5xx) request
// it looks for the one the request made before trying again: its template
// carries the tier tag (req.Template.Tags[0]), it has the name and was
// created after the call started. A pool that only has the name is someone
// else's, and the retry meets DigitalOcean's "name taken" refusal.
func (c *Client) CreatePool(ctx context.Context, req tier.PoolRequest) (*tier.AutoscalePool, error) {
	if len(req.Template.Tags) == 0 {
		return nil, fmt.Errorf("create autoscale pool %s: no tier tag in its template to find it by", req.Name)
	}
	body := poolRequest(req)
	since := time.Now().Add(-clockSkew)
	return createOnce(ctx, c, "create autoscale pool "+req.Name,
		func(ctx context.Context) (*tier.AutoscalePool, *godo.Response, error) {
			p, resp, err := c.godo.DropletAutoscale.Create(ctx, body)
			if err != nil {
				return nil, resp, err
			}
			return poolFromGodo(p), resp, nil
		},
		func(ctx context.Context) (*tier.AutoscalePool, bool) {
			found, err := c.FindPools(ctx, req.Template.Tags[0])
			if err != nil {
				return nil, false
			}
			for _, p := range found {
				if p.Name == req.Name && p.Status != tier.PoolDeleting && !p.CreatedAt.Before(since) {
					return &p, true
				}
			}
			return nil, false
		})
}

// UpdatePool replaces the pool's configuration and template.
func (c *Client) UpdatePool(ctx context.Context, id string, req tier.PoolRequest) (*tier.AutoscalePool, error) {
	var p *godo.DropletAutoscalePool
	_, err := c.call(ctx, "update autoscale pool "+id, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		p, resp, err = c.godo.DropletAutoscale.Update(ctx, id, poolRequest(req))
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	return poolFromGodo(p), nil
}

// DeletePool deletes the pool only; already gone is success.
func (c *Client) DeletePool(ctx context.Context, id string) error {
	resp, err := c.call(ctx, "delete autoscale pool "+id, true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.DropletAutoscale.Delete(ctx, id)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

func poolRequest(req tier.PoolRequest) *godo.DropletAutoscalePoolRequest {
	cfg := req.Config
	t := req.Template
	return &godo.DropletAutoscalePoolRequest{
		Name: req.Name,
		Config: &godo.DropletAutoscaleConfiguration{
			MinInstances: uint64(cfg.MinInstances), MaxInstances: uint64(cfg.MaxInstances),
			TargetCPUUtilization: cfg.TargetCPUUtilization, TargetMemoryUtilization: cfg.TargetMemoryUtilization,
			CooldownMinutes: uint32(cfg.CooldownMinutes), TargetNumberInstances: uint64(cfg.TargetNumberInstances),
		},
		DropletTemplate: &godo.DropletAutoscaleResourceTemplate{
			Size: t.Size, Region: t.Region, Image: t.Image, Tags: t.Tags, SSHKeys: t.SSHKeys,
			VpcUUID: t.VPCUUID, IPV6: t.IPv6, UserData: t.UserData, WithDropletAgent: true,
		},
	}
}

func poolFromGodo(p *godo.DropletAutoscalePool) *tier.AutoscalePool {
	out := &tier.AutoscalePool{ID: p.ID, Name: p.Name, Status: p.Status, CreatedAt: p.CreatedAt}
	if c := p.Config; c != nil {
		out.Config = tier.PoolConfig{
			MinInstances: int(c.MinInstances), MaxInstances: int(c.MaxInstances),
			TargetCPUUtilization: c.TargetCPUUtilization, TargetMemoryUtilization: c.TargetMemoryUtilization,
			CooldownMinutes: int(c.CooldownMinutes), TargetNumberInstances: int(c.TargetNumberInstances),
		}
	}
	if t := p.DropletTemplate; t != nil {
		out.Template = tier.PoolTemplate{
			Size: t.Size, Region: t.Region, Image: t.Image, Tags: slices.Clone(t.Tags), SSHKeys: slices.Clone(t.SSHKeys),
			VPCUUID: t.VpcUUID, IPv6: t.IPV6, UserData: t.UserData,
		}
	}
	return out
}
