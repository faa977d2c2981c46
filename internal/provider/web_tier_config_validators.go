package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ConfigValidators are the rules that span attributes, one validator per
// group of rules. Each message names the attribute, the value and what is
// allowed, at plan time. The validators module has none that say as much
// (its messages list paths, never values or the way out), so these are ours.
func (r *webTierResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		reservedTagsValidator{},
		dropletCountValidator{},
		autoscaleValidator{},
		backupsValidator{},
		forwardingRulesValidator{},
		healthCheckValidator{},
		stickySessionsValidator{},
		alertRecipientsValidator{},
		timeoutsValidator{},
		rolloutValidator{},
		rolloutOptionsValidator{},
		firewallPortsValidator{},
		domainValidator{},
	}
}

// readConfig reads the configuration at p into target. Blocks built by
// dynamic blocks over values not known yet cannot be read; Terraform
// validates again once they are known, so the rule waits until then.
func readConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse, p path.Path, target any) bool {
	d := req.Config.GetAttribute(ctx, p, target)
	if !d.HasError() {
		return true
	}
	if req.Config.Raw.IsFullyKnown() {
		resp.Diagnostics.Append(d...)
	}
	return false
}

func addError(resp *resource.ValidateConfigResponse, p path.Path, summary, detail string, args ...any) {
	resp.Diagnostics.AddAttributeError(p, summary, fmt.Sprintf(detail, args...))
}

// reservedTagPrefixes start the tags the provider manages itself: a tier's
// inventory, its draining droplets and their template revision. An extra
// tag with one of them would put droplets into another tier's inventory or
// confuse rollouts.
var reservedTagPrefixes = []string{tier.Tag(""), tier.DrainTag(""), "scalable-rev:"}

// reservedTagsValidator keeps the provider's own tag prefixes out of tags.
type reservedTagsValidator struct{}

func (reservedTagsValidator) Description(context.Context) string {
	return "tags do not start with " + quoted(reservedTagPrefixes)
}

func (v reservedTagsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (reservedTagsValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var tags types.Set
	if !readConfig(ctx, req, resp, path.Root("tags"), &tags) {
		return
	}
	for _, v := range tags.Elements() {
		t, ok := v.(types.String)
		if !ok || t.IsNull() || t.IsUnknown() {
			continue
		}
		for _, prefix := range reservedTagPrefixes {
			if strings.HasPrefix(t.ValueString(), prefix) {
				addError(resp, path.Root("tags").AtSetValue(t), "Reserved tag",
					"tags holds %q, but tags starting with %s are the provider's own (tier inventory, draining, template revision); choose another tag.", t.ValueString(), quoted(reservedTagPrefixes))
				break
			}
		}
	}
}

// dropletCountValidator: exactly one of droplet.instances and an autoscale
// block, and a droplet template an autoscale pool can use.
type dropletCountValidator struct{}

func (dropletCountValidator) Description(context.Context) string {
	return "exactly one of droplet.instances and an autoscale block; with autoscale, droplet.ssh_keys and no droplet.backups"
}

func (v dropletCountValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (dropletCountValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var d *dropletModel
	var a *autoscaleModel
	if !readConfig(ctx, req, resp, path.Root("droplet"), &d) || !readConfig(ctx, req, resp, path.Root("autoscale"), &a) {
		return
	}
	if d == nil || d.Instances.IsUnknown() {
		return
	}
	switch {
	case a == nil && d.Instances.IsNull():
		addError(resp, path.Root("droplet").AtName("instances"), "Missing droplet count",
			"Set droplet.instances (a fixed number of droplets) or add an autoscale block (a pool that scales itself); exactly one of them.")
	case a != nil && !d.Instances.IsNull():
		addError(resp, path.Root("droplet").AtName("instances"), "Both a droplet count and autoscaling",
			"droplet.instances is %d and an autoscale block is present: set exactly one of them (the pool decides the count between min_instances and max_instances).", d.Instances.ValueInt64())
	case a != nil && !d.SSHKeys.IsUnknown() && len(d.SSHKeys.Elements()) == 0:
		addError(resp, path.Root("droplet").AtName("ssh_keys"), "SSH keys needed for autoscaling",
			"droplet.ssh_keys must list at least one key id or fingerprint with an autoscale block: DigitalOcean requires ssh_keys in an autoscale pool's droplet template.")
	case a != nil && d.Backups != nil:
		addError(resp, path.Root("droplet").AtName("backups"), "Backups with autoscaling",
			"droplet.backups cannot be used with an autoscale block: DigitalOcean's autoscale pool template has no backups, and its members come and go. Remove the backups block or use droplet.instances.")
	}
}

// autoscaleValidator: an autoscale block has both bounds, in order, and a
// target.
type autoscaleValidator struct{}

func (autoscaleValidator) Description(context.Context) string {
	return "an autoscale block sets min_instances <= max_instances and at least one utilization target"
}

func (v autoscaleValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (autoscaleValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var a *autoscaleModel
	if !readConfig(ctx, req, resp, path.Root("autoscale"), &a) || a == nil {
		return
	}
	p := path.Root("autoscale")
	if a.MinInstances.IsNull() {
		addError(resp, p.AtName("min_instances"), "Missing min_instances", "autoscale.min_instances is required in the autoscale block (%s).", doapi.AutoscaleMinInstancesRange)
	}
	if a.MaxInstances.IsNull() {
		addError(resp, p.AtName("max_instances"), "Missing max_instances", "autoscale.max_instances is required in the autoscale block (%s).", doapi.AutoscaleMaxInstancesRange)
	}
	if !a.MinInstances.IsNull() && !a.MaxInstances.IsNull() && !a.MinInstances.IsUnknown() && !a.MaxInstances.IsUnknown() &&
		a.MaxInstances.ValueInt64() < a.MinInstances.ValueInt64() {
		addError(resp, p.AtName("max_instances"), "max_instances below min_instances",
			"autoscale.max_instances (%d) must be at least autoscale.min_instances (%d).", a.MaxInstances.ValueInt64(), a.MinInstances.ValueInt64())
	}
	if a.TargetCPUUtilization.IsNull() && a.TargetMemoryUtilization.IsNull() {
		addError(resp, p, "No autoscaling target",
			"The autoscale block needs target_cpu_utilization, target_memory_utilization or both (fractions such as 0.6 for 60%%).")
	}
}

// backupsValidator: a backups block names its plan, and only a weekly
// plan has a weekday.
type backupsValidator struct{}

func (backupsValidator) Description(context.Context) string {
	return `droplet.backups sets plan; weekday only with plan "weekly"`
}

func (v backupsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (backupsValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	p := path.Root("droplet").AtName("backups")
	var b *backupsModel
	if !readConfig(ctx, req, resp, p, &b) || b == nil {
		return
	}
	if b.Plan.IsNull() {
		addError(resp, p.AtName("plan"), "Missing backup plan", "droplet.backups.plan is required when the backups block is present: one of %s.", quoted(doapi.BackupPlans))
	}
	if b.Plan.ValueString() == "daily" && !b.Weekday.IsNull() && !b.Weekday.IsUnknown() {
		addError(resp, p.AtName("weekday"), "Weekday with a daily backup plan",
			"droplet.backups.weekday is %q but the plan is \"daily\": a weekday is only allowed with plan \"weekly\". Remove weekday or set plan = \"weekly\".", b.Weekday.ValueString())
	}
}

// forwardingRulesValidator: certificates exactly where TLS ends at the load
// balancer, passthrough only https to https, one rule per entry port, and
// an HTTPS rule to redirect to.
type forwardingRulesValidator struct{}

func (forwardingRulesValidator) Description(context.Context) string {
	return "forwarding rules: certificate_name exactly on " + quoted(doapi.LBTLSEntryProtocols) +
		" entries without tls_passthrough, passthrough only https to https, distinct entry ports, an HTTPS rule for redirect_http_to_https"
}

func (v forwardingRulesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (forwardingRulesValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	p := path.Root("load_balancer")
	var rules []forwardingRuleModel
	var redirect types.Bool
	if !readConfig(ctx, req, resp, p.AtName("forwarding_rule"), &rules) || !readConfig(ctx, req, resp, p.AtName("redirect_http_to_https"), &redirect) {
		return
	}
	seen := map[int64]int{}
	hasTLS := false
	for i, rule := range rules {
		rp := p.AtName("forwarding_rule").AtListIndex(i)
		hasTLS = hasTLS || slices.Contains(doapi.LBTLSEntryProtocols, rule.EntryProtocol.ValueString())
		if rule.EntryProtocol.IsUnknown() || rule.CertificateName.IsUnknown() {
			continue
		}
		checkRuleTLS(resp, rp, i, rule)
		if !rule.EntryPort.IsUnknown() {
			port := rule.EntryPort.ValueInt64()
			if j, dup := seen[port]; dup {
				addError(resp, rp.AtName("entry_port"), "Duplicate entry port",
					"forwarding_rule[%d] and forwarding_rule[%d] both use entry_port %d; each entry port can have one rule.", j, i, port)
			}
			seen[port] = i
		}
	}
	if redirect.ValueBool() && !hasTLS && len(rules) > 0 {
		addError(resp, p.AtName("redirect_http_to_https"), "Redirect without an HTTPS rule",
			"redirect_http_to_https is true but no forwarding_rule has an entry_protocol of %s to redirect to.", quoted(doapi.LBTLSEntryProtocols))
	}
}

// checkRuleTLS reports the first TLS setting of rule i that does not fit
// its protocols.
func checkRuleTLS(resp *resource.ValidateConfigResponse, rp path.Path, i int, rule forwardingRuleModel) {
	entry := rule.EntryProtocol.ValueString()
	tls := slices.Contains(doapi.LBTLSEntryProtocols, entry)
	passthrough := rule.TLSPassthrough.ValueBool()
	switch {
	case tls && rule.CertificateName.IsNull() && !passthrough:
		addError(resp, rp.AtName("certificate_name"), "Missing certificate",
			"forwarding_rule[%d] has entry_protocol %q, which needs certificate_name (or tls_passthrough = true). Certificates are needed for %s entries.", i, entry, quoted(doapi.LBTLSEntryProtocols))
	case !tls && !rule.CertificateName.IsNull():
		addError(resp, rp.AtName("certificate_name"), "Certificate on a plain entry",
			"forwarding_rule[%d] sets certificate_name %q but entry_protocol is %q; certificates apply only to %s entries.", i, rule.CertificateName.ValueString(), entry, quoted(doapi.LBTLSEntryProtocols))
	case passthrough && !rule.CertificateName.IsNull():
		addError(resp, rp.AtName("tls_passthrough"), "Certificate with TLS passthrough",
			"forwarding_rule[%d] sets both tls_passthrough and certificate_name %q: with passthrough the droplets terminate TLS, so remove certificate_name.", i, rule.CertificateName.ValueString())
	case passthrough && (entry != "https" || rule.TargetProtocol.ValueString() != "https"):
		addError(resp, rp.AtName("tls_passthrough"), "TLS passthrough needs https",
			"forwarding_rule[%d] has tls_passthrough with entry_protocol %q and target_protocol %q; passthrough needs both to be \"https\".", i, entry, rule.TargetProtocol.ValueString())
	}
}

// healthCheckValidator: a tcp health check has no path.
type healthCheckValidator struct{}

func (healthCheckValidator) Description(context.Context) string {
	return `load_balancer.healthcheck.path only with protocol "http" or "https"`
}

func (v healthCheckValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (healthCheckValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	p := path.Root("load_balancer").AtName("healthcheck")
	var hc *healthCheckModel
	if !readConfig(ctx, req, resp, p, &hc) || hc == nil {
		return
	}
	if hc.Protocol.ValueString() == "tcp" && !hc.Path.IsNull() && !hc.Path.IsUnknown() {
		addError(resp, p.AtName("path"), "Path on a tcp health check",
			"healthcheck.path is %q but protocol is \"tcp\"; a path is only used with protocol \"http\" or \"https\".", hc.Path.ValueString())
	}
}

// stickySessionsValidator: cookie_name and cookie_ttl_seconds exactly when
// the type is cookies.
type stickySessionsValidator struct{}

func (stickySessionsValidator) Description(context.Context) string {
	return `load_balancer.sticky_sessions sets cookie_name and cookie_ttl_seconds exactly when type is "cookies"`
}

func (v stickySessionsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (stickySessionsValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	sp := path.Root("load_balancer").AtName("sticky_sessions")
	var ss *stickySessionsModel
	if !readConfig(ctx, req, resp, sp, &ss) || ss == nil || ss.Type.IsUnknown() {
		return
	}
	typ := ss.Type.ValueString()
	if ss.Type.IsNull() {
		typ = "none" // the schema default
	}
	cookies := typ == "cookies"
	switch {
	case cookies && ss.CookieName.IsNull():
		addError(resp, sp.AtName("cookie_name"), "Missing cookie name", "sticky_sessions.type is \"cookies\", which needs cookie_name (2 to 40 letters, digits, '-' or '_').")
	case !cookies && !ss.CookieName.IsNull():
		addError(resp, sp.AtName("cookie_name"), "Cookie name without cookies", "sticky_sessions.cookie_name is set but type is %q; cookie_name is only allowed with type \"cookies\".", typ)
	}
	switch {
	case cookies && ss.CookieTTLSeconds.IsNull():
		addError(resp, sp.AtName("cookie_ttl_seconds"), "Missing cookie TTL", "sticky_sessions.type is \"cookies\", which needs cookie_ttl_seconds (at least 1).")
	case !cookies && !ss.CookieTTLSeconds.IsNull():
		addError(resp, sp.AtName("cookie_ttl_seconds"), "Cookie TTL without cookies", "sticky_sessions.cookie_ttl_seconds is set but type is %q; it is only allowed with type \"cookies\".", typ)
	}
}

// alertRecipientsValidator: every alert notifies someone.
type alertRecipientsValidator struct{}

func (alertRecipientsValidator) Description(context.Context) string {
	return "every alert has emails or a slack block"
}

func (v alertRecipientsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (alertRecipientsValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var alerts []alertModel
	if !readConfig(ctx, req, resp, path.Root("alert"), &alerts) {
		return
	}
	for i, a := range alerts {
		if !a.Emails.IsUnknown() && len(a.Emails.Elements()) == 0 && len(a.Slack) == 0 {
			addError(resp, path.Root("alert").AtListIndex(i), "Alert notifies nobody",
				"alert[%d] (%s) has neither emails nor a slack block; DigitalOcean needs at least one place to send the alert.", i, a.Metric.ValueString())
		}
	}
}

// timeoutsValidator: timeouts are positive. The timeouts block checks the
// syntax only: "-5m" and "0s" pass it.
type timeoutsValidator struct{}

func (timeoutsValidator) Description(context.Context) string {
	return "timeouts are positive durations"
}

func (v timeoutsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (timeoutsValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var t timeouts.Value
	if !readConfig(ctx, req, resp, path.Root("timeouts"), &t) || t.IsNull() || t.IsUnknown() {
		return
	}
	attrs := t.Attributes()
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		v, ok := attrs[name].(types.String)
		if !ok || v.IsNull() || v.IsUnknown() {
			continue
		}
		if d, err := time.ParseDuration(v.ValueString()); err == nil && d <= 0 {
			addError(resp, path.Root("timeouts").AtName(name), "Timeout not positive",
				"timeouts.%s is %q; a timeout must be a positive duration such as \"30m\".", name, v.ValueString())
		}
	}
}

// rolloutValidator: a rollout can make progress, adding a new droplet or
// taking an old one out.
type rolloutValidator struct{}

func (rolloutValidator) Description(context.Context) string {
	return "rollout.max_surge and rollout.max_unavailable are not both 0"
}

func (v rolloutValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rolloutValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var ro *rolloutModel
	if !readConfig(ctx, req, resp, path.Root("rollout"), &ro) || ro == nil || ro.MaxSurge.IsUnknown() || ro.MaxUnavailable.IsUnknown() {
		return
	}
	if budgetOr(ro.MaxSurge, defaultMaxSurge).Value == 0 && budgetOr(ro.MaxUnavailable, defaultMaxUnavailable).Value == 0 {
		addError(resp, path.Root("rollout").AtName("max_surge"), "Rollout cannot progress",
			"rollout.max_surge and rollout.max_unavailable are both 0: a rollout could neither add a new droplet nor take an old one out. Set max_surge to 1 or more (or a percentage such as \"25%%\"; zero downtime) or max_unavailable to 1 or more.")
	}
}
