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
		Rollout: m.Rollout.spec(),
	}
	if !m.Tags.IsNull() && !m.Tags.IsUnknown() {
		diags.Append(m.Tags.ElementsAs(ctx, &s.Tags, false)...)
		sort.Strings(s.Tags)
	}
	if d := m.Droplet; d != nil {
		s.Droplet = d.spec()
		diags.Append(stringsOf(ctx, d.SSHKeys, &s.Droplet.SSHKeys)...)
	}
	if lb := m.LoadBalancer; lb != nil {
		s.LoadBalancer = lb.spec()
		if fw := lb.Firewall; fw != nil {
			diags.Append(stringsOf(ctx, fw.Allow, &s.LoadBalancer.FirewallAllow)...)
			diags.Append(stringsOf(ctx, fw.Deny, &s.LoadBalancer.FirewallDeny)...)
		}
	}
	for _, a := range m.Alerts {
		as := a.spec()
		diags.Append(stringsOf(ctx, a.Emails, &as.Emails)...)
		s.Alerts = append(s.Alerts, as)
	}
	if a := m.Autoscale; a != nil {
		s.Autoscale = a.spec()
		s.Droplet.Instances = 0
	}
	fw, d := m.Firewall.spec(ctx)
	diags.Append(d...)
	s.Firewall = fw
	s.Domain = m.Domain.spec()
	s.ProjectID = m.ProjectID.ValueString()
	return s, diags
}

// spec is the droplet template without its SSH keys (a list to convert).
func (d *dropletModel) spec() tier.DropletSpec {
	s := tier.DropletSpec{
		Instances:  int(d.Instances.ValueInt64()),
		Size:       d.Size.ValueString(),
		Image:      d.Image.ValueString(),
		UserData:   d.UserData.ValueString(),
		Monitoring: d.Monitoring.IsNull() || d.Monitoring.ValueBool(),
		IPv6:       d.IPv6.ValueBool(),
	}
	if b := d.Backups; b != nil && !b.Plan.IsNull() {
		s.Backups = &tier.BackupSpec{Plan: b.Plan.ValueString(), Hour: int(b.Hour.ValueInt64())}
		if s.Backups.Plan == "weekly" {
			s.Backups.Weekday = stringOr(b.Weekday, "SUN")
		}
	}
	return s
}

// spec is the load balancer without its firewall (lists to convert).
func (lb *loadBalancerModel) spec() tier.LoadBalancerSpec {
	s := tier.LoadBalancerSpec{
		SizeUnit:               intOr(lb.SizeUnit, doapi.LBDefaultSizeUnit),
		RedirectHTTPToHTTPS:    lb.RedirectHTTPToHTTPS.ValueBool(),
		EnableProxyProtocol:    lb.EnableProxyProtocol.ValueBool(),
		EnableBackendKeepalive: lb.EnableBackendKeepalive.ValueBool(),
		HTTPIdleTimeoutSeconds: intOr(lb.HTTPIdleTimeoutSeconds, doapi.LBDefaultIdleTimeout),
		HealthCheck:            healthCheckSpec(lb.HealthCheck),
		StickySessions:         tier.StickySessions{Type: "none"},
	}
	for _, r := range lb.ForwardingRules {
		s.ForwardingRules = append(s.ForwardingRules, tier.ForwardingRule{
			EntryProtocol: r.EntryProtocol.ValueString(), EntryPort: int(r.EntryPort.ValueInt64()),
			TargetProtocol: r.TargetProtocol.ValueString(), TargetPort: int(r.TargetPort.ValueInt64()),
			CertificateName: r.CertificateName.ValueString(), TLSPassthrough: r.TLSPassthrough.ValueBool(),
		})
	}
	if ss := lb.StickySessions; ss != nil {
		s.StickySessions = tier.NormalizeSticky(tier.StickySessions{
			Type: stringOr(ss.Type, "none"), CookieName: ss.CookieName.ValueString(), CookieTTLSeconds: int(ss.CookieTTLSeconds.ValueInt64()),
		})
	}
	return s
}

// spec is the alert policy without its emails (a list to convert).
func (a *alertModel) spec() tier.AlertSpec {
	s := tier.AlertSpec{
		Metric: a.Metric.ValueString(), Compare: a.Compare.ValueString(), Value: a.Value.ValueFloat64(),
		Window: a.Window.ValueString(), Enabled: a.Enabled.IsNull() || a.Enabled.ValueBool(),
	}
	for _, sl := range a.Slack {
		s.Slack = append(s.Slack, tier.SlackTarget{Channel: sl.Channel.ValueString(), URL: sl.URL.ValueString()})
	}
	return s
}

// spec is the rollout with the defaults for what is not set; a nil block
// is all defaults.
func (r *rolloutModel) spec() tier.RolloutSpec {
	s := tier.RolloutSpec{
		MaxSurge: budgetOr(types.StringNull(), defaultMaxSurge), MaxUnavailable: budgetOr(types.StringNull(), defaultMaxUnavailable),
		Health: tier.HealthLoadBalancer, ScaleInPolicy: tier.ScaleInNewestFirst, OnFailure: tier.OnFailureStop,
		Resize: tier.ResizeReplace,
	}
	timeout := defaultHealthTimeout
	if r != nil {
		s.MaxSurge = budgetOr(r.MaxSurge, defaultMaxSurge)
		s.MaxUnavailable = budgetOr(r.MaxUnavailable, defaultMaxUnavailable)
		s.Health = stringOr(r.Health, tier.HealthLoadBalancer)
		s.ScaleInPolicy = stringOr(r.ScaleInPolicy, tier.ScaleInNewestFirst)
		timeout = stringOr(r.HealthTimeout.StringValue, defaultHealthTimeout)
		s.MinReady = durationOr(r.MinReady, 0)
		s.OnFailure = stringOr(r.OnFailure, tier.OnFailureStop)
		s.Resize = stringOr(r.Resize, tier.ResizeReplace)
		s.ResizeDisk = r.ResizeDisk.ValueBool()
		s.Checkpoints = checkpointsOf(r.Checkpoints)
		if len(s.Checkpoints) > 0 {
			s.CheckpointDelay = durationOr(r.CheckpointDelay, defaultCheckpointDelayDuration)
			s.MaxErrorRate = r.MaxErrorRate.ValueFloat64()
		}
	}
	s.HealthTimeout, _ = time.ParseDuration(timeout) // validated by the schema
	return s
}

func (a *autoscaleModel) spec() *tier.AutoscaleSpec {
	return &tier.AutoscaleSpec{
		MinInstances:            int(a.MinInstances.ValueInt64()),
		MaxInstances:            int(a.MaxInstances.ValueInt64()),
		TargetCPUUtilization:    a.TargetCPUUtilization.ValueFloat64(),
		TargetMemoryUtilization: a.TargetMemoryUtilization.ValueFloat64(),
		CooldownMinutes:         intOr(a.CooldownMinutes, doapi.AutoscaleDefaultCooldownMinutes),
	}
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
		Firewall:       m.Firewall != nil || m.FirewallID.ValueString() != "",
		FirewallID:     m.FirewallID.ValueString(),
		Domain:         m.Domain.spec(),
		ProjectID:      m.ProjectID.ValueString(),
	}
	r.Certificate = !m.CertificateID.IsNull() && !m.CertificateID.IsUnknown() ||
		(m.Domain != nil && m.Domain.Certificate.ValueString() == certificateLetsEncrypt)
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
