package provider

import (
	"context"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// spec converts the plan (or config) into the tier's desired state, with
// DigitalOcean's defaults for what is not set.
func (m *webTierModel) spec(ctx context.Context) (tier.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := tier.Spec{
		Name:    m.Name.ValueString(),
		Region:  m.Region.ValueString(),
		VPCUUID: m.VPCUUID.ValueString(),
	}
	if !m.Tags.IsNull() && !m.Tags.IsUnknown() {
		diags.Append(m.Tags.ElementsAs(ctx, &s.Tags, false)...)
		sort.Strings(s.Tags)
	}
	if d := m.Droplet; d != nil {
		s.Droplet = tier.DropletSpec{
			Instances:  int(d.Instances.ValueInt64()),
			Size:       d.Size.ValueString(),
			Image:      d.Image.ValueString(),
			UserData:   d.UserData.ValueString(),
			Monitoring: d.Monitoring.IsNull() || d.Monitoring.ValueBool(),
			IPv6:       d.IPv6.ValueBool(),
		}
		diags.Append(stringsOf(ctx, d.SSHKeys, &s.Droplet.SSHKeys)...)
		if b := d.Backups; b != nil && !b.Plan.IsNull() {
			s.Droplet.Backups = &tier.BackupSpec{Plan: b.Plan.ValueString(), Hour: int(b.Hour.ValueInt64())}
			if s.Droplet.Backups.Plan == "weekly" {
				s.Droplet.Backups.Weekday = b.Weekday.ValueString()
				if s.Droplet.Backups.Weekday == "" {
					s.Droplet.Backups.Weekday = "SUN"
				}
			}
		}
	}
	if lb := m.LoadBalancer; lb != nil {
		s.LoadBalancer = tier.LoadBalancerSpec{
			SizeUnit:               intOr(lb.SizeUnit, doapi.LBDefaultSizeUnit),
			RedirectHTTPToHTTPS:    lb.RedirectHTTPToHTTPS.ValueBool(),
			EnableProxyProtocol:    lb.EnableProxyProtocol.ValueBool(),
			EnableBackendKeepalive: lb.EnableBackendKeepalive.ValueBool(),
			HTTPIdleTimeoutSeconds: intOr(lb.HTTPIdleTimeoutSeconds, doapi.LBDefaultIdleTimeout),
			HealthCheck:            healthCheckSpec(lb.HealthCheck),
			StickySessions:         tier.StickySessions{Type: "none"},
		}
		for _, r := range lb.ForwardingRules {
			s.LoadBalancer.ForwardingRules = append(s.LoadBalancer.ForwardingRules, tier.ForwardingRule{
				EntryProtocol: r.EntryProtocol.ValueString(), EntryPort: int(r.EntryPort.ValueInt64()),
				TargetProtocol: r.TargetProtocol.ValueString(), TargetPort: int(r.TargetPort.ValueInt64()),
				CertificateName: r.CertificateName.ValueString(), TLSPassthrough: r.TLSPassthrough.ValueBool(),
			})
		}
		if ss := lb.StickySessions; ss != nil {
			s.LoadBalancer.StickySessions = tier.NormalizeSticky(tier.StickySessions{
				Type: stringOr(ss.Type, "none"), CookieName: ss.CookieName.ValueString(), CookieTTLSeconds: int(ss.CookieTTLSeconds.ValueInt64()),
			})
		}
		if fw := lb.Firewall; fw != nil {
			diags.Append(stringsOf(ctx, fw.Allow, &s.LoadBalancer.FirewallAllow)...)
			diags.Append(stringsOf(ctx, fw.Deny, &s.LoadBalancer.FirewallDeny)...)
		}
	}
	for _, a := range m.Alerts {
		as := tier.AlertSpec{
			Metric: a.Metric.ValueString(), Compare: a.Compare.ValueString(), Value: a.Value.ValueFloat64(),
			Window: a.Window.ValueString(), Enabled: a.Enabled.IsNull() || a.Enabled.ValueBool(),
		}
		diags.Append(stringsOf(ctx, a.Emails, &as.Emails)...)
		for _, sl := range a.Slack {
			as.Slack = append(as.Slack, tier.SlackTarget{Channel: sl.Channel.ValueString(), URL: sl.URL.ValueString()})
		}
		s.Alerts = append(s.Alerts, as)
	}
	s.Rollout = tier.RolloutSpec{
		MaxSurge: defaultMaxSurge, MaxUnavailable: defaultMaxUnavailable,
		Health: tier.HealthLoadBalancer, ScaleInPolicy: tier.ScaleInNewestFirst,
	}
	timeout := defaultHealthTimeout
	if r := m.Rollout; r != nil {
		s.Rollout.MaxSurge = intOr(r.MaxSurge, defaultMaxSurge)
		s.Rollout.MaxUnavailable = intOr(r.MaxUnavailable, defaultMaxUnavailable)
		s.Rollout.Health = stringOr(r.Health, tier.HealthLoadBalancer)
		s.Rollout.ScaleInPolicy = stringOr(r.ScaleInPolicy, tier.ScaleInNewestFirst)
		timeout = stringOr(r.HealthTimeout, defaultHealthTimeout)
	}
	s.Rollout.HealthTimeout, _ = time.ParseDuration(timeout) // validated by the schema
	if a := m.Autoscale; a != nil {
		s.Autoscale = &tier.AutoscaleSpec{
			MinInstances:            int(a.MinInstances.ValueInt64()),
			MaxInstances:            int(a.MaxInstances.ValueInt64()),
			TargetCPUUtilization:    a.TargetCPUUtilization.ValueFloat64(),
			TargetMemoryUtilization: a.TargetMemoryUtilization.ValueFloat64(),
			CooldownMinutes:         intOr(a.CooldownMinutes, doapi.AutoscaleDefaultCooldownMinutes),
		}
		s.Droplet.Instances = 0
	}
	return s, diags
}

func healthCheckSpec(h *healthCheckModel) tier.HealthCheck {
	hc := tier.HealthCheck{
		Protocol: "http", Port: 80, Path: doapi.LBDefaultHealthCheckPath,
		CheckIntervalSeconds: doapi.LBDefaultCheckInterval, ResponseTimeoutSeconds: doapi.LBDefaultResponseTimeout,
		HealthyThreshold: doapi.LBDefaultHealthyThreshold, UnhealthyThreshold: doapi.LBDefaultUnhealthyThreshold,
	}
	if h == nil {
		return hc
	}
	hc.Protocol = stringOr(h.Protocol, hc.Protocol)
	hc.Port = intOr(h.Port, hc.Port)
	hc.Path = stringOr(h.Path, hc.Path)
	if hc.Protocol == "tcp" {
		hc.Path = ""
	}
	hc.CheckIntervalSeconds = intOr(h.CheckIntervalSeconds, hc.CheckIntervalSeconds)
	hc.ResponseTimeoutSeconds = intOr(h.ResponseTimeoutSeconds, hc.ResponseTimeoutSeconds)
	hc.HealthyThreshold = intOr(h.HealthyThreshold, hc.HealthyThreshold)
	hc.UnhealthyThreshold = intOr(h.UnhealthyThreshold, hc.UnhealthyThreshold)
	return hc
}

// ref is what the state knows to find the tier's objects.
func (m *webTierModel) ref(ctx context.Context) tier.Ref {
	r := tier.Ref{
		Name:           m.Name.ValueString(),
		LoadBalancerID: m.LoadBalancerID.ValueString(),
		Alerts:         len(m.Alerts) > 0 || (!m.AlertPolicyIDs.IsNull() && len(m.AlertPolicyIDs.Elements()) > 0),
		Backups:        m.Droplet != nil && m.Droplet.Backups != nil,
		Pool:           m.Autoscale != nil,
	}
	if !m.Droplets.IsNull() && !m.Droplets.IsUnknown() {
		for _, e := range m.Droplets.Elements() {
			if o, ok := e.(types.Object); ok {
				if id, ok := o.Attributes()["id"].(types.Int64); ok && !id.IsNull() {
					r.KnownDroplets = append(r.KnownDroplets, int(id.ValueInt64()))
				}
			}
		}
	}
	return r
}
