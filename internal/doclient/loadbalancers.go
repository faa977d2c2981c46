package doclient

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// GetLoadBalancer returns nil, nil when it does not exist. Concurrent
// calls share one list of the account's load balancers when that costs
// fewer requests than a get each (see loadBalancerReader).
func (c *Client) GetLoadBalancer(ctx context.Context, id string) (*tier.LoadBalancer, error) {
	found, err := c.readers.lbs.flight.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, nil
	}
	lb := found[0]
	return c.loadBalancerFromGodo(ctx, &lb)
}

// FindLoadBalancers lists every load balancer targeting tag, whatever its
// name, oldest first.
func (c *Client) FindLoadBalancers(ctx context.Context, tag string) ([]tier.LoadBalancer, error) {
	all, err := c.readers.lbs.flight.get(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []tier.LoadBalancer
	for i := range all {
		if all[i].Tag != tag {
			continue
		}
		lb, err := c.loadBalancerFromGodo(ctx, &all[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *lb)
	}
	slices.SortStableFunc(out, func(a, b tier.LoadBalancer) int {
		if n := a.CreatedAt.Compare(b.CreatedAt); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// CreateLoadBalancer creates the load balancer. After an unanswered or
// failed (5xx) request it looks for the one the request made before trying
// again: it targets the tier tag, carries the name and was created after
// the call started. DigitalOcean allows duplicate names, so a load balancer
// that only shares the name is someone else's.
func (c *Client) CreateLoadBalancer(ctx context.Context, req tier.LoadBalancerRequest) (*tier.LoadBalancer, error) {
	body, err := c.loadBalancerRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	since := time.Now().Add(-clockSkew)
	return createOnce(ctx, c, "create load balancer "+req.Name,
		func(ctx context.Context) (*tier.LoadBalancer, *godo.Response, error) {
			lb, resp, err := c.godo.LoadBalancers.Create(ctx, body)
			if err != nil {
				return nil, resp, err
			}
			out, err := c.loadBalancerFromGodo(ctx, lb)
			return out, resp, err
		},
		func(ctx context.Context) (*tier.LoadBalancer, bool) {
			found, err := c.FindLoadBalancers(ctx, req.Tag)
			if err != nil {
				return nil, false
			}
			for _, lb := range found {
				if lb.Name == req.Name && !lb.CreatedAt.Before(since) {
					return &lb, true
				}
			}
			return nil, false
		})
}

// UpdateLoadBalancer replaces the load balancer's settings, waiting out
// DigitalOcean's "processing previous actions" conflict until ctx ends.
func (c *Client) UpdateLoadBalancer(ctx context.Context, id string, req tier.LoadBalancerRequest) (*tier.LoadBalancer, error) {
	body, err := c.loadBalancerRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	busy := false // an earlier answer said busy
	for {
		var lb *godo.LoadBalancer
		resp, err := c.call(ctx, "update load balancer "+id, true, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			lb, resp, err = c.godo.LoadBalancers.Update(ctx, id, body)
			return resp, err
		})
		if err == nil {
			return c.loadBalancerFromGodo(ctx, lb)
		}
		if busy && ctx.Err() != nil {
			// The timeout came during a retry: the cause is still the busy
			// load balancer, whichever moment it hit.
			return nil, fmt.Errorf("update load balancer %s: still processing previous changes when the timeout came: %w", id, err)
		}
		if !isBusy(resp, err) {
			return nil, err
		}
		busy = true
		c.logf(ctx, "load balancer busy with a previous change; retrying", map[string]any{"id": id})
		if err := tier.Sleep(ctx, c.cfg.Poll); err != nil {
			return nil, fmt.Errorf("update load balancer %s: still processing previous changes when the timeout came: %w", id, err)
		}
	}
}

// isBusy recognises DigitalOcean's answer for a load balancer still applying
// an earlier change: 403 "Load Balancer can't be updated while it processes
// previous actions" (also accepted as a 422, as older API versions sent).
func isBusy(resp *godo.Response, err error) bool {
	if err == nil {
		return false
	}
	if s := statusOf(resp, err); s != http.StatusForbidden && s != http.StatusUnprocessableEntity {
		return false
	}
	return strings.Contains(strings.ToLower(err.Error()), "processes previous actions")
}

// DeleteLoadBalancer deletes it; already gone is success.
func (c *Client) DeleteLoadBalancer(ctx context.Context, id string) error {
	resp, err := c.call(ctx, "delete load balancer "+id, true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.LoadBalancers.Delete(ctx, id)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

// DropletHealth reads the load balancer's per-droplet health-check series.
func (c *Client) DropletHealth(ctx context.Context, lbID string, since time.Time) (map[int][]bool, error) {
	var m *godo.MetricsResponse
	_, err := c.call(ctx, "read droplet health checks of load balancer "+lbID, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		m, resp, err = c.godo.Monitoring.GetLoadBalancerDropletsHealthChecks(ctx, &godo.LoadBalancerMetricsRequest{
			LoadBalancerID: lbID, Start: since, End: time.Now(),
		})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	out := map[int][]bool{}
	for _, s := range m.Data.Result {
		id, err := strconv.Atoi(string(s.Metric["droplet_id"]))
		if err != nil {
			continue
		}
		for _, v := range s.Values {
			out[id] = append(out[id], float64(v.Value) >= 1)
		}
	}
	return out, nil
}

func (c *Client) loadBalancerRequest(ctx context.Context, req tier.LoadBalancerRequest) (*godo.LoadBalancerRequest, error) {
	s := req.Spec
	idle := uint64(s.HTTPIdleTimeoutSeconds)
	body := &godo.LoadBalancerRequest{
		Name:                   req.Name,
		Region:                 req.Region,
		SizeUnit:               uint32(s.SizeUnit),
		Tag:                    req.Tag,
		Tags:                   req.Tags,
		ProjectID:              req.ProjectID,
		RedirectHttpToHttps:    s.RedirectHTTPToHTTPS,
		EnableProxyProtocol:    s.EnableProxyProtocol,
		EnableBackendKeepalive: s.EnableBackendKeepalive,
		VPCUUID:                req.VPCUUID,
		HTTPIdleTimeoutSeconds: &idle,
		// Always sent: godo omits a nil pointer and DigitalOcean's default
		// (false) would write records of its own beside the tier's.
		DisableLetsEncryptDNSRecords: godo.PtrTo(s.DisableLetsEncryptDNSRecords),
		HealthCheck: &godo.HealthCheck{
			Protocol:               s.HealthCheck.Protocol,
			Port:                   s.HealthCheck.Port,
			Path:                   s.HealthCheck.Path,
			CheckIntervalSeconds:   s.HealthCheck.CheckIntervalSeconds,
			ResponseTimeoutSeconds: s.HealthCheck.ResponseTimeoutSeconds,
			HealthyThreshold:       s.HealthCheck.HealthyThreshold,
			UnhealthyThreshold:     s.HealthCheck.UnhealthyThreshold,
		},
		StickySessions: &godo.StickySessions{
			Type:             tier.NormalizeSticky(s.StickySessions).Type,
			CookieName:       tier.NormalizeSticky(s.StickySessions).CookieName,
			CookieTtlSeconds: tier.NormalizeSticky(s.StickySessions).CookieTTLSeconds,
		},
	}
	if len(s.FirewallAllow)+len(s.FirewallDeny) > 0 {
		body.Firewall = &godo.LBFirewall{Allow: s.FirewallAllow, Deny: s.FirewallDeny}
	}
	var certs map[string]string
	for _, r := range s.ForwardingRules {
		fr := godo.ForwardingRule{
			EntryProtocol: r.EntryProtocol, EntryPort: r.EntryPort,
			TargetProtocol: r.TargetProtocol, TargetPort: r.TargetPort,
			TlsPassthrough: r.TLSPassthrough,
		}
		if r.CertificateName != "" {
			if certs == nil {
				var err error
				if certs, err = c.certificateIDs(ctx); err != nil {
					return nil, err
				}
			}
			id, ok := certs[r.CertificateName]
			if !ok {
				return nil, fmt.Errorf("forwarding rule %s:%d: no certificate named %q in the account", r.EntryProtocol, r.EntryPort, r.CertificateName)
			}
			fr.CertificateID = id
		}
		body.ForwardingRules = append(body.ForwardingRules, fr)
	}
	return body, nil
}

// certificateIDs maps certificate names to ids.
func (c *Client) certificateIDs(ctx context.Context) (map[string]string, error) {
	all, err := c.readers.certificates.get(ctx, struct{}{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(all))
	for _, cert := range all {
		out[cert.Name] = cert.ID
	}
	return out, nil
}

func (c *Client) loadBalancerFromGodo(ctx context.Context, lb *godo.LoadBalancer) (*tier.LoadBalancer, error) {
	out := &tier.LoadBalancer{
		ID:         lb.ID,
		Name:       lb.Name,
		IP:         lb.IP,
		IPv6:       lb.IPv6,
		Status:     lb.Status,
		CreatedAt:  parseTime(lb.Created),
		VPCUUID:    lb.VPCUUID,
		Tag:        lb.Tag,
		Tags:       slices.Clone(lb.Tags),
		DropletIDs: slices.Clone(lb.DropletIDs),
	}
	if lb.Region != nil {
		out.Region = lb.Region.Slug
	}
	s := &out.Spec
	s.SizeUnit = int(lb.SizeUnit)
	s.RedirectHTTPToHTTPS = lb.RedirectHttpToHttps
	s.EnableProxyProtocol = lb.EnableProxyProtocol
	s.EnableBackendKeepalive = lb.EnableBackendKeepalive
	if lb.HTTPIdleTimeoutSeconds != nil {
		s.HTTPIdleTimeoutSeconds = int(*lb.HTTPIdleTimeoutSeconds)
	}
	if lb.DisableLetsEncryptDNSRecords != nil {
		s.DisableLetsEncryptDNSRecords = *lb.DisableLetsEncryptDNSRecords
	}
	if hc := lb.HealthCheck; hc != nil {
		s.HealthCheck = tier.HealthCheck{
			Protocol: hc.Protocol, Port: hc.Port, Path: hc.Path,
			CheckIntervalSeconds: hc.CheckIntervalSeconds, ResponseTimeoutSeconds: hc.ResponseTimeoutSeconds,
			HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold,
		}
	}
	if ss := lb.StickySessions; ss != nil {
		s.StickySessions = tier.NormalizeSticky(tier.StickySessions{Type: ss.Type, CookieName: ss.CookieName, CookieTTLSeconds: ss.CookieTtlSeconds})
	} else {
		s.StickySessions = tier.StickySessions{Type: "none"}
	}
	if fw := lb.Firewall; fw != nil {
		s.FirewallAllow = slices.Clone(fw.Allow)
		s.FirewallDeny = slices.Clone(fw.Deny)
	}
	var names map[string]string // certificate id -> name
	for _, r := range lb.ForwardingRules {
		fr := tier.ForwardingRule{
			EntryProtocol: r.EntryProtocol, EntryPort: r.EntryPort,
			TargetProtocol: r.TargetProtocol, TargetPort: r.TargetPort,
			TLSPassthrough: r.TlsPassthrough,
		}
		if r.CertificateID != "" {
			if names == nil {
				ids, err := c.certificateIDs(ctx)
				if err != nil {
					return nil, err
				}
				names = map[string]string{}
				for name, id := range ids {
					names[id] = name
				}
			}
			fr.CertificateName = names[r.CertificateID]
			if fr.CertificateName == "" {
				fr.CertificateName = "id:" + r.CertificateID // deleted certificate: show something that differs
			}
		}
		s.ForwardingRules = append(s.ForwardingRules, fr)
	}
	return out, nil
}
