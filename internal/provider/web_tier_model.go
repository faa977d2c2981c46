package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// webTierModel is the resource's state and plan.
type webTierModel struct {
	ID             types.String       `tfsdk:"id"`
	Name           types.String       `tfsdk:"name"`
	Region         types.String       `tfsdk:"region"`
	VPCUUID        types.String       `tfsdk:"vpc_uuid"`
	Tags           types.Set          `tfsdk:"tags"`
	Droplet        *dropletModel      `tfsdk:"droplet"`
	LoadBalancer   *loadBalancerModel `tfsdk:"load_balancer"`
	Alerts         []alertModel       `tfsdk:"alert"`
	Rollout        *rolloutModel      `tfsdk:"rollout"`
	Autoscale      *autoscaleModel    `tfsdk:"autoscale"`
	Firewall       *tierFirewallModel `tfsdk:"firewall"`
	Domain         *tierDomainModel   `tfsdk:"domain"`
	ProjectID      types.String       `tfsdk:"project_id"`
	Timeouts       timeouts.Value     `tfsdk:"timeouts"`
	Tag            types.String       `tfsdk:"tag"`
	LoadBalancerID types.String       `tfsdk:"load_balancer_id"`
	LoadBalancerIP types.String       `tfsdk:"load_balancer_ip"`
	Droplets       types.List         `tfsdk:"droplets"`
	AlertPolicyIDs types.List         `tfsdk:"alert_policy_ids"`
	FirewallID     types.String       `tfsdk:"firewall_id"`
	FQDN           types.String       `tfsdk:"fqdn"`
	DNSRecordIDs   types.List         `tfsdk:"dns_record_ids"`
	CertificateID  types.String       `tfsdk:"certificate_id"`
}

type dropletModel struct {
	Instances  types.Int64   `tfsdk:"instances"`
	Size       types.String  `tfsdk:"size"`
	Image      types.String  `tfsdk:"image"`
	SSHKeys    types.List    `tfsdk:"ssh_keys"`
	UserData   types.String  `tfsdk:"user_data"`
	Monitoring types.Bool    `tfsdk:"monitoring"`
	IPv6       types.Bool    `tfsdk:"ipv6"`
	Backups    *backupsModel `tfsdk:"backups"`
}

type backupsModel struct {
	Plan    types.String `tfsdk:"plan"`
	Weekday types.String `tfsdk:"weekday"`
	Hour    types.Int64  `tfsdk:"hour"`
}

type loadBalancerModel struct {
	SizeUnit               types.Int64           `tfsdk:"size_unit"`
	RedirectHTTPToHTTPS    types.Bool            `tfsdk:"redirect_http_to_https"`
	EnableProxyProtocol    types.Bool            `tfsdk:"enable_proxy_protocol"`
	EnableBackendKeepalive types.Bool            `tfsdk:"enable_backend_keepalive"`
	HTTPIdleTimeoutSeconds types.Int64           `tfsdk:"http_idle_timeout_seconds"`
	ForwardingRules        []forwardingRuleModel `tfsdk:"forwarding_rule"`
	HealthCheck            *healthCheckModel     `tfsdk:"healthcheck"`
	StickySessions         *stickySessionsModel  `tfsdk:"sticky_sessions"`
	Firewall               *firewallModel        `tfsdk:"firewall"`
}

type forwardingRuleModel struct {
	EntryProtocol   types.String `tfsdk:"entry_protocol"`
	EntryPort       types.Int64  `tfsdk:"entry_port"`
	TargetProtocol  types.String `tfsdk:"target_protocol"`
	TargetPort      types.Int64  `tfsdk:"target_port"`
	CertificateName types.String `tfsdk:"certificate_name"`
	TLSPassthrough  types.Bool   `tfsdk:"tls_passthrough"`
}

type healthCheckModel struct {
	Protocol               types.String `tfsdk:"protocol"`
	Port                   types.Int64  `tfsdk:"port"`
	Path                   types.String `tfsdk:"path"`
	CheckIntervalSeconds   types.Int64  `tfsdk:"check_interval_seconds"`
	ResponseTimeoutSeconds types.Int64  `tfsdk:"response_timeout_seconds"`
	HealthyThreshold       types.Int64  `tfsdk:"healthy_threshold"`
	UnhealthyThreshold     types.Int64  `tfsdk:"unhealthy_threshold"`
}

type stickySessionsModel struct {
	Type             types.String `tfsdk:"type"`
	CookieName       types.String `tfsdk:"cookie_name"`
	CookieTTLSeconds types.Int64  `tfsdk:"cookie_ttl_seconds"`
}

type firewallModel struct {
	Allow types.List `tfsdk:"allow"`
	Deny  types.List `tfsdk:"deny"`
}

type alertModel struct {
	Metric  types.String  `tfsdk:"metric"`
	Compare types.String  `tfsdk:"compare"`
	Value   types.Float64 `tfsdk:"value"`
	Window  types.String  `tfsdk:"window"`
	Emails  types.List    `tfsdk:"emails"`
	Slack   []slackModel  `tfsdk:"slack"`
	Enabled types.Bool    `tfsdk:"enabled"`
}

type slackModel struct {
	Channel types.String `tfsdk:"channel"`
	URL     types.String `tfsdk:"url"`
}

type autoscaleModel struct {
	MinInstances            types.Int64   `tfsdk:"min_instances"`
	MaxInstances            types.Int64   `tfsdk:"max_instances"`
	TargetCPUUtilization    types.Float64 `tfsdk:"target_cpu_utilization"`
	TargetMemoryUtilization types.Float64 `tfsdk:"target_memory_utilization"`
	CooldownMinutes         types.Int64   `tfsdk:"cooldown_minutes"`
}

type rolloutModel struct {
	MaxSurge        types.String  `tfsdk:"max_surge"`
	MaxUnavailable  types.String  `tfsdk:"max_unavailable"`
	Health          types.String  `tfsdk:"health"`
	HealthTimeout   durationValue `tfsdk:"health_timeout"`
	ScaleInPolicy   types.String  `tfsdk:"scale_in_policy"`
	MinReady        durationValue `tfsdk:"min_ready"`
	OnFailure       types.String  `tfsdk:"on_failure"`
	Resize          types.String  `tfsdk:"resize"`
	ResizeDisk      types.Bool    `tfsdk:"resize_disk"`
	Checkpoints     types.List    `tfsdk:"checkpoints"`
	CheckpointDelay durationValue `tfsdk:"checkpoint_delay"`
	MaxErrorRate    types.Float64 `tfsdk:"max_error_rate"`
}

// dropletObjectType is one element of the computed droplets list.
var dropletObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":           types.Int64Type,
	"name":         types.StringType,
	"status":       types.StringType,
	"public_ipv4":  types.StringType,
	"private_ipv4": types.StringType,
	"size":         types.StringType,
	"image":        types.StringType,
}}

func stringsOf(ctx context.Context, l types.List, out *[]string) diag.Diagnostics {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	return l.ElementsAs(ctx, out, false)
}

func stringList(values []string) types.List {
	vals := make([]attr.Value, len(values))
	for i, v := range values {
		vals[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, vals)
}

func intOr(v types.Int64, fallback int) int {
	if v.IsNull() || v.IsUnknown() {
		return fallback
	}
	return int(v.ValueInt64())
}

func stringOr(v types.String, fallback string) string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return fallback
	}
	return v.ValueString()
}

func dropletObject(d tier.Droplet) types.Object {
	return types.ObjectValueMust(dropletObjectType.AttrTypes, map[string]attr.Value{
		"id":           types.Int64Value(int64(d.ID)),
		"name":         types.StringValue(d.Name),
		"status":       types.StringValue(d.Status),
		"public_ipv4":  types.StringValue(d.PublicIPv4),
		"private_ipv4": types.StringValue(d.PrivateIPv4),
		"size":         types.StringValue(d.Size),
		"image":        types.StringValue(d.Image),
	})
}
