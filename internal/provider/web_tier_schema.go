package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// Rollout defaults.
const (
	defaultHealthTimeout = "10m"
)

var (
	rolloutHealthModes = []string{tier.HealthLoadBalancer, tier.HealthDropletStatus, tier.HealthHTTP}
	scaleInPolicies    = []string{tier.ScaleInNewestFirst, tier.ScaleInOldestFirst}
)

// regionSlugPattern is the shape of a region slug; which regions exist is
// the account's catalog's to say (checked at plan by the preflight).
var regionSlugPattern = regexp.MustCompile(`^[A-Za-z]{2,5}[0-9]{1,2}$`)

// webTierDescription is the resource's page in the docs.
const webTierDescription = "A horizontally scaled web tier: `droplet.instances` identical droplets behind a DigitalOcean " +
	"load balancer that targets the tier's tag, with monitoring alert policies and backups. Changes that need new " +
	"droplets (image, size, user_data, ssh_keys, monitoring, ipv6) roll through the fleet in waves bounded by the " +
	"`rollout` block, so serving capacity never drops below `instances - max_unavailable`.\n\n" +
	"Everything the tier creates carries its tag `scalable-tier:<name>`, which is how the provider finds droplets " +
	"created by an interrupted apply and how drift (a droplet deleted or tagged by hand) shows up in the next plan."

func webTierSchema(ctx context.Context) schema.Schema {
	attrs := tierAttributes()
	maps.Copy(attrs, computedAttributes())
	maps.Copy(attrs, domainComputedAttributes())
	return schema.Schema{
		Version:             webTierSchemaVersion,
		MarkdownDescription: webTierDescription,
		Attributes:          attrs,
		Blocks: map[string]schema.Block{
			"droplet":       dropletBlock(),
			"load_balancer": loadBalancerBlock(),
			"alert":         alertBlock(),
			"rollout":       rolloutBlock(),
			"autoscale":     autoscaleBlock(),
			"firewall":      firewallBlock(),
			"domain":        domainBlock(),
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Update: true, Delete: true,
				CreateDescription: "How long creating the tier may take: every droplet created and `active`, the load balancer `active` " +
					"with its rules and health check, the firewall and the alert policies created (with `autoscale`: the pool and its first " +
					"members). Transient create failures are retried within it. A duration such as `\"45m\"`. Default `30m`.",
				UpdateDescription: "How long one update may take, a whole rollout included: every wave created and healthy (each within " +
					"`rollout.health_timeout`), old droplets drained and deleted, scaling, and load balancer, firewall and alert changes. A " +
					"rollout stopped by it is resumed by the next apply. A duration such as `\"2h\"`. Default `60m`, or 1.5 times the " +
					"rollout's estimate when that is longer (the plan gives the estimate, and warns when a timeout set here is shorter).",
				DeleteDescription: "How long destroying the tier may take: its droplets (or autoscale pool), load balancer, firewall and " +
					"alert policies deleted. A duration such as `\"30m\"`. Default `20m`.",
			}),
		},
	}
}

// tierAttributes are the tier's own settings outside the blocks.
func tierAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"name": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "Name of the tier: 1 to 40 lowercase letters, digits or hyphens, starting with a letter or digit. " +
				"Droplets are named `<name>-xxxx`, the load balancer `<name>-lb`. Changing it replaces the tier.",
			Validators: []validator.String{stringvalidator.RegexMatches(tierNamePattern,
				"must be 1 to 40 characters of a-z, 0-9 and '-', starting with a letter or digit")},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"region": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "Region slug, such as `nyc3`. The plan checks it against the account's regions (those open to new droplets). Changing it replaces the tier.",
			Validators:          []validator.String{stringvalidator.RegexMatches(regionSlugPattern, "must be a region slug such as nyc3")},
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"vpc_uuid": schema.StringAttribute{
			Optional:            true,
			Computed:            true,
			MarkdownDescription: "VPC of the droplets and load balancer. Defaults to the region's default VPC. Changing it replaces the tier.",
			Validators:          []validator.String{stringvalidator.RegexMatches(uuidPattern, "must be a VPC UUID")},
			PlanModifiers: []planmodifier.String{
				stringplanmodifier.UseStateForUnknown(),
				stringplanmodifier.RequiresReplaceIfConfigured(),
			},
		},
		"project_id": projectIDAttribute(),
		"tags": schema.SetAttribute{
			ElementType:         types.StringType,
			Optional:            true,
			MarkdownDescription: "Extra tags on every droplet (for firewalls, projects, billing). Changed in place.",
			Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.RegexMatches(tagPattern,
				"must be 1 to 255 characters of letters, digits, ':', '-' and '_'"))},
		},
	}
}

// computedAttributes are what the tier reports; each keeps its value in
// plans until an apply changes it (ModifyPlan marks those that will).
func computedAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id":               computedString("The tier's name, also its import id."),
		"tag":              computedString("The tier's own tag, `scalable-tier:<name>`: carried by every droplet, targeted by the load balancer."),
		"load_balancer_id": computedString("ID of the load balancer."),
		"load_balancer_ip": computedString("Public IP of the load balancer. It survives every in-place change of the tier."),
		"droplets":         dropletsAttribute("The tier's droplets, oldest first."),
		"alert_policy_ids": computedList(types.StringType, "UUIDs of the alert policies, in the order of the `alert` blocks."),
		"firewall_id":      computedString("ID of the tier's cloud firewall, when the `firewall` block is set."),
	}
}

// dropletsAttribute is the computed list of the tier's droplets, each field
// described (a list of objects in state, as before).
func dropletsAttribute(desc string) schema.ListNestedAttribute {
	str := func(d string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: d}
	}
	return schema.ListNestedAttribute{
		Computed: true, MarkdownDescription: desc,
		PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"id":           schema.Int64Attribute{Computed: true, MarkdownDescription: "Droplet ID."},
			"name":         str("Droplet name: the tier's name, `-` and a 4-character suffix."),
			"status":       str("DigitalOcean status: `new` (booting), `active`, `off` (the next apply replaces it) or `archive`."),
			"public_ipv4":  str("Public IPv4; empty until assigned (from the sandbox: in its 127.B.0.0/16 block)."),
			"private_ipv4": str("Address in the VPC; empty until assigned."),
			"size":         str("Size slug it runs; differs from `droplet.size` during a rollout."),
			"image":        str("Image slug or snapshot id it was created from; differs from `droplet.image` during a rollout."),
		}},
	}
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{
		Computed: true, MarkdownDescription: desc,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

func computedList(elem attr.Type, desc string) schema.ListAttribute {
	return schema.ListAttribute{
		Computed: true, ElementType: elem, MarkdownDescription: desc,
		PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
	}
}

func dropletBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "The droplets of the tier. Required.",
		Validators:          []validator.Object{objectvalidator.IsRequired()},
		Attributes: map[string]schema.Attribute{
			"instances": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Number of droplets; exactly one of `instances` and the `autoscale` block. Scaled in place: " +
					"scale-out creates droplets in batches of 10, all at once; scale-in takes droplets out of the load balancer " +
					"first, then deletes them (newest first by default).",
				Validators: []validator.Int64{int64validator.Between(0, 1000)},
			},
			"size": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Droplet size slug, e.g. `s-1vcpu-1gb`. A change rolls new droplets through the tier.",
				Validators:          []validator.String{stringvalidator.RegexMatches(slugPattern, "must be a size slug such as s-1vcpu-1gb")},
			},
			"image": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Image slug (e.g. `ubuntu-24-04-x64`) or numeric snapshot id. A change rolls new droplets through the tier.",
				Validators:          []validator.String{stringvalidator.RegexMatches(imagePattern, "must be an image slug such as ubuntu-24-04-x64 or a numeric image id")},
			},
			"ssh_keys": schema.ListAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "SSH key ids or MD5 fingerprints to install. A change rolls new droplets through the tier.",
				Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.RegexMatches(sshKeyPattern,
					"must be a numeric key id or an MD5 fingerprint like 3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"))},
			},
			"user_data": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Cloud-init user data, at most 64 KiB. Sensitive: never shown or logged. A change rolls new droplets through the tier.",
				Validators:          []validator.String{stringvalidator.LengthAtMost(doapi.MaxUserDataBytes)},
			},
			"monitoring": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Install the metrics agent (needed by droplet alerts). Default `true`. A change rolls new droplets through the tier.",
			},
			"ipv6": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "Give droplets a public IPv6 address. Default `false`. A change rolls new droplets through the tier.",
			},
		},
		Blocks: map[string]schema.Block{
			"backups": backupsBlock(),
		},
	}
}

func backupsBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Droplet backups. Absent: backups off. Changed in place on existing droplets.",
		Attributes: map[string]schema.Attribute{
			"plan": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "`daily` or `weekly`. Required when the block is present.",
				Validators:          []validator.String{stringvalidator.OneOf(doapi.BackupPlans...)},
			},
			"weekday": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Day of a weekly backup, one of " + mdList(doapi.BackupWeekdays) + ". Default `SUN` for weekly; not allowed with daily.",
				Validators:          []validator.String{stringvalidator.OneOf(doapi.BackupWeekdays...)},
				PlanModifiers:       []planmodifier.String{backupWeekdayDefault{}},
			},
			"hour": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Start of the 4-hour backup window (UTC), one of `0`, `4`, `8`, `12`, `16`, `20`. Default `0`.",
				Validators:          []validator.Int64{int64validator.OneOf(ints64(doapi.BackupHours)...)},
			},
		},
	}
}

func loadBalancerBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "The load balancer in front of the droplets. Required. It targets the tier's tag, so droplets join " +
			"and leave it without load balancer updates. Every setting changes in place; its IP never changes.",
		Validators: []validator.Object{objectvalidator.IsRequired()},
		Attributes: loadBalancerAttributes(),
		Blocks: map[string]schema.Block{
			"forwarding_rule": forwardingRuleBlock(),
			"healthcheck":     healthCheckBlock(),
			"sticky_sessions": stickySessionsBlock(),
			"firewall":        loadBalancerFirewallBlock(),
		},
	}
}

// loadBalancerAttributes are the load balancer's settings outside its blocks.
func loadBalancerAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"size_unit": schema.Int64Attribute{
			Optional: true, Computed: true, Default: int64default.StaticInt64(doapi.LBDefaultSizeUnit),
			MarkdownDescription: fmt.Sprintf("Number of nodes, %s. Default `%d`.", doapi.LBSizeUnitRange, doapi.LBDefaultSizeUnit),
			Validators:          []validator.Int64{between(doapi.LBSizeUnitRange)},
		},
		"redirect_http_to_https": schema.BoolAttribute{
			Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Redirect HTTP requests to HTTPS. Needs an https (or http2/http3) forwarding rule. Default `false`.",
		},
		"enable_proxy_protocol": schema.BoolAttribute{
			Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Send the PROXY protocol header to droplets. Default `false`.",
		},
		"enable_backend_keepalive": schema.BoolAttribute{
			Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Keep connections to droplets alive. Default `false`.",
		},
		"http_idle_timeout_seconds": schema.Int64Attribute{
			Optional: true, Computed: true, Default: int64default.StaticInt64(doapi.LBDefaultIdleTimeout),
			MarkdownDescription: fmt.Sprintf("HTTP idle timeout, %s seconds. Default `%d`.", doapi.LBIdleTimeoutRange, doapi.LBDefaultIdleTimeout),
			Validators:          []validator.Int64{between(doapi.LBIdleTimeoutRange)},
		},
	}
}

func forwardingRuleBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "How traffic enters and reaches the droplets. At least one.",
		Validators:          []validator.List{listvalidator.IsRequired(), listvalidator.SizeAtLeast(1)},
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"entry_protocol": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "One of " + mdList(doapi.LBEntryProtocols) + ".",
				Validators:          []validator.String{stringvalidator.OneOf(doapi.LBEntryProtocols...)},
			},
			"entry_port": schema.Int64Attribute{
				Required: true, MarkdownDescription: "Port the load balancer listens on, 1..65535.",
				Validators: []validator.Int64{between(doapi.PortRange)},
			},
			"target_protocol": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "One of " + mdList(doapi.LBTargetProtocols) + ".",
				Validators:          []validator.String{stringvalidator.OneOf(doapi.LBTargetProtocols...)},
			},
			"target_port": schema.Int64Attribute{
				Required: true, MarkdownDescription: "Droplet port, 1..65535.",
				Validators: []validator.Int64{between(doapi.PortRange)},
			},
			"certificate_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Name of the certificate for https, http2 and http3 entries (by name: Let's Encrypt " +
					"renewals change certificate ids). Required for those unless `tls_passthrough`.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 255)},
			},
			"tls_passthrough": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Pass TLS through to the droplets. Default `false`.",
			},
		}},
	}
}

func healthCheckBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "How the load balancer decides a droplet is in service. Also gates rollouts with `health = \"load_balancer\"`.",
		Attributes: map[string]schema.Attribute{
			"protocol": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("http"),
				MarkdownDescription: "One of " + mdList(doapi.LBHealthCheckProtocols) + ". Default `http`.",
				Validators:          []validator.String{stringvalidator.OneOf(doapi.LBHealthCheckProtocols...)},
			},
			"port": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(80),
				MarkdownDescription: "Droplet port to check, 1..65535. Default `80`.",
				Validators:          []validator.Int64{between(doapi.PortRange)},
			},
			"path": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Path to request (http and https only). Default `/` for http and https.",
				Validators:          []validator.String{stringvalidator.RegexMatches(pathPattern, "must start with '/'")},
				PlanModifiers:       []planmodifier.String{healthCheckPathDefault{}},
			},
			"check_interval_seconds": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(doapi.LBDefaultCheckInterval),
				MarkdownDescription: fmt.Sprintf("Seconds between checks, %s. Default `%d`.", doapi.LBCheckIntervalRange, doapi.LBDefaultCheckInterval),
				Validators:          []validator.Int64{between(doapi.LBCheckIntervalRange)},
			},
			"response_timeout_seconds": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(doapi.LBDefaultResponseTimeout),
				MarkdownDescription: fmt.Sprintf("Seconds to wait for a response, %s. Default `%d`.", doapi.LBResponseTimeoutRange, doapi.LBDefaultResponseTimeout),
				Validators:          []validator.Int64{between(doapi.LBResponseTimeoutRange)},
			},
			"healthy_threshold": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(doapi.LBDefaultHealthyThreshold),
				MarkdownDescription: fmt.Sprintf("Passing checks before a droplet is in service, %s. Default `%d`.", doapi.LBHealthyThresholdRange, doapi.LBDefaultHealthyThreshold),
				Validators:          []validator.Int64{between(doapi.LBHealthyThresholdRange)},
			},
			"unhealthy_threshold": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(doapi.LBDefaultUnhealthyThreshold),
				MarkdownDescription: fmt.Sprintf("Failing checks before a droplet is out of service, %s. Default `%d`.", doapi.LBUnhealthyThresholdRange, doapi.LBDefaultUnhealthyThreshold),
				Validators:          []validator.Int64{between(doapi.LBUnhealthyThresholdRange)},
			},
		},
	}
}

func stickySessionsBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Pin each client to one droplet with a cookie.",
		Attributes: map[string]schema.Attribute{
			"type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("none"),
				MarkdownDescription: "`none` or `cookies`. Default `none`.",
				Validators:          []validator.String{stringvalidator.OneOf(doapi.LBStickySessionTypes...)},
			},
			"cookie_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Cookie name, 2 to 40 letters, digits, '-' or '_'. Required with `cookies`, not allowed otherwise.",
				Validators:          []validator.String{stringvalidator.RegexMatches(cookieNamePattern, "must be 2 to 40 letters, digits, '-' or '_'")},
			},
			"cookie_ttl_seconds": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Cookie lifetime in seconds, at least 1. Required with `cookies`, not allowed otherwise.",
				Validators:          []validator.Int64{between(doapi.LBCookieTTLRange)},
			},
		},
	}
}

func loadBalancerFirewallBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Who may reach the load balancer.",
		Attributes: map[string]schema.Attribute{
			"allow": schema.ListAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Sources allowed: `ip:<address>` or `cidr:<network>`.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(firewallRuleValidator{})},
			},
			"deny": schema.ListAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Sources denied: `ip:<address>` or `cidr:<network>`.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(firewallRuleValidator{})},
			},
		},
	}
}

func alertBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "Monitoring alert policies, scoped to the tier: droplet metrics by the tier's tag (new droplets are " +
			"covered automatically), load balancer metrics (`lb_*`) by the load balancer's id.",
		NestedObject: schema.NestedBlockObject{
			Attributes: map[string]schema.Attribute{
				"metric": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: "What to watch, one of " + mdList(tier.AlertMetricNames()) + ".",
					Validators:          []validator.String{stringvalidator.OneOf(tier.AlertMetricNames()...)},
				},
				"compare": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: "`GreaterThan` or `LessThan`.",
					Validators:          []validator.String{stringvalidator.OneOf(tier.AlertCompares...)},
				},
				"value": schema.Float64Attribute{
					Required:            true,
					MarkdownDescription: "Threshold in the metric's unit, at least 0: percent for utilization metrics (`80` means 80%, not 0.8).",
					Validators:          []validator.Float64{float64validator.AtLeast(0)},
				},
				"window": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: "Evaluation window, one of " + mdList(tier.AlertWindows) + ".",
					Validators:          []validator.String{stringvalidator.OneOf(tier.AlertWindows...)},
				},
				"emails": schema.ListAttribute{
					ElementType: types.StringType, Optional: true,
					MarkdownDescription: "Email addresses to notify (verified addresses of the team).",
					Validators:          []validator.List{listvalidator.ValueStringsAre(emailValidator{})},
				},
				"enabled": schema.BoolAttribute{
					Optional: true, Computed: true, Default: booldefault.StaticBool(true),
					MarkdownDescription: "Whether the policy notifies. Default `true`.",
				},
			},
			Blocks: map[string]schema.Block{
				"slack": schema.ListNestedBlock{
					MarkdownDescription: "Slack channels to notify.",
					NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
						"channel": schema.StringAttribute{
							Required: true, MarkdownDescription: "Channel, e.g. `#ops`.",
							Validators: []validator.String{stringvalidator.RegexMatches(slackChannelPattern, "must be a channel name starting with '#'")},
						},
						"url": schema.StringAttribute{
							Required: true, Sensitive: true,
							MarkdownDescription: "Slack incoming webhook URL (https). Sensitive.",
							Validators:          []validator.String{secretHTTPSURLValidator{}},
						},
					}},
				},
			},
		},
	}
}

func autoscaleBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Let the tier scale itself: its droplets become the members of a DigitalOcean Droplet Autoscale " +
			"Pool built from the `droplet` block, carrying the tier's tag, so the load balancer and alerts follow them. " +
			"Exactly one of this block and `droplet.instances`. The pool's own scaling is not drift. A template change, and a " +
			"switch from fixed droplets, move the droplets to a new pool in waves bounded by `rollout`; switching between " +
			"fixed and autoscale replaces only the droplets: the load balancer and its IP stay. Needs `droplet.ssh_keys` " +
			"(DigitalOcean requires them in a pool template); not with `droplet.backups`.",
		Attributes: map[string]schema.Attribute{
			"min_instances": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Fewest members, %s. Required in the block.", doapi.AutoscaleMinInstancesRange),
				Validators:          []validator.Int64{between(doapi.AutoscaleMinInstancesRange)},
			},
			"max_instances": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Most members, %s, at least `min_instances`. Required in the block.", doapi.AutoscaleMaxInstancesRange),
				Validators:          []validator.Int64{between(doapi.AutoscaleMaxInstancesRange)},
			},
			"target_cpu_utilization": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: "Average CPU utilization the pool aims for, as a fraction (`0.6` is 60%), 0.05 to 1. At least one target is required.",
				Validators:          []validator.Float64{fractionValidator{}},
			},
			"target_memory_utilization": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: "Average memory utilization the pool aims for, as a fraction (`0.85` is 85%), 0.05 to 1.",
				Validators:          []validator.Float64{fractionValidator{}},
			},
			"cooldown_minutes": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Minutes between scaling events, %s. Default `%d`.", doapi.AutoscaleCooldownMinutesRange, doapi.AutoscaleDefaultCooldownMinutes),
				Validators:          []validator.Int64{between(doapi.AutoscaleCooldownMinutesRange)},
			},
		},
	}
}

func rolloutBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "How droplets are replaced when the image, size, user_data, ssh_keys, monitoring or ipv6 change. " +
			"Absent: the defaults below. With `autoscale` the same rules apply: the droplets move to a new autoscale pool " +
			"built from the new template, which grows wave by wave while the old droplets leave, and takes the autoscale " +
			"settings once the last old droplet is gone (the tier holds its size, without autoscaling, during the rollout).",
		Attributes: map[string]schema.Attribute{
			"max_surge": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Extra droplets allowed during a rollout: a whole number (`2`) or a percentage of the fleet " +
					"(`\"25%\"`, rounded up, as Kubernetes does). Default `\"" + defaultMaxSurge + "\"`: 100 droplets roll in 4 waves of 25.",
				Validators: []validator.String{budgetValidator{}},
			},
			"max_unavailable": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Droplets allowed out of service at once: a whole number (`1`) or a percentage of the fleet " +
					"(`\"10%\"`, rounded down). Default `" + defaultMaxUnavailable + "`. Not both 0 with `max_surge`; when percentages " +
					"of a small fleet both come to 0, one droplet may be out of service so the rollout moves.",
				Validators: []validator.String{budgetValidator{}},
			},
			"health": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "When a new droplet counts as healthy: `load_balancer` (the load balancer's health checks " +
					"report it up), `droplet_status` (status active) or `http` (the provider requests the health check path " +
					"on the droplet itself). Default `load_balancer`.",
				Validators: []validator.String{stringvalidator.OneOf(rolloutHealthModes...)},
			},
			"health_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long a wave may take to become healthy before the rollout stops (its new droplets " +
					"are removed, the old ones keep serving). Default `" + defaultHealthTimeout + "`.",
				CustomType:    durationType{},
				Validators:    []validator.String{durationValidator{}},
				PlanModifiers: []planmodifier.String{sameDurationKeepsState{}},
			},
			"min_ready": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long a new droplet must stay healthy, without a failed check, before it counts and old " +
					"droplets leave for it (Kubernetes' `minReadySeconds`, AWS's instance warmup). A droplet that fails a check " +
					"in that time starts again; the wave fails when its droplets have not made it within `health_timeout` plus " +
					"`min_ready`. A duration such as `\"30s\"`. Default `0s`.",
				CustomType:    durationType{},
				Validators:    []validator.String{zeroOrDurationValidator{}},
				PlanModifiers: []planmodifier.String{sameDurationKeepsState{}},
			},
			"on_failure": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "What a wave that does not become healthy leads to: `stop` (default: its unhealthy droplets are " +
					"removed, the droplets already replaced stay on the new template, the old ones keep serving, the next apply " +
					"resumes) or `rollback` (also every replaced droplet returns to the previous template, kept in the resource's " +
					"private state with its revision tag, in waves under the same `max_surge` and `max_unavailable`; the apply " +
					"fails saying what was rolled back).",
				Validators: []validator.String{stringvalidator.OneOf(tier.OnFailureStop, tier.OnFailureRollback)},
			},
			"resize": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How a change of `droplet.size` alone rolls out: `replace` (default: new droplets, as for any " +
					"template change) or `in_place`: each wave is drained from the load balancer, powered off, resized " +
					"(DigitalOcean's resize action), powered on and waited for until healthy, one wave at a time of " +
					"`max_unavailable` droplets (at least 1), keeping every droplet's id, IPs and disk. Changes of more than the " +
					"size, or together with a change of `instances`, are replaced.",
				Validators: []validator.String{stringvalidator.OneOf(tier.ResizeReplace, tier.ResizeInPlace)},
			},
			"resize_disk": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "With `resize = \"in_place\"`, also grow the disk to the new size's. DigitalOcean cannot shrink a " +
					"disk: afterwards no size with a smaller disk can be set in place (nor by replacement on a snapshot of it). " +
					"Default `false` (the disk stays; the size can go down again).",
			},
			"checkpoints": schema.ListAttribute{
				ElementType: types.Int64Type,
				Optional:    true,
				MarkdownDescription: "Canary checkpoints: percentages of the fleet (1 to 99, increasing) at which a rollout of fixed " +
					"droplets pauses, such as `[10, 50]`. Waves are cut so that exactly that share is replaced (rounded up) when " +
					"the pause starts; it comes after the wave's new droplets are healthy and before its old droplets leave. " +
					"Not with `autoscale`.",
				Validators: []validator.List{listvalidator.ValueInt64sAre(int64validator.Between(1, 99))},
			},
			"checkpoint_delay": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long each checkpoint pauses, watching the new droplets. A duration such as `\"10m\"`. " +
					"Default `\"" + defaultCheckpointDelay + "\"`.",
				CustomType:    durationType{},
				Validators:    []validator.String{durationValidator{}},
				PlanModifiers: []planmodifier.String{sameDurationKeepsState{}},
			},
			"max_error_rate": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "The most a checkpoint accepts of 5xx responses among the responses the new droplets gave " +
					"through the load balancer during its pause (DigitalOcean's `droplets_http_responses` load balancer metric), " +
					"as a fraction: `0.05` is 5%. More fails the wave, as an unhealthy wave does (`on_failure`): with `stop` the " +
					"new droplets of the wave that reached the checkpoint are removed while their old ones still serve. Unset: " +
					"the checkpoints only pause. Needs `checkpoints`.",
				Validators: []validator.Float64{float64validator.Between(0, 1)},
			},
			"scale_in_policy": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Which droplets go first when scaling in: `newest_first` (default) or `oldest_first`.",
				Validators:          []validator.String{stringvalidator.OneOf(scaleInPolicies...)},
			},
		},
	}
}

func between(r doapi.Range) validator.Int64 {
	return int64validator.Between(int64(r.Min), int64(r.Max))
}

func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func mdList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}
