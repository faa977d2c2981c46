package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// reservedTagPrefixes start the tags the provider manages itself: a tier's
// inventory, its draining droplets and their template revision. An extra
// tag with one of them would put droplets into another tier's inventory or
// confuse rollouts.
var reservedTagPrefixes = []string{tier.Tag(""), tier.DrainTag(""), "scalable-rev:"}

// ValidateConfig checks the rules that span attributes. Each message names
// the attribute, the value and what is allowed, at plan time.
func (r *webTierResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m webTierModel
	if d := req.Config.Get(ctx, &m); d.HasError() {
		// Blocks built by dynamic blocks over values not known yet cannot
		// be read; Terraform validates again once they are known.
		if !req.Config.Raw.IsFullyKnown() {
			return
		}
		resp.Diagnostics.Append(d...)
		return
	}
	bad := func(p path.Path, summary, detail string, args ...any) {
		resp.Diagnostics.AddAttributeError(p, summary, fmt.Sprintf(detail, args...))
	}

	for _, v := range m.Tags.Elements() {
		t, ok := v.(types.String)
		if !ok || t.IsNull() || t.IsUnknown() {
			continue
		}
		for _, prefix := range reservedTagPrefixes {
			if strings.HasPrefix(t.ValueString(), prefix) {
				bad(path.Root("tags").AtSetValue(t), "Reserved tag",
					"tags holds %q, but tags starting with %s are the provider's own (tier inventory, draining, template revision); choose another tag.", t.ValueString(), quoted(reservedTagPrefixes))
				break
			}
		}
	}

	if d := m.Droplet; d != nil && !d.Instances.IsUnknown() {
		switch a := m.Autoscale; {
		case a == nil && d.Instances.IsNull():
			bad(path.Root("droplet").AtName("instances"), "Missing droplet count",
				"Set droplet.instances (a fixed number of droplets) or add an autoscale block (a pool that scales itself); exactly one of them.")
		case a != nil && !d.Instances.IsNull():
			bad(path.Root("droplet").AtName("instances"), "Both a droplet count and autoscaling",
				"droplet.instances is %d and an autoscale block is present: set exactly one of them (the pool decides the count between min_instances and max_instances).", d.Instances.ValueInt64())
		case a != nil && !d.SSHKeys.IsUnknown() && len(d.SSHKeys.Elements()) == 0:
			bad(path.Root("droplet").AtName("ssh_keys"), "SSH keys needed for autoscaling",
				"droplet.ssh_keys must list at least one key id or fingerprint with an autoscale block: DigitalOcean requires ssh_keys in an autoscale pool's droplet template.")
		case a != nil && d.Backups != nil:
			bad(path.Root("droplet").AtName("backups"), "Backups with autoscaling",
				"droplet.backups cannot be used with an autoscale block: DigitalOcean's autoscale pool template has no backups, and its members come and go. Remove the backups block or use droplet.instances.")
		}
	}
	if a := m.Autoscale; a != nil {
		p := path.Root("autoscale")
		if a.MinInstances.IsNull() {
			bad(p.AtName("min_instances"), "Missing min_instances", "autoscale.min_instances is required in the autoscale block (%s).", doapi.AutoscaleMinInstancesRange)
		}
		if a.MaxInstances.IsNull() {
			bad(p.AtName("max_instances"), "Missing max_instances", "autoscale.max_instances is required in the autoscale block (%s).", doapi.AutoscaleMaxInstancesRange)
		}
		if !a.MinInstances.IsNull() && !a.MaxInstances.IsNull() && !a.MinInstances.IsUnknown() && !a.MaxInstances.IsUnknown() &&
			a.MaxInstances.ValueInt64() < a.MinInstances.ValueInt64() {
			bad(p.AtName("max_instances"), "max_instances below min_instances",
				"autoscale.max_instances (%d) must be at least autoscale.min_instances (%d).", a.MaxInstances.ValueInt64(), a.MinInstances.ValueInt64())
		}
		if a.TargetCPUUtilization.IsNull() && a.TargetMemoryUtilization.IsNull() {
			bad(p, "No autoscaling target",
				"The autoscale block needs target_cpu_utilization, target_memory_utilization or both (fractions such as 0.6 for 60%%).")
		}
	}

	if d := m.Droplet; d != nil && d.Backups != nil {
		b, p := d.Backups, path.Root("droplet").AtName("backups")
		if b.Plan.IsNull() {
			bad(p.AtName("plan"), "Missing backup plan", "droplet.backups.plan is required when the backups block is present: one of %s.", quoted(doapi.BackupPlans))
		}
		if b.Plan.ValueString() == "daily" && !b.Weekday.IsNull() && !b.Weekday.IsUnknown() {
			bad(p.AtName("weekday"), "Weekday with a daily backup plan",
				"droplet.backups.weekday is %q but the plan is \"daily\": a weekday is only allowed with plan \"weekly\". Remove weekday or set plan = \"weekly\".", b.Weekday.ValueString())
		}
	}

	if lb := m.LoadBalancer; lb != nil {
		p := path.Root("load_balancer")
		seen := map[int64]int{}
		hasTLS := false
		for i, rule := range lb.ForwardingRules {
			rp := p.AtName("forwarding_rule").AtListIndex(i)
			entry := rule.EntryProtocol.ValueString()
			tls := slices.Contains(doapi.LBTLSEntryProtocols, entry)
			hasTLS = hasTLS || tls
			passthrough := rule.TLSPassthrough.ValueBool()
			if rule.EntryProtocol.IsUnknown() || rule.CertificateName.IsUnknown() {
				continue
			}
			switch {
			case tls && rule.CertificateName.IsNull() && !passthrough:
				bad(rp.AtName("certificate_name"), "Missing certificate",
					"forwarding_rule[%d] has entry_protocol %q, which needs certificate_name (or tls_passthrough = true). Certificates are needed for %s entries.", i, entry, quoted(doapi.LBTLSEntryProtocols))
			case !tls && !rule.CertificateName.IsNull():
				bad(rp.AtName("certificate_name"), "Certificate on a plain entry",
					"forwarding_rule[%d] sets certificate_name %q but entry_protocol is %q; certificates apply only to %s entries.", i, rule.CertificateName.ValueString(), entry, quoted(doapi.LBTLSEntryProtocols))
			case passthrough && !rule.CertificateName.IsNull():
				bad(rp.AtName("tls_passthrough"), "Certificate with TLS passthrough",
					"forwarding_rule[%d] sets both tls_passthrough and certificate_name %q: with passthrough the droplets terminate TLS, so remove certificate_name.", i, rule.CertificateName.ValueString())
			case passthrough && (entry != "https" || rule.TargetProtocol.ValueString() != "https"):
				bad(rp.AtName("tls_passthrough"), "TLS passthrough needs https",
					"forwarding_rule[%d] has tls_passthrough with entry_protocol %q and target_protocol %q; passthrough needs both to be \"https\".", i, entry, rule.TargetProtocol.ValueString())
			}
			if !rule.EntryPort.IsUnknown() {
				port := rule.EntryPort.ValueInt64()
				if j, dup := seen[port]; dup {
					bad(rp.AtName("entry_port"), "Duplicate entry port",
						"forwarding_rule[%d] and forwarding_rule[%d] both use entry_port %d; each entry port can have one rule.", j, i, port)
				}
				seen[port] = i
			}
		}
		if lb.RedirectHTTPToHTTPS.ValueBool() && !hasTLS && len(lb.ForwardingRules) > 0 {
			bad(p.AtName("redirect_http_to_https"), "Redirect without an HTTPS rule",
				"redirect_http_to_https is true but no forwarding_rule has an entry_protocol of %s to redirect to.", quoted(doapi.LBTLSEntryProtocols))
		}
		if hc := lb.HealthCheck; hc != nil && hc.Protocol.ValueString() == "tcp" && !hc.Path.IsNull() && !hc.Path.IsUnknown() {
			bad(p.AtName("healthcheck").AtName("path"), "Path on a tcp health check",
				"healthcheck.path is %q but protocol is \"tcp\"; a path is only used with protocol \"http\" or \"https\".", hc.Path.ValueString())
		}
		if ss := lb.StickySessions; ss != nil && !ss.Type.IsUnknown() {
			sp := p.AtName("sticky_sessions")
			typ := ss.Type.ValueString()
			if ss.Type.IsNull() {
				typ = "none" // the schema default
			}
			cookies := typ == "cookies"
			switch {
			case cookies && ss.CookieName.IsNull():
				bad(sp.AtName("cookie_name"), "Missing cookie name", "sticky_sessions.type is \"cookies\", which needs cookie_name (2 to 40 letters, digits, '-' or '_').")
			case !cookies && !ss.CookieName.IsNull():
				bad(sp.AtName("cookie_name"), "Cookie name without cookies", "sticky_sessions.cookie_name is set but type is %q; cookie_name is only allowed with type \"cookies\".", typ)
			}
			switch {
			case cookies && ss.CookieTTLSeconds.IsNull():
				bad(sp.AtName("cookie_ttl_seconds"), "Missing cookie TTL", "sticky_sessions.type is \"cookies\", which needs cookie_ttl_seconds (at least 1).")
			case !cookies && !ss.CookieTTLSeconds.IsNull():
				bad(sp.AtName("cookie_ttl_seconds"), "Cookie TTL without cookies", "sticky_sessions.cookie_ttl_seconds is set but type is %q; it is only allowed with type \"cookies\".", typ)
			}
		}
	}

	for i, a := range m.Alerts {
		if !a.Emails.IsUnknown() && len(a.Emails.Elements()) == 0 && len(a.Slack) == 0 {
			bad(path.Root("alert").AtListIndex(i), "Alert notifies nobody",
				"alert[%d] (%s) has neither emails nor a slack block; DigitalOcean needs at least one place to send the alert.", i, a.Metric.ValueString())
		}
	}

	if !m.Timeouts.IsNull() && !m.Timeouts.IsUnknown() {
		attrs := m.Timeouts.Attributes()
		for _, name := range slices.Sorted(maps.Keys(attrs)) {
			v, ok := attrs[name].(types.String)
			if !ok || v.IsNull() || v.IsUnknown() {
				continue
			}
			// The timeouts block checks the syntax only: "-5m" and "0s" pass it.
			if d, err := time.ParseDuration(v.ValueString()); err == nil && d <= 0 {
				bad(path.Root("timeouts").AtName(name), "Timeout not positive",
					"timeouts.%s is %q; a timeout must be a positive duration such as \"30m\".", name, v.ValueString())
			}
		}
	}

	if ro := m.Rollout; ro != nil && !ro.MaxSurge.IsUnknown() && !ro.MaxUnavailable.IsUnknown() {
		surge := intOr(ro.MaxSurge, defaultMaxSurge)
		unavailable := intOr(ro.MaxUnavailable, defaultMaxUnavailable)
		if surge == 0 && unavailable == 0 {
			bad(path.Root("rollout").AtName("max_surge"), "Rollout cannot progress",
				"rollout.max_surge and rollout.max_unavailable are both 0: a rollout could neither add a new droplet nor take an old one out. Set max_surge >= 1 (zero downtime) or max_unavailable >= 1.")
		}
	}
}
