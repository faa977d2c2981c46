package provider

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// validTier is a small valid tier; each case changes one part of it.
func validTier() webTierModel {
	return webTierModel{
		Name: types.StringValue("val"), Region: types.StringValue("nyc3"),
		Tags: types.SetNull(types.StringType),
		Droplet: &dropletModel{
			Instances: types.Int64Value(1), Size: types.StringValue("s-1vcpu-1gb"), Image: types.StringValue("ubuntu-24-04-x64"),
			SSHKeys: types.ListNull(types.StringType),
		},
		LoadBalancer: &loadBalancerModel{ForwardingRules: []forwardingRuleModel{rule("http", 80, "http", 80)}},
		Timeouts:     nullTimeouts(),
		Droplets:     types.ListNull(dropletObjectType), AlertPolicyIDs: types.ListNull(types.StringType), DNSRecordIDs: types.ListNull(types.Int64Type),
	}
}

func rule(entry string, entryPort int64, target string, targetPort int64) forwardingRuleModel {
	return forwardingRuleModel{
		EntryProtocol: types.StringValue(entry), EntryPort: types.Int64Value(entryPort),
		TargetProtocol: types.StringValue(target), TargetPort: types.Int64Value(targetPort),
	}
}

func stringValues(values ...string) types.List {
	return stringList(values)
}

// configOf is the model as a configuration of the resource's schema.
func configOf(t *testing.T, m webTierModel) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	s := webTierSchema(ctx)
	plan := tfsdk.Plan{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	if d := plan.Set(ctx, &m); d.HasError() {
		t.Fatalf("building the configuration: %v", d)
	}
	return tfsdk.Config{Schema: s, Raw: plan.Raw}
}

// withUnknown makes the value at p unknown, as a dynamic block over values
// not known yet does.
func withUnknown(t *testing.T, c tfsdk.Config, p *tftypes.AttributePath) tfsdk.Config {
	t.Helper()
	raw, err := tftypes.Transform(c.Raw, func(at *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if at.Equal(p) {
			return tftypes.NewValue(v.Type(), tftypes.UnknownValue), nil
		}
		return v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Raw = raw
	return c
}

type wantDiag struct {
	path            path.Path
	summary, detail string
}

type configValidatorCase struct {
	name   string
	change func(m *webTierModel) // nil: the valid tier
	config func(t *testing.T, c tfsdk.Config) tfsdk.Config
	want   []wantDiag // nil: no diagnostic
}

// testConfigValidator runs v alone on each case and checks it reports
// exactly the errors wanted: path, summary and detail.
func testConfigValidator(t *testing.T, v resource.ConfigValidator, cases []configValidatorCase) {
	t.Helper()
	ctx := context.Background()
	if v.Description(ctx) == "" || v.MarkdownDescription(ctx) != v.Description(ctx) {
		t.Errorf("%T: description %q, markdown %q", v, v.Description(ctx), v.MarkdownDescription(ctx))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := validTier()
			if c.change != nil {
				c.change(&m)
			}
			cfg := configOf(t, m)
			if c.config != nil {
				cfg = c.config(t, cfg)
			}
			resp := &resource.ValidateConfigResponse{}
			v.ValidateResource(ctx, resource.ValidateConfigRequest{Config: cfg}, resp)
			if got := diagsOf(t, resp.Diagnostics); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func diagsOf(t *testing.T, diags diag.Diagnostics) []wantDiag {
	t.Helper()
	var out []wantDiag
	for _, d := range diags {
		wd, ok := d.(diag.DiagnosticWithPath)
		if !ok || d.Severity() != diag.SeverityError {
			t.Fatalf("not an attribute error: %v", d)
		}
		out = append(out, wantDiag{wd.Path(), d.Summary(), d.Detail()})
	}
	return out
}

func TestConfigValidatorsAreTheRuleGroups(t *testing.T) {
	var names []string
	for _, v := range (&webTierResource{}).ConfigValidators(context.Background()) {
		names = append(names, fmt.Sprintf("%T", v))
	}
	want := []string{
		"provider.reservedTagsValidator", "provider.dropletCountValidator", "provider.autoscaleValidator",
		"provider.backupsValidator", "provider.forwardingRulesValidator", "provider.healthCheckValidator",
		"provider.stickySessionsValidator", "provider.alertRecipientsValidator", "provider.timeoutsValidator",
		"provider.rolloutValidator", "provider.rolloutOptionsValidator", "provider.firewallPortsValidator", "provider.domainValidator",
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("ConfigValidators = %v, want %v", names, want)
	}
}

// The valid tier passes every rule, so each case below fails one rule only.
func TestConfigValidatorsPassTheValidTier(t *testing.T) {
	ctx := context.Background()
	cfg := configOf(t, validTier())
	for _, v := range (&webTierResource{}).ConfigValidators(ctx) {
		resp := &resource.ValidateConfigResponse{}
		v.ValidateResource(ctx, resource.ValidateConfigRequest{Config: cfg}, resp)
		if len(resp.Diagnostics) != 0 {
			t.Errorf("%T: %v", v, resp.Diagnostics)
		}
	}
}

func TestReservedTagsValidator(t *testing.T) {
	tags := func(values ...string) func(m *webTierModel) {
		return func(m *webTierModel) {
			vals := make([]attr.Value, len(values))
			for i, v := range values {
				vals[i] = types.StringValue(v)
			}
			m.Tags = types.SetValueMust(types.StringType, vals)
		}
	}
	reserved := func(tag string) wantDiag {
		return wantDiag{path.Root("tags").AtSetValue(types.StringValue(tag)), "Reserved tag",
			fmt.Sprintf(`tags holds %q, but tags starting with "scalable-tier:", "scalable-drain:", "scalable-rev:" are the provider's own (tier inventory, draining, template revision); choose another tag.`, tag)}
	}
	testConfigValidator(t, reservedTagsValidator{}, []configValidatorCase{
		{name: "no tags pass", change: nil},
		{name: "tags that only resemble the prefixes pass", change: tags("scalable-tiers", "scalable:web", "my-scalable-tier:x")},
		{name: "another tier's inventory tag is named", change: tags("env:prod", "scalable-tier:api"), want: []wantDiag{reserved("scalable-tier:api")}},
		{name: "each reserved tag is named once", change: tags("scalable-drain:val", "scalable-rev:0123"),
			want: []wantDiag{reserved("scalable-drain:val"), reserved("scalable-rev:0123")}},
		{name: "unknown tags wait", change: func(m *webTierModel) { m.Tags = types.SetUnknown(types.StringType) }},
	})
}

func TestDropletCountValidator(t *testing.T) {
	autoscale := func(m *webTierModel) {
		m.Droplet.Instances = types.Int64Null()
		m.Droplet.SSHKeys = stringValues("512190")
		m.Autoscale = &autoscaleModel{MinInstances: types.Int64Value(2), MaxInstances: types.Int64Value(4), TargetCPUUtilization: types.Float64Value(0.6)}
	}
	and := func(fs ...func(m *webTierModel)) func(m *webTierModel) {
		return func(m *webTierModel) {
			for _, f := range fs {
				f(m)
			}
		}
	}
	instances := path.Root("droplet").AtName("instances")
	testConfigValidator(t, dropletCountValidator{}, []configValidatorCase{
		{name: "a fixed count passes"},
		{name: "autoscale with ssh keys passes", change: autoscale},
		{name: "neither a count nor autoscale says to set one",
			change: func(m *webTierModel) { m.Droplet.Instances = types.Int64Null() },
			want: []wantDiag{{instances, "Missing droplet count",
				"Set droplet.instances (a fixed number of droplets) or add an autoscale block (a pool that scales itself); exactly one of them."}}},
		{name: "both a count and autoscale names the count",
			change: and(autoscale, func(m *webTierModel) { m.Droplet.Instances = types.Int64Value(3) }),
			want: []wantDiag{{instances, "Both a droplet count and autoscaling",
				"droplet.instances is 3 and an autoscale block is present: set exactly one of them (the pool decides the count between min_instances and max_instances)."}}},
		{name: "autoscale without ssh keys says DigitalOcean needs them",
			change: and(autoscale, func(m *webTierModel) { m.Droplet.SSHKeys = types.ListNull(types.StringType) }),
			want: []wantDiag{{path.Root("droplet").AtName("ssh_keys"), "SSH keys needed for autoscaling",
				"droplet.ssh_keys must list at least one key id or fingerprint with an autoscale block: DigitalOcean requires ssh_keys in an autoscale pool's droplet template."}}},
		{name: "autoscale with unknown ssh keys waits",
			change: and(autoscale, func(m *webTierModel) { m.Droplet.SSHKeys = types.ListUnknown(types.StringType) })},
		{name: "autoscale with backups says the pool has none",
			change: and(autoscale, func(m *webTierModel) { m.Droplet.Backups = &backupsModel{Plan: types.StringValue("weekly")} }),
			want: []wantDiag{{path.Root("droplet").AtName("backups"), "Backups with autoscaling",
				"droplet.backups cannot be used with an autoscale block: DigitalOcean's autoscale pool template has no backups, and its members come and go. Remove the backups block or use droplet.instances."}}},
		{name: "an unknown count waits",
			change: and(autoscale, func(m *webTierModel) { m.Droplet.Instances = types.Int64Unknown() })},
	})
}

func TestAutoscaleValidator(t *testing.T) {
	p := path.Root("autoscale")
	pool := func(f func(a *autoscaleModel)) func(m *webTierModel) {
		return func(m *webTierModel) {
			m.Autoscale = &autoscaleModel{MinInstances: types.Int64Value(2), MaxInstances: types.Int64Value(4), TargetMemoryUtilization: types.Float64Value(0.7)}
			f(m.Autoscale)
		}
	}
	testConfigValidator(t, autoscaleValidator{}, []configValidatorCase{
		{name: "no autoscale block passes"},
		{name: "equal bounds and a memory target pass", change: pool(func(a *autoscaleModel) { a.MaxInstances = types.Int64Value(2) })},
		{name: "missing bounds name their ranges",
			change: pool(func(a *autoscaleModel) { a.MinInstances, a.MaxInstances = types.Int64Null(), types.Int64Null() }),
			want: []wantDiag{
				{p.AtName("min_instances"), "Missing min_instances", "autoscale.min_instances is required in the autoscale block (between 1 and 500)."},
				{p.AtName("max_instances"), "Missing max_instances", "autoscale.max_instances is required in the autoscale block (between 1 and 1000)."},
			}},
		{name: "max below min names both",
			change: pool(func(a *autoscaleModel) { a.MinInstances, a.MaxInstances = types.Int64Value(5), types.Int64Value(3) }),
			want: []wantDiag{{p.AtName("max_instances"), "max_instances below min_instances",
				"autoscale.max_instances (3) must be at least autoscale.min_instances (5)."}}},
		{name: "an unknown bound waits", change: pool(func(a *autoscaleModel) { a.MinInstances = types.Int64Unknown() })},
		{name: "no target names both targets",
			change: pool(func(a *autoscaleModel) { a.TargetMemoryUtilization = types.Float64Null() }),
			want: []wantDiag{{p, "No autoscaling target",
				"The autoscale block needs target_cpu_utilization, target_memory_utilization or both (fractions such as 0.6 for 60%)."}}},
	})
}

func TestBackupsValidator(t *testing.T) {
	p := path.Root("droplet").AtName("backups")
	backups := func(plan, weekday types.String) func(m *webTierModel) {
		return func(m *webTierModel) { m.Droplet.Backups = &backupsModel{Plan: plan, Weekday: weekday} }
	}
	testConfigValidator(t, backupsValidator{}, []configValidatorCase{
		{name: "no backups pass"},
		{name: "weekly on a weekday passes", change: backups(types.StringValue("weekly"), types.StringValue("SAT"))},
		{name: "daily without a weekday passes", change: backups(types.StringValue("daily"), types.StringNull())},
		{name: "no plan names the plans", change: backups(types.StringNull(), types.StringNull()),
			want: []wantDiag{{p.AtName("plan"), "Missing backup plan",
				`droplet.backups.plan is required when the backups block is present: one of "daily", "weekly".`}}},
		{name: "daily with a weekday says weekday needs weekly", change: backups(types.StringValue("daily"), types.StringValue("MON")),
			want: []wantDiag{{p.AtName("weekday"), "Weekday with a daily backup plan",
				`droplet.backups.weekday is "MON" but the plan is "daily": a weekday is only allowed with plan "weekly". Remove weekday or set plan = "weekly".`}}},
		{name: "daily with an unknown weekday waits", change: backups(types.StringValue("daily"), types.StringUnknown())},
	})
}

func TestForwardingRulesValidator(t *testing.T) {
	p := path.Root("load_balancer")
	rp := func(i int, name string) path.Path { return p.AtName("forwarding_rule").AtListIndex(i).AtName(name) }
	rules := func(rs ...forwardingRuleModel) func(m *webTierModel) {
		return func(m *webTierModel) { m.LoadBalancer.ForwardingRules = rs }
	}
	with := func(r forwardingRuleModel, f func(r *forwardingRuleModel)) forwardingRuleModel { f(&r); return r }
	cert := func(name string) func(r *forwardingRuleModel) {
		return func(r *forwardingRuleModel) { r.CertificateName = types.StringValue(name) }
	}
	passthrough := func(r *forwardingRuleModel) { r.TLSPassthrough = types.BoolValue(true) }
	tls := `"https", "http2", "http3"`
	testConfigValidator(t, forwardingRulesValidator{}, []configValidatorCase{
		{name: "an http rule passes"},
		{name: "https with a certificate and passthrough https to https pass",
			change: rules(with(rule("https", 443, "http", 80), cert("web-cert")), with(rule("https", 8443, "https", 443), passthrough))},
		{name: "https without a certificate names the TLS protocols", change: rules(rule("http", 80, "http", 80), rule("http3", 443, "http", 80)),
			want: []wantDiag{{rp(1, "certificate_name"), "Missing certificate",
				`forwarding_rule[1] has entry_protocol "http3", which needs certificate_name (or tls_passthrough = true). Certificates are needed for ` + tls + " entries."}}},
		{name: "a certificate on http names the TLS protocols", change: rules(with(rule("http", 80, "http", 80), cert("web-cert"))),
			want: []wantDiag{{rp(0, "certificate_name"), "Certificate on a plain entry",
				`forwarding_rule[0] sets certificate_name "web-cert" but entry_protocol is "http"; certificates apply only to ` + tls + " entries."}}},
		{name: "a certificate with passthrough says to remove it",
			change: rules(with(with(rule("https", 443, "https", 443), cert("web-cert")), passthrough)),
			want: []wantDiag{{rp(0, "tls_passthrough"), "Certificate with TLS passthrough",
				`forwarding_rule[0] sets both tls_passthrough and certificate_name "web-cert": with passthrough the droplets terminate TLS, so remove certificate_name.`}}},
		{name: "passthrough to an http target says both must be https", change: rules(with(rule("https", 443, "http", 80), passthrough)),
			want: []wantDiag{{rp(0, "tls_passthrough"), "TLS passthrough needs https",
				`forwarding_rule[0] has tls_passthrough with entry_protocol "https" and target_protocol "http"; passthrough needs both to be "https".`}}},
		{name: "two rules on one entry port name both", change: rules(rule("http", 80, "http", 80), rule("tcp", 80, "tcp", 8080)),
			want: []wantDiag{{rp(1, "entry_port"), "Duplicate entry port",
				"forwarding_rule[0] and forwarding_rule[1] both use entry_port 80; each entry port can have one rule."}}},
		{name: "a rule with an unknown certificate waits, ports included",
			change: rules(rule("http", 80, "http", 80), with(rule("https", 80, "http", 80), func(r *forwardingRuleModel) { r.CertificateName = types.StringUnknown() }))},
		{name: "redirect without an https rule names the TLS protocols",
			change: func(m *webTierModel) { m.LoadBalancer.RedirectHTTPToHTTPS = types.BoolValue(true) },
			want: []wantDiag{{p.AtName("redirect_http_to_https"), "Redirect without an HTTPS rule",
				"redirect_http_to_https is true but no forwarding_rule has an entry_protocol of " + tls + " to redirect to."}}},
		{name: "redirect without any rule is left to the schema's at-least-one rule", change: func(m *webTierModel) {
			m.LoadBalancer.RedirectHTTPToHTTPS = types.BoolValue(true)
			m.LoadBalancer.ForwardingRules = nil
		}},
		{name: "redirect to an http2 rule passes", change: func(m *webTierModel) {
			m.LoadBalancer.RedirectHTTPToHTTPS = types.BoolValue(true)
			m.LoadBalancer.ForwardingRules = append(m.LoadBalancer.ForwardingRules, with(rule("http2", 443, "http", 80), cert("web-cert")))
		}},
		{name: "rules from a dynamic block not known yet wait",
			change: func(m *webTierModel) { m.LoadBalancer.RedirectHTTPToHTTPS = types.BoolValue(true) },
			config: func(t *testing.T, c tfsdk.Config) tfsdk.Config {
				return withUnknown(t, c, tftypes.NewAttributePath().WithAttributeName("load_balancer").WithAttributeName("forwarding_rule"))
			}},
	})
}

func TestHealthCheckValidator(t *testing.T) {
	check := func(protocol string, p types.String) func(m *webTierModel) {
		return func(m *webTierModel) {
			m.LoadBalancer.HealthCheck = &healthCheckModel{Protocol: types.StringValue(protocol), Path: p}
		}
	}
	testConfigValidator(t, healthCheckValidator{}, []configValidatorCase{
		{name: "no health check passes"},
		{name: "an http check with a path passes", change: check("http", types.StringValue("/health"))},
		{name: "a tcp check without a path passes", change: check("tcp", types.StringNull())},
		{name: "a tcp check with a path says paths need http or https", change: check("tcp", types.StringValue("/health")),
			want: []wantDiag{{path.Root("load_balancer").AtName("healthcheck").AtName("path"), "Path on a tcp health check",
				`healthcheck.path is "/health" but protocol is "tcp"; a path is only used with protocol "http" or "https".`}}},
		{name: "a tcp check with an unknown path waits", change: check("tcp", types.StringUnknown())},
	})
}

func TestStickySessionsValidator(t *testing.T) {
	sp := path.Root("load_balancer").AtName("sticky_sessions")
	sticky := func(typ, name types.String, ttl types.Int64) func(m *webTierModel) {
		return func(m *webTierModel) {
			m.LoadBalancer.StickySessions = &stickySessionsModel{Type: typ, CookieName: name, CookieTTLSeconds: ttl}
		}
	}
	cookies, none := types.StringValue("cookies"), types.StringValue("none")
	name, ttl := types.StringValue("lb"), types.Int64Value(60)
	noName, noTTL := types.StringNull(), types.Int64Null()
	testConfigValidator(t, stickySessionsValidator{}, []configValidatorCase{
		{name: "no sticky sessions pass"},
		{name: "cookies with a name and a ttl pass", change: sticky(cookies, name, ttl)},
		{name: "none without cookie settings passes", change: sticky(none, noName, noTTL)},
		{name: "cookies without a name or ttl say both are needed", change: sticky(cookies, noName, noTTL),
			want: []wantDiag{
				{sp.AtName("cookie_name"), "Missing cookie name", `sticky_sessions.type is "cookies", which needs cookie_name (2 to 40 letters, digits, '-' or '_').`},
				{sp.AtName("cookie_ttl_seconds"), "Missing cookie TTL", `sticky_sessions.type is "cookies", which needs cookie_ttl_seconds (at least 1).`},
			}},
		{name: "cookie settings without a type say the type defaults to none", change: sticky(types.StringNull(), name, ttl),
			want: []wantDiag{
				{sp.AtName("cookie_name"), "Cookie name without cookies", `sticky_sessions.cookie_name is set but type is "none"; cookie_name is only allowed with type "cookies".`},
				{sp.AtName("cookie_ttl_seconds"), "Cookie TTL without cookies", `sticky_sessions.cookie_ttl_seconds is set but type is "none"; it is only allowed with type "cookies".`},
			}},
		{name: "an unknown type waits", change: sticky(types.StringUnknown(), name, noTTL)},
	})
}

func TestAlertRecipientsValidator(t *testing.T) {
	alert := func(metric string, emails types.List, slack ...slackModel) alertModel {
		return alertModel{Metric: types.StringValue(metric), Compare: types.StringValue("GreaterThan"), Value: types.Float64Value(80),
			Window: types.StringValue("5m"), Emails: emails, Slack: slack}
	}
	alerts := func(as ...alertModel) func(m *webTierModel) { return func(m *webTierModel) { m.Alerts = as } }
	slack := slackModel{Channel: types.StringValue("#ops"), URL: types.StringValue("https://hooks.slack.com/services/T0/B0/x")}
	testConfigValidator(t, alertRecipientsValidator{}, []configValidatorCase{
		{name: "no alerts pass"},
		{name: "alerts with emails or slack pass", change: alerts(alert("cpu", stringValues("ops@example.com")), alert("memory", types.ListNull(types.StringType), slack))},
		{name: "an alert with an empty email list is named", change: alerts(alert("cpu", stringValues("ops@example.com")), alert("memory", stringValues())),
			want: []wantDiag{{path.Root("alert").AtListIndex(1), "Alert notifies nobody",
				"alert[1] (memory) has neither emails nor a slack block; DigitalOcean needs at least one place to send the alert."}}},
		{name: "an alert with unknown emails waits", change: alerts(alert("cpu", types.ListUnknown(types.StringType)))},
		{name: "alerts from a dynamic block not known yet wait", change: alerts(alert("cpu", stringValues())),
			config: func(t *testing.T, c tfsdk.Config) tfsdk.Config {
				return withUnknown(t, c, tftypes.NewAttributePath().WithAttributeName("alert"))
			}},
	})
}

func TestTimeoutsValidator(t *testing.T) {
	timeouts := func(create, update, del string) func(m *webTierModel) {
		s := func(v string) attr.Value {
			if v == "" {
				return types.StringNull()
			}
			return types.StringValue(v)
		}
		return func(m *webTierModel) {
			m.Timeouts.Object = types.ObjectValueMust(m.Timeouts.AttributeTypes(context.Background()),
				map[string]attr.Value{"create": s(create), "update": s(update), "delete": s(del)})
		}
	}
	testConfigValidator(t, timeoutsValidator{}, []configValidatorCase{
		{name: "no timeouts pass"},
		{name: "positive timeouts pass", change: timeouts("1s", "100h", "")},
		{name: "each timeout not positive is named, in order", change: timeouts("-5m", "30m", "0s"),
			want: []wantDiag{
				{path.Root("timeouts").AtName("create"), "Timeout not positive", `timeouts.create is "-5m"; a timeout must be a positive duration such as "30m".`},
				{path.Root("timeouts").AtName("delete"), "Timeout not positive", `timeouts.delete is "0s"; a timeout must be a positive duration such as "30m".`},
			}},
		{name: "a timeout without a unit is left to the timeouts block", change: timeouts("30", "", "")},
	})
}

func TestRolloutValidator(t *testing.T) {
	rollout := func(surge, unavailable types.String) func(m *webTierModel) {
		return func(m *webTierModel) {
			m.Rollout = nullRollout()
			m.Rollout.MaxSurge, m.Rollout.MaxUnavailable = surge, unavailable
		}
	}
	stuck := []wantDiag{{path.Root("rollout").AtName("max_surge"), "Rollout cannot progress",
		"rollout.max_surge and rollout.max_unavailable are both 0: a rollout could neither add a new droplet nor take an old one out. Set max_surge to 1 or more (or a percentage such as \"25%\"; zero downtime) or max_unavailable to 1 or more."}}
	zero := types.StringValue("0")
	testConfigValidator(t, rolloutValidator{}, []configValidatorCase{
		{name: "no rollout block passes"},
		{name: "surge 0 with unavailable 1 passes", change: rollout(zero, types.StringValue("1"))},
		{name: "0% with 0 cannot progress", change: rollout(types.StringValue("0%"), zero), want: stuck},
		{name: "0 with 10% passes (one droplet at a time on a small fleet)", change: rollout(zero, types.StringValue("10%"))},
		{name: "both 0 say the rollout cannot progress", change: rollout(zero, zero), want: stuck},
		{name: "surge 0 with the default unavailable cannot progress", change: rollout(zero, types.StringNull()), want: stuck},
		{name: "an unknown unavailable waits", change: rollout(zero, types.StringUnknown())},
	})
}

func TestFirewallPortsValidator(t *testing.T) {
	fw := func(inbound ...firewallInboundModel) func(m *webTierModel) {
		return func(m *webTierModel) {
			m.Firewall = &tierFirewallModel{SSHSources: types.ListNull(types.StringType), Inbound: inbound}
		}
	}
	rule := func(protocol string, ports types.String) firewallInboundModel {
		return firewallInboundModel{Protocol: types.StringValue(protocol), Ports: ports,
			Sources: types.ListValueMust(types.StringType, []attr.Value{types.StringValue("10.0.0.0/8")})}
	}
	at := path.Root("firewall").AtName("inbound").AtListIndex(1).AtName("ports")
	testConfigValidator(t, firewallPortsValidator{}, []configValidatorCase{
		{name: "no firewall block"},
		{name: "tcp with ports and icmp without", change: fw(rule("tcp", types.StringValue("9100")), rule("icmp", types.StringNull()))},
		{name: "icmp with ports", change: fw(rule("tcp", types.StringValue("all")), rule("icmp", types.StringValue("8"))),
			want: []wantDiag{{at, "Ports on an icmp rule", `firewall.inbound[1].ports is "8" but protocol is "icmp", which has no ports: remove ports.`}}},
		{name: "udp without ports", change: fw(rule("tcp", types.StringValue("22")), rule("udp", types.StringNull())),
			want: []wantDiag{{at, "Missing ports", `firewall.inbound[1].ports is required for protocol "udp": a port such as "8080", a range such as "8000-9000", or "all".`}}},
	})
}
