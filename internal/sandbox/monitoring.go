package sandbox

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Alert policy types the sandbox serves: DigitalOcean's droplet and load
// balancer insights. The provider's validators reuse these lists.
var (
	AlertPolicyDropletTypes      = doapi.AlertDropletTypes
	AlertPolicyLoadBalancerTypes = doapi.AlertLoadBalancerTypes
	AlertPolicyCompares          = doapi.AlertCompares
	AlertPolicyWindows           = doapi.AlertWindows
)

// AlertPolicy is a monitoring alert policy.
type AlertPolicy struct {
	UUID        string      `json:"uuid"`
	Type        string      `json:"type"`
	Description string      `json:"description"`
	Compare     string      `json:"compare"`
	Value       float64     `json:"value"`
	Window      string      `json:"window"`
	Entities    []string    `json:"entities"`
	Tags        []string    `json:"tags"`
	Alerts      AlertTarget `json:"alerts"`
	Enabled     bool        `json:"enabled"`
	CreatedAt   time.Time   `json:"created_at"` // list order only, not rendered
}

// AlertTarget is where an alert policy notifies.
type AlertTarget struct {
	Email []string       `json:"email"`
	Slack []SlackChannel `json:"slack"`
}

// SlackChannel is a Slack webhook and the channel it posts to.
type SlackChannel struct {
	Channel string `json:"channel"`
	URL     string `json:"url"`
}

// alertPolicyJSON is a policy as DigitalOcean renders it.
type alertPolicyJSON struct {
	UUID        string      `json:"uuid"`
	Type        string      `json:"type"`
	Description string      `json:"description"`
	Compare     string      `json:"compare"`
	Value       float64     `json:"value"`
	Window      string      `json:"window"`
	Entities    []string    `json:"entities"`
	Tags        []string    `json:"tags"`
	Alerts      AlertTarget `json:"alerts"`
	Enabled     bool        `json:"enabled"`
}

// alertPolicyRequest is a create or (whole-object) update body, as godo's
// AlertPolicyCreateRequest sends it: nil lists arrive as null.
type alertPolicyRequest struct {
	Type        string      `json:"type"`
	Description string      `json:"description"`
	Compare     string      `json:"compare"`
	Value       float64     `json:"value"`
	Window      string      `json:"window"`
	Entities    []string    `json:"entities"`
	Tags        []string    `json:"tags"`
	Alerts      AlertTarget `json:"alerts"`
	Enabled     *bool       `json:"enabled"`
}

func (s *Server) monitoringRoutes() {
	s.handle("POST /v2/monitoring/alerts", s.createAlertPolicy)
	s.handle("GET /v2/monitoring/alerts", s.listAlertPolicies)
	s.handle("GET /v2/monitoring/alerts/{uuid}", s.getAlertPolicy)
	s.handle("PUT /v2/monitoring/alerts/{uuid}", s.updateAlertPolicy)
	s.handle("DELETE /v2/monitoring/alerts/{uuid}", s.deleteAlertPolicy)
	s.loadBalancerMetricRoutes()
}

// createAlertPolicy answers 200, not 201, as DigitalOcean's monitoring
// service does.
func (s *Server) createAlertPolicy(c *call) (int, any) {
	p, err := c.alertPolicyFromRequest()
	if err != nil {
		return err.Status, err
	}
	p.UUID = newUUID()
	p.CreatedAt = c.now
	c.w.AlertPolicies[p.UUID] = p
	return http.StatusOK, map[string]any{"policy": renderAlertPolicy(p)}
}

func (s *Server) listAlertPolicies(c *call) (int, any) {
	all := make([]*AlertPolicy, 0, len(c.w.AlertPolicies))
	for _, p := range c.w.AlertPolicies {
		all = append(all, p)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.Before(all[j].CreatedAt)
		}
		return all[i].UUID < all[j].UUID
	})
	out := make([]alertPolicyJSON, len(all))
	for i, p := range all {
		out[i] = renderAlertPolicy(p)
	}
	return http.StatusOK, listBody(c, "policies", out)
}

func (s *Server) getAlertPolicy(c *call) (int, any) {
	p := c.w.AlertPolicies[c.r.PathValue("uuid")]
	if p == nil {
		return http.StatusNotFound, errNotFound()
	}
	return http.StatusOK, map[string]any{"policy": renderAlertPolicy(p)}
}

func (s *Server) updateAlertPolicy(c *call) (int, any) {
	old := c.w.AlertPolicies[c.r.PathValue("uuid")]
	if old == nil {
		return http.StatusNotFound, errNotFound()
	}
	p, err := c.alertPolicyFromRequest()
	if err != nil {
		return err.Status, err
	}
	p.UUID, p.CreatedAt = old.UUID, old.CreatedAt
	c.w.AlertPolicies[p.UUID] = p
	return http.StatusOK, map[string]any{"policy": renderAlertPolicy(p)}
}

func (s *Server) deleteAlertPolicy(c *call) (int, any) {
	id := c.r.PathValue("uuid")
	if c.w.AlertPolicies[id] == nil {
		return http.StatusNotFound, errNotFound()
	}
	delete(c.w.AlertPolicies, id)
	return http.StatusNoContent, nil
}

// alertPolicyFromRequest decodes and validates a policy. The monitoring
// service answers bad input with 400 bad_request and "invalid value for
// field '<field>': ..." (its decode error reads "failed to decode body into
// request: ...").
func (c *call) alertPolicyFromRequest() (*AlertPolicy, *APIError) {
	var in alertPolicyRequest
	if err := json.Unmarshal(c.body, &in); err != nil {
		return nil, errBadRequest("failed to decode body into request: %s", err.Error())
	}
	lbType := slices.Contains(AlertPolicyLoadBalancerTypes, in.Type)
	switch {
	case !lbType && !slices.Contains(AlertPolicyDropletTypes, in.Type):
		return nil, errBadField("type", "%q is not a supported alert type: must be one of %s",
			in.Type, strings.Join(append(slices.Clone(AlertPolicyDropletTypes), AlertPolicyLoadBalancerTypes...), ", "))
	case strings.TrimSpace(in.Description) == "":
		return nil, errBadField("description", "description is required")
	case !slices.Contains(AlertPolicyCompares, in.Compare):
		return nil, errBadField("compare", "%q must be one of %s", in.Compare, strings.Join(AlertPolicyCompares, ", "))
	case in.Value < 0:
		return nil, errBadField("value", "%v must be zero or more", in.Value)
	case !slices.Contains(AlertPolicyWindows, in.Window):
		return nil, errBadField("window", "%q must be one of %s", in.Window, strings.Join(AlertPolicyWindows, ", "))
	}
	for i, e := range in.Entities {
		field := fmt.Sprintf("entities[%d]", i)
		if lbType {
			if c.w.LoadBalancers[e] == nil {
				return nil, errBadField(field, "%q is not one of your load balancers (%s alerts take load balancer ids)", e, in.Type)
			}
			continue
		}
		id, err := strconv.Atoi(e)
		if err != nil || c.w.Droplets[id] == nil {
			return nil, errBadField(field, "%q is not one of your droplets (%s alerts take droplet ids)", e, in.Type)
		}
	}
	for i, t := range in.Tags {
		if !tagNamePattern.MatchString(t) {
			return nil, errBadField(fmt.Sprintf("tags[%d]", i), "%q is not a valid tag name: 1 to 255 letters, digits, colons, dashes and underscores", t)
		}
	}
	if len(in.Alerts.Email) == 0 && len(in.Alerts.Slack) == 0 {
		return nil, errBadField("alerts", "at least one email or slack destination is required")
	}
	for i, e := range in.Alerts.Email {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			return nil, errBadField(fmt.Sprintf("alerts.email[%d]", i), "invalid email '%s'", e)
		}
	}
	for i, sl := range in.Alerts.Slack {
		field := fmt.Sprintf("alerts.slack[%d]", i)
		if sl.Channel == "" {
			return nil, errBadField(field+".channel", "channel is required")
		}
		if u, err := url.Parse(sl.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, errBadField(field+".url", "%q must be an https webhook URL", sl.URL)
		}
	}
	p := &AlertPolicy{
		Type:        in.Type,
		Description: in.Description,
		Compare:     in.Compare,
		Value:       in.Value,
		Window:      in.Window,
		Entities:    nonNil(in.Entities),
		Tags:        nonNil(in.Tags),
		Alerts:      AlertTarget{Email: nonNil(in.Alerts.Email), Slack: nonNil(in.Alerts.Slack)},
		Enabled:     in.Enabled != nil && *in.Enabled,
	}
	return p, nil
}

func renderAlertPolicy(p *AlertPolicy) alertPolicyJSON {
	return alertPolicyJSON{
		UUID:        p.UUID,
		Type:        p.Type,
		Description: p.Description,
		Compare:     p.Compare,
		Value:       p.Value,
		Window:      p.Window,
		Entities:    nonNil(p.Entities),
		Tags:        nonNil(p.Tags),
		Alerts:      AlertTarget{Email: nonNil(p.Alerts.Email), Slack: nonNil(p.Alerts.Slack)},
		Enabled:     p.Enabled,
	}
}

func errBadField(field, format string, args ...any) *APIError {
	return errBadRequest("invalid value for field '%s': %s", field, fmt.Sprintf(format, args...))
}

// nonNil renders absent lists as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// MonitoringUnit is the sandbox's monitoring alert policies and the load balancer metrics.
type MonitoringUnit struct {
	AlertPolicies map[string]*AlertPolicy `json:"alert_policies"`
}

func (u *MonitoringUnit) ensure() {
	if u.AlertPolicies == nil {
		u.AlertPolicies = map[string]*AlertPolicy{}
	}
}

func (*MonitoringUnit) routes(s *Server) {
	s.monitoringRoutes()
}
