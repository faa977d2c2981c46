package doclient

import (
	"context"
	"slices"
	"strconv"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ListAlertPolicies returns every alert policy of the account.
func (c *Client) ListAlertPolicies(ctx context.Context) ([]tier.AlertPolicy, error) {
	all, err := c.readers.alerts.get(ctx, struct{}{})
	if err != nil {
		return nil, err
	}
	out := make([]tier.AlertPolicy, len(all))
	for i := range all {
		out[i] = alertFromGodo(&all[i])
	}
	return out, nil
}

// CreateAlertPolicy creates a policy; after an unknown outcome it looks
// for a policy with the same description (the tier's marker) first.
func (c *Client) CreateAlertPolicy(ctx context.Context, req tier.AlertRequest) (*tier.AlertPolicy, error) {
	enabled := req.Enabled
	body := &godo.AlertPolicyCreateRequest{
		Type: req.Type, Description: req.Description, Compare: godo.AlertPolicyComp(req.Compare),
		Value: float32(req.Value), Window: req.Window, Entities: req.Entities, Tags: req.Tags,
		Alerts: alertsOf(req), Enabled: &enabled,
	}
	return createOnce(ctx, c, "create alert policy",
		func(ctx context.Context) (*tier.AlertPolicy, *godo.Response, error) {
			p, resp, err := c.godo.Monitoring.CreateAlertPolicy(ctx, body)
			if err != nil {
				return nil, resp, err
			}
			out := alertFromGodo(p)
			return &out, resp, nil
		},
		func(ctx context.Context) (*tier.AlertPolicy, bool) {
			all, err := c.ListAlertPolicies(ctx)
			if err != nil {
				return nil, false
			}
			for _, have := range all {
				if have.Description == req.Description {
					return &have, true
				}
			}
			return nil, false
		})
}

// UpdateAlertPolicy replaces a policy.
func (c *Client) UpdateAlertPolicy(ctx context.Context, id string, req tier.AlertRequest) (*tier.AlertPolicy, error) {
	enabled := req.Enabled
	body := &godo.AlertPolicyUpdateRequest{
		Type: req.Type, Description: req.Description, Compare: godo.AlertPolicyComp(req.Compare),
		Value: float32(req.Value), Window: req.Window, Entities: req.Entities, Tags: req.Tags,
		Alerts: alertsOf(req), Enabled: &enabled,
	}
	var p *godo.AlertPolicy
	_, err := c.call(ctx, "update alert policy "+id, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		p, resp, err = c.godo.Monitoring.UpdateAlertPolicy(ctx, id, body)
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	out := alertFromGodo(p)
	return &out, nil
}

// DeleteAlertPolicy deletes a policy; already gone is success.
func (c *Client) DeleteAlertPolicy(ctx context.Context, id string) error {
	resp, err := c.call(ctx, "delete alert policy "+id, true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.Monitoring.DeleteAlertPolicy(ctx, id)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

func alertsOf(req tier.AlertRequest) godo.Alerts {
	a := godo.Alerts{Email: req.Emails, Slack: []godo.SlackDetails{}}
	if a.Email == nil {
		a.Email = []string{}
	}
	for _, s := range req.Slack {
		a.Slack = append(a.Slack, godo.SlackDetails{Channel: s.Channel, URL: s.URL})
	}
	return a
}

func alertFromGodo(p *godo.AlertPolicy) tier.AlertPolicy {
	out := tier.AlertPolicy{UUID: p.UUID, AlertRequest: tier.AlertRequest{
		Type: p.Type, Description: p.Description, Compare: string(p.Compare),
		Value: float32ToFloat64(p.Value), Window: p.Window, Entities: slices.Clone(p.Entities), Tags: slices.Clone(p.Tags),
		Emails: slices.Clone(p.Alerts.Email), Enabled: p.Enabled,
	}}
	for _, s := range p.Alerts.Slack {
		out.Slack = append(out.Slack, tier.SlackTarget{Channel: s.Channel, URL: s.URL})
	}
	return out
}

// float32ToFloat64 keeps the shortest decimal form: godo carries alert
// values as float32, and 0.1 must come back as 0.1, not 0.10000000149.
func float32ToFloat64(v float32) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
	return f
}
