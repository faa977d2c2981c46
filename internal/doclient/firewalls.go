package doclient

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ListFirewalls returns every firewall of the account, oldest first.
func (c *Client) ListFirewalls(ctx context.Context) ([]tier.Firewall, error) {
	shared, err := c.readers.firewalls.get(ctx, struct{}{})
	if err != nil {
		return nil, err
	}
	all := slices.Clone(shared) // the list is shared with other callers
	sort.SliceStable(all, func(i, j int) bool { return all[i].Created < all[j].Created })
	out := make([]tier.Firewall, len(all))
	for i := range all {
		out[i] = firewallFromGodo(&all[i])
	}
	return out, nil
}

// CreateFirewall creates a firewall, making its tags first (DigitalOcean
// refuses a firewall naming a tag that does not exist yet). After an
// unknown outcome it adopts a firewall with the name covering the tier tag
// made since the call started; a namesake older than that is not it.
func (c *Client) CreateFirewall(ctx context.Context, req tier.FirewallRequest) (*tier.Firewall, error) {
	for _, t := range req.Tags {
		if err := c.ensureTag(ctx, t); err != nil {
			return nil, fmt.Errorf("create tag %s for the firewall: %w", t, err)
		}
	}
	body := firewallRequest(req)
	since := time.Now().Add(-clockSkew)
	return createOnce(ctx, c, "create firewall "+req.Name,
		func(ctx context.Context) (*tier.Firewall, *godo.Response, error) {
			fw, resp, err := c.godo.Firewalls.Create(ctx, body)
			if err != nil {
				return nil, resp, err
			}
			out := firewallFromGodo(fw)
			return &out, resp, nil
		},
		func(ctx context.Context) (*tier.Firewall, bool) {
			all, err := c.ListFirewalls(ctx)
			if err != nil {
				return nil, false
			}
			for _, fw := range all {
				if fw.Name == req.Name && len(req.Tags) > 0 && slices.Contains(fw.Tags, req.Tags[0]) && !fw.CreatedAt.Before(since) {
					return &fw, true
				}
			}
			return nil, false
		})
}

// UpdateFirewall replaces a firewall (PUT sends the whole object).
func (c *Client) UpdateFirewall(ctx context.Context, id string, req tier.FirewallRequest) (*tier.Firewall, error) {
	var fw *godo.Firewall
	_, err := c.call(ctx, "update firewall "+id, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		fw, resp, err = c.godo.Firewalls.Update(ctx, id, firewallRequest(req))
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	out := firewallFromGodo(fw)
	return &out, nil
}

// DeleteFirewall deletes a firewall; one already gone is success.
func (c *Client) DeleteFirewall(ctx context.Context, id string) error {
	resp, err := c.call(ctx, "delete firewall "+id, true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.Firewalls.Delete(ctx, id)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

func firewallRequest(req tier.FirewallRequest) *godo.FirewallRequest {
	out := &godo.FirewallRequest{Name: req.Name, Tags: req.Tags, InboundRules: []godo.InboundRule{}, OutboundRules: []godo.OutboundRule{}}
	for _, r := range req.Inbound {
		out.InboundRules = append(out.InboundRules, godo.InboundRule{Protocol: r.Protocol, PortRange: r.Ports,
			Sources: &godo.Sources{Addresses: r.Addresses, Tags: r.Tags, DropletIDs: r.DropletIDs, LoadBalancerUIDs: r.LoadBalancerUIDs}})
	}
	for _, r := range req.Outbound {
		out.OutboundRules = append(out.OutboundRules, godo.OutboundRule{Protocol: r.Protocol, PortRange: r.Ports,
			Destinations: &godo.Destinations{Addresses: r.Addresses, Tags: r.Tags, DropletIDs: r.DropletIDs, LoadBalancerUIDs: r.LoadBalancerUIDs}})
	}
	return out
}

func firewallFromGodo(fw *godo.Firewall) tier.Firewall {
	out := tier.Firewall{ID: fw.ID, Status: fw.Status, CreatedAt: parseTime(fw.Created),
		FirewallRequest: tier.FirewallRequest{Name: fw.Name, Tags: slices.Clone(fw.Tags)}}
	for _, r := range fw.InboundRules {
		rule := tier.FirewallRule{Protocol: r.Protocol, Ports: r.PortRange}
		if s := r.Sources; s != nil {
			rule.Addresses, rule.Tags, rule.DropletIDs, rule.LoadBalancerUIDs = slices.Clone(s.Addresses), slices.Clone(s.Tags), slices.Clone(s.DropletIDs), slices.Clone(s.LoadBalancerUIDs)
		}
		out.Inbound = append(out.Inbound, rule)
	}
	for _, r := range fw.OutboundRules {
		rule := tier.FirewallRule{Protocol: r.Protocol, Ports: r.PortRange}
		if d := r.Destinations; d != nil {
			rule.Addresses, rule.Tags, rule.DropletIDs, rule.LoadBalancerUIDs = slices.Clone(d.Addresses), slices.Clone(d.Tags), slices.Clone(d.DropletIDs), slices.Clone(d.LoadBalancerUIDs)
		}
		out.Outbound = append(out.Outbound, rule)
	}
	return out
}
