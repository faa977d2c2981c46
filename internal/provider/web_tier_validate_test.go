package provider_test

import (
	"fmt"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// validationTier is a small valid tier; each field replaces or extends one
// part of it, so a case shows only what it breaks.
type validationTier struct {
	Name, Region, Size, Image string // quoted into the config; default "val", "nyc3", ...
	Instances                 string // HCL; default 1
	Top                       string // extra HCL in the resource block (tags, alert, rollout, ...)
	Droplet                   string // extra HCL in the droplet block
	LB                        string // extra HCL in the load_balancer block
	Rules                     string // replaces the default http:80 forwarding rule
	NoRules                   bool   // no forwarding_rule at all
	NoDroplet, NoLB           bool   // leave out the required blocks
}

const validationRule = `
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }`

func (v validationTier) config(e *acctest.Env) string {
	return e.ProviderConfig() + v.resource()
}

// resource is the resource block alone.
func (v validationTier) resource() string {
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"scalable_web_tier\" \"web\" {\n  name   = %q\n  region = %q\n%s\n",
		or(v.Name, "val"), or(v.Region, "nyc3"), v.Top)
	if !v.NoDroplet {
		fmt.Fprintf(&b, "  droplet {\n    instances = %s\n    size      = %q\n    image     = %q\n%s\n  }\n",
			or(v.Instances, "1"), or(v.Size, "s-1vcpu-1gb"), or(v.Image, "ubuntu-24-04-x64"), v.Droplet)
	}
	if !v.NoLB {
		rules := or(v.Rules, validationRule)
		if v.NoRules {
			rules = ""
		}
		fmt.Fprintf(&b, "  load_balancer {\n%s\n%s\n  }\n", rules, v.LB)
	}
	b.WriteString("}\n")
	return b.String()
}

// diag matches a diagnostic that contains the phrases in order. Terraform
// wraps long lines, so every space in a phrase matches any run of
// whitespace, and the phrases may be separated by anything.
func diag(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, `.*`))
}

// oneOf is how the framework's OneOf validators list the allowed values.
func oneOf(values ...string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "value must be one of: [" + strings.Join(q, " ") + "]"
}

// listed is how ValidateConfig lists allowed values: "a", "b".
func listed(values ...string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

type validationCase struct {
	name string
	tier validationTier
	// err is the diagnostic the plan must fail with; nil means the
	// configuration is valid: it plans a create.
	err *regexp.Regexp
	// planned, for a valid case, checks the edge value in the plan.
	planned []plancheck.PlanCheck
}

func plannedValue(value knownvalue.Check, steps ...any) plancheck.PlanCheck {
	p := tfjsonpath.New(steps[0].(string))
	for _, s := range steps[1:] {
		switch s := s.(type) {
		case string:
			p = p.AtMapKey(s)
		case int:
			p = p.AtSliceIndex(s)
		}
	}
	return plancheck.ExpectKnownValue("scalable_web_tier.web", p, value)
}

func ruleHCL(entry string, entryPort int, target string, targetPort int, extra string) string {
	return fmt.Sprintf(`
    forwarding_rule {
      entry_protocol  = %q
      entry_port      = %d
      target_protocol = %q
      target_port     = %d
      %s
    }`, entry, entryPort, target, targetPort, extra)
}

func backupsHCL(body string) string { return "    backups {\n" + body + "\n    }" }

func healthcheckHCL(body string) string { return "    healthcheck {\n" + body + "\n    }" }

func stickyHCL(body string) string { return "    sticky_sessions {\n" + body + "\n    }" }

func firewallHCL(body string) string { return "    firewall {\n" + body + "\n    }" }

func rolloutHCL(body string) string { return "  rollout {\n" + body + "\n  }" }

// alertHCL is an alert with valid settings unless overridden; notify is
// the emails/slack part.
func alertHCL(metric, compare, value, window, notify string) string {
	return fmt.Sprintf(`
  alert {
    metric  = %q
    compare = %q
    value   = %s
    window  = %q
    %s
  }`, metric, compare, value, window, notify)
}

const emailOps = `emails = ["ops@example.com"]`

func slackHCL(channel, url string) string {
	return fmt.Sprintf("slack {\n      channel = %q\n      url     = %q\n    }", channel, url)
}

func validationCases() []validationCase {
	regions := doapi.AvailableRegionSlugs()
	name40 := strings.Repeat("a", 39) + "9"
	tag255 := strings.Repeat("t", 254) + ":"
	uuid := "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
	metrics := tier.AlertMetricNames()
	tlsEntries := listed(doapi.LBTLSEntryProtocols...)
	between := func(attr string, lo, hi int, got int) string {
		return fmt.Sprintf("Attribute %s value must be between %d and %d, got: %d", attr, lo, hi, got)
	}
	match := func(attr, rule, got string) string {
		return fmt.Sprintf("Attribute %s %s, got: %s", attr, rule, got)
	}
	const (
		nameRule   = "must be 1 to 40 characters of a-z, 0-9 and '-', starting with a letter or digit"
		tagRule    = "must be 1 to 255 characters of letters, digits, ':', '-' and '_'"
		sshRule    = "must be a numeric key id or an MD5 fingerprint like 3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"
		imageRule  = "must be an image slug such as ubuntu-24-04-x64 or a numeric image id"
		sizeRule   = "must be a size slug such as s-1vcpu-1gb"
		cookieRule = "must be 2 to 40 letters, digits, '-' or '_'"
		fwRule     = `is not "ip:<IPv4 or IPv6 address>" or "cidr:<network>/<bits>".`
		durRule    = `is not a duration such as "30s", "10m" or "1h30m".`
		budgetRule = `Allowed: a whole number of droplets from 0 to 1000 (such as 2) or a percentage of the fleet from "0%" to "100%" (such as "25%").`
	)
	fpr := "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"

	return []validationCase{
		// name
		{name: "name with uppercase letters names the allowed characters",
			tier: validationTier{Name: "Web"},
			err:  diag(match("name", nameRule, "Web"))},
		{name: "name of 41 characters is one too long",
			tier: validationTier{Name: name40 + "x"},
			err:  diag(match("name", nameRule, name40+"x"))},
		{name: "name starting with a hyphen is rejected",
			tier: validationTier{Name: "-web"},
			err:  diag(match("name", nameRule, "-web"))},
		{name: "name with an underscore is rejected",
			tier: validationTier{Name: "web_1"},
			err:  diag(match("name", nameRule, "web_1"))},
		{name: "name of exactly 40 characters plans",
			tier:    validationTier{Name: name40},
			planned: []plancheck.PlanCheck{plannedValue(knownvalue.StringExact(name40), "name")}},
		{name: "name of one digit plans",
			tier: validationTier{Name: "7"}},

		// region
		{name: "region outside the account's catalog names the allowed regions",
			tier: validationTier{Region: "mars1"},
			err:  diag("Unknown region", `there is no region "mars1". Allowed: one of `+strings.Join(regions, ", ")+".")},
		{name: "region closed to new resources (sfo1) names the allowed regions",
			tier: validationTier{Region: "sfo1"},
			err:  diag("Region not available", `region "sfo1" (San Francisco 1) is closed to new resources.`, `Did you mean "sfo2"`)},
		{name: "region in uppercase is rejected",
			tier: validationTier{Region: "NYC3"},
			err:  diag(`region "NYC3" is not in lower case`, `Did you mean "nyc3"?`)},
		{name: "a region that offers the size plans",
			tier: validationTier{Region: "tor1"}},
		{name: "region that is no slug shows the shape",
			tier: validationTier{Region: "new york"},
			err:  diag(match("region", "must be a region slug such as nyc3", "new york"))},

		// vpc_uuid
		{name: "vpc_uuid that is not a UUID is rejected",
			tier: validationTier{Top: `  vpc_uuid = "vpc-nyc3-default"`},
			err:  diag(match("vpc_uuid", "must be a VPC UUID", "vpc-nyc3-default"))},
		{name: "vpc_uuid in uppercase is rejected",
			tier: validationTier{Top: `  vpc_uuid = "` + strings.ToUpper(uuid) + `"`},
			err:  diag(match("vpc_uuid", "must be a VPC UUID", strings.ToUpper(uuid)))},
		{name: "vpc_uuid in lowercase UUID form plans",
			tier:    validationTier{Top: `  vpc_uuid = "` + uuid + `"`},
			planned: []plancheck.PlanCheck{plannedValue(knownvalue.StringExact(uuid), "vpc_uuid")}},

		// tags
		{name: "tag with a space names the allowed characters",
			tier: validationTier{Top: `  tags = ["env prod"]`},
			err:  diag(match(`tags[Value("env prod")]`, tagRule, "env prod"))},
		{name: "empty tag is rejected",
			tier: validationTier{Top: `  tags = [""]`},
			err:  diag(match(`tags[Value("")]`, tagRule, ""))},
		{name: "tag of 256 characters is one too long",
			tier: validationTier{Top: `  tags = ["` + tag255 + `x"]`},
			err:  diag(match(`tags[Value("`+tag255+`x")]`, tagRule, tag255+"x"))},
		{name: "tag claiming another tier's inventory names the reserved prefixes",
			tier: validationTier{Top: `  tags = ["env:prod", "scalable-tier:api"]`},
			err: diag(`tags holds "scalable-tier:api", but tags starting with "scalable-tier:", "scalable-drain:", "scalable-rev:" are the provider's own`,
				"choose another tag")},
		{name: "tag marking droplets as draining is rejected",
			tier: validationTier{Top: `  tags = ["scalable-drain:val"]`},
			err:  diag(`tags holds "scalable-drain:val", but tags starting with`)},
		{name: "tag faking a template revision is rejected",
			tier: validationTier{Top: `  tags = ["scalable-rev:0123456789ab"]`},
			err:  diag(`tags holds "scalable-rev:0123456789ab", but tags starting with`)},
		{name: "tag that only resembles a reserved prefix plans",
			tier: validationTier{Top: `  tags = ["scalable-tiers", "scalable:web", "my-scalable-tier:x"]`}},
		{name: "tag of 255 characters with colon, hyphen and underscore plans",
			tier: validationTier{Top: `  tags = ["` + tag255 + `", "env:prod_eu-1"]`}},

		// droplet.instances
		{name: "instances below 0 names the range",
			tier: validationTier{Instances: "-1"},
			err:  diag(between("droplet.instances", 0, 1000, -1))},
		{name: "instances above 1000 names the range",
			tier: validationTier{Instances: "1001"},
			err:  diag(between("droplet.instances", 0, 1000, 1001))},
		{name: "instances 0 plans",
			tier:    validationTier{Instances: "0"},
			planned: []plancheck.PlanCheck{plannedValue(knownvalue.Int64Exact(0), "droplet", "instances")}},
		{name: "instances 1000 plans",
			tier:    validationTier{Instances: "1000"},
			planned: []plancheck.PlanCheck{plannedValue(knownvalue.Int64Exact(1000), "droplet", "instances")}},

		// droplet.size and droplet.image
		{name: "size in uppercase shows an example slug",
			tier: validationTier{Size: "S-1VCPU-1GB"},
			err:  diag(match("droplet.size", sizeRule, "S-1VCPU-1GB"))},
		{name: "size with a trailing hyphen is rejected",
			tier: validationTier{Size: "s-1vcpu-"},
			err:  diag(match("droplet.size", sizeRule, "s-1vcpu-"))},
		{name: "image with spaces shows an example slug",
			tier: validationTier{Image: "Ubuntu 24.04"},
			err:  diag(match("droplet.image", imageRule, "Ubuntu 24.04"))},
		{name: "image starting with a dot is rejected",
			tier: validationTier{Image: ".ubuntu"},
			err:  diag(match("droplet.image", imageRule, ".ubuntu"))},
		{name: "numeric image id of 19 digits is rejected (it would reach the API as a slug)",
			tier: validationTier{Image: "9999999999999999999"},
			err:  diag(match("droplet.image", imageRule, "9999999999999999999"))},
		{name: "numeric image id of 18 digits plans",
			tier: validationTier{Image: "999999999999999999"}},
		{name: "numeric snapshot id as image plans",
			tier: validationTier{Image: "123456789"}},
		{name: "image slug with a dot passes the shape check and is looked up",
			tier: validationTier{Image: "docker-20.04"},
			err:  diag("Unknown image", `"docker-20.04"`)},

		// droplet.ssh_keys
		{name: "ssh key that is neither an id nor a fingerprint shows the shapes",
			tier: validationTier{Droplet: `    ssh_keys = ["my laptop"]`},
			err:  diag(match("droplet.ssh_keys[0]", sshRule, "my laptop"))},
		{name: "ssh key fingerprint in uppercase is rejected",
			tier: validationTier{Droplet: `    ssh_keys = ["123", "` + strings.ToUpper(fpr) + `"]`},
			err:  diag(match("droplet.ssh_keys[1]", sshRule, strings.ToUpper(fpr)))},
		{name: "ssh key fingerprint with 15 octets is rejected",
			tier: validationTier{Droplet: `    ssh_keys = ["` + fpr[:len(fpr)-3] + `"]`},
			err:  diag(match("droplet.ssh_keys[0]", sshRule, fpr[:len(fpr)-3]))},
		{name: "ssh key id of 20 digits is rejected (it would reach the API as a fingerprint)",
			tier: validationTier{Droplet: `    ssh_keys = ["99999999999999999999"]`},
			err:  diag(match("droplet.ssh_keys[0]", sshRule, "99999999999999999999"))},
		{name: "ssh key id and MD5 fingerprint plan",
			tier: validationTier{Droplet: `    ssh_keys = ["512190", "` + fpr + `"]`}},

		// droplet.user_data
		{name: "user_data over 64 KiB names the limit and the size",
			tier: validationTier{Droplet: `    user_data = "` + strings.Repeat("x", doapi.MaxUserDataBytes+1) + `"`},
			err:  diag(fmt.Sprintf("Attribute droplet.user_data string length must be at most %d, got: %d", doapi.MaxUserDataBytes, doapi.MaxUserDataBytes+1))},
		{name: "user_data of exactly 64 KiB plans",
			tier: validationTier{Droplet: `    user_data = "` + strings.Repeat("x", doapi.MaxUserDataBytes) + `"`}},

		// droplet.backups
		{name: "backup plan outside daily and weekly names both",
			tier: validationTier{Droplet: backupsHCL(`plan = "monthly"`)},
			err:  diag("Attribute droplet.backups.plan " + oneOf(doapi.BackupPlans...) + `, got: "monthly"`)},
		{name: "backup weekday spelled out names the allowed days",
			tier: validationTier{Droplet: backupsHCL("plan = \"weekly\"\nweekday = \"sunday\"")},
			err:  diag("Attribute droplet.backups.weekday " + oneOf(doapi.BackupWeekdays...) + `, got: "sunday"`)},
		{name: "backup hour outside the 4-hour windows names the allowed hours",
			tier: validationTier{Droplet: backupsHCL("plan = \"daily\"\nhour = 5")},
			err:  diag("Attribute droplet.backups.hour " + oneOf("0", "4", "8", "12", "16", "20") + ", got: 5")},
		{name: "backups block without a plan names the plans",
			tier: validationTier{Droplet: backupsHCL("hour = 4")},
			err:  diag("droplet.backups.plan is required when the backups block is present: one of " + listed(doapi.BackupPlans...))},
		{name: "backup weekday with the daily plan says weekday needs weekly",
			tier: validationTier{Droplet: backupsHCL("plan = \"daily\"\nweekday = \"MON\"")},
			err:  diag(`droplet.backups.weekday is "MON" but the plan is "daily": a weekday is only allowed with plan "weekly"`)},
		{name: "weekly backup on SAT at hour 20 plans",
			tier: validationTier{Droplet: backupsHCL("plan = \"weekly\"\nweekday = \"SAT\"\nhour = 20")},
			planned: []plancheck.PlanCheck{
				plannedValue(knownvalue.StringExact("SAT"), "droplet", "backups", "weekday"),
				plannedValue(knownvalue.Int64Exact(20), "droplet", "backups", "hour"),
			}},
		{name: "daily backup at hour 0 plans without a weekday",
			tier: validationTier{Droplet: backupsHCL("plan = \"daily\"\nhour = 0")},
			planned: []plancheck.PlanCheck{
				plannedValue(knownvalue.Null(), "droplet", "backups", "weekday"),
			}},

		// load_balancer settings
		{name: "size_unit 0 names the range",
			tier: validationTier{LB: "size_unit = 0"},
			err:  diag(between("load_balancer.size_unit", 1, 200, 0))},
		{name: "size_unit 201 names the range",
			tier: validationTier{LB: "size_unit = 201"},
			err:  diag(between("load_balancer.size_unit", 1, 200, 201))},
		{name: "size_unit 200 plans",
			tier: validationTier{LB: "size_unit = 200"}},
		{name: "idle timeout 29 seconds names the range",
			tier: validationTier{LB: "http_idle_timeout_seconds = 29"},
			err:  diag(between("load_balancer.http_idle_timeout_seconds", 30, 600, 29))},
		{name: "idle timeout 601 seconds names the range",
			tier: validationTier{LB: "http_idle_timeout_seconds = 601"},
			err:  diag(between("load_balancer.http_idle_timeout_seconds", 30, 600, 601))},
		{name: "idle timeout 30 seconds plans",
			tier: validationTier{LB: "http_idle_timeout_seconds = 30"}},
		{name: "idle timeout 600 seconds plans",
			tier: validationTier{LB: "http_idle_timeout_seconds = 600"}},

		// forwarding rules
		{name: "entry protocol ftp names the allowed protocols",
			tier: validationTier{Rules: ruleHCL("ftp", 21, "tcp", 21, "")},
			err:  diag("Attribute load_balancer.forwarding_rule[0].entry_protocol " + oneOf(doapi.LBEntryProtocols...) + `, got: "ftp"`)},
		{name: "target protocol http3 (an entry-only protocol) names the allowed protocols",
			tier: validationTier{Rules: ruleHCL("http", 80, "http3", 80, "")},
			err:  diag("Attribute load_balancer.forwarding_rule[0].target_protocol " + oneOf(doapi.LBTargetProtocols...) + `, got: "http3"`)},
		{name: "entry port 0 names the port range",
			tier: validationTier{Rules: ruleHCL("http", 0, "http", 80, "")},
			err:  diag(between("load_balancer.forwarding_rule[0].entry_port", 1, 65535, 0))},
		{name: "entry port 65536 names the port range",
			tier: validationTier{Rules: ruleHCL("http", 65536, "http", 80, "")},
			err:  diag(between("load_balancer.forwarding_rule[0].entry_port", 1, 65535, 65536))},
		{name: "target port 0 names the port range",
			tier: validationTier{Rules: ruleHCL("http", 80, "http", 0, "")},
			err:  diag(between("load_balancer.forwarding_rule[0].target_port", 1, 65535, 0))},
		{name: "target port 65536 on the second rule names that rule",
			tier: validationTier{Rules: validationRule + ruleHCL("tcp", 8080, "tcp", 65536, "")},
			err:  diag(between("load_balancer.forwarding_rule[1].target_port", 1, 65535, 65536))},
		{name: "ports 1 and 65535 plan",
			tier: validationTier{Rules: ruleHCL("tcp", 1, "tcp", 65535, "") + ruleHCL("udp", 65535, "udp", 1, "")},
			planned: []plancheck.PlanCheck{
				plannedValue(knownvalue.Int64Exact(65535), "load_balancer", "forwarding_rule", 0, "target_port"),
				plannedValue(knownvalue.Int64Exact(65535), "load_balancer", "forwarding_rule", 1, "entry_port"),
			}},
		{name: "empty certificate name names the length range",
			tier: validationTier{Rules: ruleHCL("https", 443, "http", 80, `certificate_name = ""`)},
			err:  diag("Attribute load_balancer.forwarding_rule[0].certificate_name string length must be between 1 and 255, got: 0")},
		{name: "certificate name of 256 characters names the length range",
			tier: validationTier{Rules: ruleHCL("https", 443, "http", 80, `certificate_name = "`+strings.Repeat("c", 256)+`"`)},
			err:  diag("Attribute load_balancer.forwarding_rule[0].certificate_name string length must be between 1 and 255, got: 256")},
		{name: "certificate name of 255 characters on https plans",
			tier: validationTier{Rules: ruleHCL("https", 443, "http", 80, `certificate_name = "`+strings.Repeat("c", 255)+`"`)}},
		{name: "https entry without a certificate names the TLS protocols",
			tier: validationTier{Rules: ruleHCL("https", 443, "http", 80, "")},
			err:  diag(`forwarding_rule[0] has entry_protocol "https", which needs certificate_name (or tls_passthrough = true). Certificates are needed for ` + tlsEntries + " entries.")},
		{name: "http3 entry without a certificate names the TLS protocols",
			tier: validationTier{Rules: validationRule + ruleHCL("http3", 443, "http", 80, "")},
			err:  diag(`forwarding_rule[1] has entry_protocol "http3", which needs certificate_name`, tlsEntries)},
		{name: "certificate on a plain http entry names the TLS protocols",
			tier: validationTier{Rules: ruleHCL("http", 80, "http", 80, `certificate_name = "web-cert"`)},
			err:  diag(`forwarding_rule[0] sets certificate_name "web-cert" but entry_protocol is "http"; certificates apply only to ` + tlsEntries + " entries.")},
		{name: "certificate together with TLS passthrough is rejected",
			tier: validationTier{Rules: ruleHCL("https", 443, "https", 443, "certificate_name = \"web-cert\"\ntls_passthrough = true")},
			err:  diag(`forwarding_rule[0] sets both tls_passthrough and certificate_name "web-cert"`, "remove certificate_name")},
		{name: "TLS passthrough to an http target says both must be https",
			tier: validationTier{Rules: ruleHCL("https", 443, "http", 80, "tls_passthrough = true")},
			err:  diag(`forwarding_rule[0] has tls_passthrough with entry_protocol "https" and target_protocol "http"; passthrough needs both to be "https".`)},
		{name: "TLS passthrough on an http2 entry says both must be https",
			tier: validationTier{Rules: ruleHCL("http2", 443, "https", 443, "tls_passthrough = true")},
			err:  diag(`forwarding_rule[0] has tls_passthrough with entry_protocol "http2" and target_protocol "https"; passthrough needs both to be "https".`)},
		{name: "two rules on entry port 80 name both rules",
			tier: validationTier{Rules: validationRule + ruleHCL("tcp", 80, "tcp", 8080, "")},
			err:  diag("forwarding_rule[0] and forwarding_rule[1] both use entry_port 80; each entry port can have one rule.")},
		{name: "https to https with TLS passthrough and no certificate plans",
			tier: validationTier{Rules: ruleHCL("https", 443, "https", 443, "tls_passthrough = true")}},
		{name: "redirect to https without an https rule names the TLS protocols",
			tier: validationTier{LB: "redirect_http_to_https = true"},
			err:  diag("redirect_http_to_https is true but no forwarding_rule has an entry_protocol of " + tlsEntries + " to redirect to.")},
		{name: "redirect to https with an http2 rule plans",
			tier: validationTier{LB: "redirect_http_to_https = true",
				Rules: validationRule + ruleHCL("http2", 443, "http", 80, `certificate_name = "web-cert"`)}},

		// healthcheck
		{name: "health check protocol udp names the allowed protocols",
			tier: validationTier{LB: healthcheckHCL(`protocol = "udp"`)},
			err:  diag("Attribute load_balancer.healthcheck.protocol " + oneOf(doapi.LBHealthCheckProtocols...) + `, got: "udp"`)},
		{name: "health check port 0 names the port range",
			tier: validationTier{LB: healthcheckHCL("port = 0")},
			err:  diag(between("load_balancer.healthcheck.port", 1, 65535, 0))},
		{name: "health check port 65536 names the port range",
			tier: validationTier{LB: healthcheckHCL("port = 65536")},
			err:  diag(between("load_balancer.healthcheck.port", 1, 65535, 65536))},
		{name: "health check path without a leading slash says it must start with one",
			tier: validationTier{LB: healthcheckHCL(`path = "health"`)},
			err:  diag(match("load_balancer.healthcheck.path", "must start with '/'", "health"))},
		{name: "health check path on a tcp check says paths need http or https",
			tier: validationTier{LB: healthcheckHCL("protocol = \"tcp\"\npath = \"/health\"")},
			err:  diag(`healthcheck.path is "/health" but protocol is "tcp"; a path is only used with protocol "http" or "https".`)},
		{name: "check interval 2 seconds names the range",
			tier: validationTier{LB: healthcheckHCL("check_interval_seconds = 2")},
			err:  diag(between("load_balancer.healthcheck.check_interval_seconds", 3, 300, 2))},
		{name: "check interval 301 seconds names the range",
			tier: validationTier{LB: healthcheckHCL("check_interval_seconds = 301")},
			err:  diag(between("load_balancer.healthcheck.check_interval_seconds", 3, 300, 301))},
		{name: "response timeout 2 seconds names the range",
			tier: validationTier{LB: healthcheckHCL("response_timeout_seconds = 2")},
			err:  diag(between("load_balancer.healthcheck.response_timeout_seconds", 3, 300, 2))},
		{name: "response timeout 301 seconds names the range",
			tier: validationTier{LB: healthcheckHCL("response_timeout_seconds = 301")},
			err:  diag(between("load_balancer.healthcheck.response_timeout_seconds", 3, 300, 301))},
		{name: "healthy threshold 1 names the range",
			tier: validationTier{LB: healthcheckHCL("healthy_threshold = 1")},
			err:  diag(between("load_balancer.healthcheck.healthy_threshold", 2, 10, 1))},
		{name: "healthy threshold 11 names the range",
			tier: validationTier{LB: healthcheckHCL("healthy_threshold = 11")},
			err:  diag(between("load_balancer.healthcheck.healthy_threshold", 2, 10, 11))},
		{name: "unhealthy threshold 1 names the range",
			tier: validationTier{LB: healthcheckHCL("unhealthy_threshold = 1")},
			err:  diag(between("load_balancer.healthcheck.unhealthy_threshold", 2, 10, 1))},
		{name: "unhealthy threshold 11 names the range",
			tier: validationTier{LB: healthcheckHCL("unhealthy_threshold = 11")},
			err:  diag(between("load_balancer.healthcheck.unhealthy_threshold", 2, 10, 11))},
		{name: "health check at interval 3, timeout 300, thresholds 2 and 10, port 65535 plans",
			tier: validationTier{LB: healthcheckHCL("port = 65535\ncheck_interval_seconds = 3\nresponse_timeout_seconds = 300\nhealthy_threshold = 2\nunhealthy_threshold = 10")}},
		{name: "health check at interval 300, timeout 3, thresholds 10 and 2 plans",
			tier: validationTier{LB: healthcheckHCL("check_interval_seconds = 300\nresponse_timeout_seconds = 3\nhealthy_threshold = 10\nunhealthy_threshold = 2")}},
		{name: "tcp health check without a path plans a null path",
			tier:    validationTier{LB: healthcheckHCL(`protocol = "tcp"`)},
			planned: []plancheck.PlanCheck{plannedValue(knownvalue.Null(), "load_balancer", "healthcheck", "path")}},

		// sticky sessions
		{name: "sticky session type source_ip names the allowed types",
			tier: validationTier{LB: stickyHCL(`type = "source_ip"`)},
			err:  diag("Attribute load_balancer.sticky_sessions.type " + oneOf(doapi.LBStickySessionTypes...) + `, got: "source_ip"`)},
		{name: "cookie name of one character names the allowed shape",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"a\"\ncookie_ttl_seconds = 60")},
			err:  diag(match("load_balancer.sticky_sessions.cookie_name", cookieRule, "a"))},
		{name: "cookie name of 41 characters names the allowed shape",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"" + strings.Repeat("c", 41) + "\"\ncookie_ttl_seconds = 60")},
			err:  diag(match("load_balancer.sticky_sessions.cookie_name", cookieRule, strings.Repeat("c", 41)))},
		{name: "cookie name with a space names the allowed shape",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"my cookie\"\ncookie_ttl_seconds = 60")},
			err:  diag(match("load_balancer.sticky_sessions.cookie_name", cookieRule, "my cookie"))},
		{name: "cookie ttl 0 names the range",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"lb\"\ncookie_ttl_seconds = 0")},
			err:  diag(between("load_balancer.sticky_sessions.cookie_ttl_seconds", 1, 2147483647, 0))},
		{name: "cookie ttl above 2147483647 names the range",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"lb\"\ncookie_ttl_seconds = 2147483648")},
			err:  diag(between("load_balancer.sticky_sessions.cookie_ttl_seconds", 1, 2147483647, 2147483648))},
		{name: "cookies without a cookie name say it is needed",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_ttl_seconds = 60")},
			err:  diag(`sticky_sessions.type is "cookies", which needs cookie_name (2 to 40 letters, digits, '-' or '_').`)},
		{name: "cookies without a cookie ttl say it is needed",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"lb\"")},
			err:  diag(`sticky_sessions.type is "cookies", which needs cookie_ttl_seconds (at least 1).`)},
		{name: "cookie name with type none says it needs cookies",
			tier: validationTier{LB: stickyHCL("type = \"none\"\ncookie_name = \"lb\"")},
			err:  diag(`sticky_sessions.cookie_name is set but type is "none"; cookie_name is only allowed with type "cookies".`)},
		{name: "cookie ttl with type none says it needs cookies",
			tier: validationTier{LB: stickyHCL("type = \"none\"\ncookie_ttl_seconds = 60")},
			err:  diag(`sticky_sessions.cookie_ttl_seconds is set but type is "none"; it is only allowed with type "cookies".`)},
		{name: "cookie settings without a type say the type defaults to none",
			tier: validationTier{LB: stickyHCL("cookie_name = \"lb\"\ncookie_ttl_seconds = 60")},
			err:  diag(`sticky_sessions.cookie_name is set but type is "none"`)},
		{name: "cookies with a 40-character name and the largest ttl plan",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"" + strings.Repeat("C", 39) + "_\"\ncookie_ttl_seconds = 2147483647")}},
		{name: "cookies with a 2-character name and ttl 1 plan",
			tier: validationTier{LB: stickyHCL("type = \"cookies\"\ncookie_name = \"l-\"\ncookie_ttl_seconds = 1")}},

		// firewall
		{name: "firewall entry without a prefix names the accepted forms",
			tier: validationTier{LB: firewallHCL(`allow = ["10.0.0.0/8"]`)},
			err:  diag(`Attribute load_balancer.firewall.allow[0] value "10.0.0.0/8" ` + fwRule)},
		{name: "firewall ip entry with a bad address names the accepted forms",
			tier: validationTier{LB: firewallHCL(`deny = ["ip:203.0.113.7", "ip:999.0.113.7"]`)},
			err:  diag(`Attribute load_balancer.firewall.deny[1] value "ip:999.0.113.7" ` + fwRule)},
		{name: "firewall cidr entry with a /33 network names the accepted forms",
			tier: validationTier{LB: firewallHCL(`allow = ["cidr:10.0.0.0/33"]`)},
			err:  diag(`Attribute load_balancer.firewall.allow[0] value "cidr:10.0.0.0/33" ` + fwRule)},
		{name: "firewall ip entry holding a network names the accepted forms",
			tier: validationTier{LB: firewallHCL(`deny = ["ip:10.0.0.0/8"]`)},
			err:  diag(`Attribute load_balancer.firewall.deny[0] value "ip:10.0.0.0/8" ` + fwRule)},
		{name: "firewall entries for IPv4, IPv6, /0 and /128 plan",
			tier: validationTier{LB: firewallHCL(`allow = ["cidr:0.0.0.0/0", "ip:2001:db8::1", "cidr:2001:db8::/128"]` + "\n" + `deny = ["ip:255.255.255.255", "cidr:::/0"]`)}},

		// alerts
		{name: "alert metric cpu_percent names the allowed metrics",
			tier: validationTier{Top: alertHCL("cpu_percent", "GreaterThan", "80", "5m", emailOps)},
			err:  diag("Attribute alert[0].metric " + oneOf(metrics...) + `, got: "cpu_percent"`)},
		{name: "alert compare GreaterOrEqual names the comparisons",
			tier: validationTier{Top: alertHCL("cpu", "GreaterOrEqual", "80", "5m", emailOps)},
			err:  diag("Attribute alert[0].compare " + oneOf(tier.AlertCompares...) + `, got: "GreaterOrEqual"`)},
		{name: "alert value below 0 names the minimum",
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "-1", "5m", emailOps)},
			err:  diag("Attribute alert[0].value value must be at least 0.000000, got: -1.000000")},
		{name: "alert window 15m names the allowed windows",
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "80", "15m", emailOps)},
			err:  diag("Attribute alert[0].window " + oneOf(tier.AlertWindows...) + `, got: "15m"`)},
		{name: "alert email without a domain is rejected",
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "80", "5m", `emails = ["ops"]`)},
			err:  diag(match("alert[0].emails[0]", "must be an email address", "ops"))},
		{name: "alert slack channel without # says it must start with #",
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "80", "5m", slackHCL("ops", "https://hooks.slack.com/services/T0/B0/x"))},
			err:  diag(match("alert[0].slack[0].channel", "must be a channel name starting with '#'", "ops"))},
		{name: "alert slack url over plain http says it must be https",
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "80", "5m", slackHCL("#ops", "http://hooks.slack.com/services/T0/B0/x"))},
			err:  diag("Attribute alert[0].slack[0].url must be an https:// URL")},
		{name: "alert that notifies nobody says where alerts can go",
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "80", "5m", "")},
			err:  diag("alert[0] (cpu) has neither emails nor a slack block; DigitalOcean needs at least one place to send the alert.")},
		{name: "second alert with an empty email list names that alert",
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "80", "5m", emailOps) + alertHCL("memory", "LessThan", "1", "1h", "emails = []")},
			err:  diag("alert[1] (memory) has neither emails nor a slack block")},
		{name: "alerts at value 0, window 1h, the last metric and slack only plan",
			tier: validationTier{Top: alertHCL(metrics[len(metrics)-1], "LessThan", "0", "1h", slackHCL("#ops", "https://hooks.slack.com/services/T0/B0/x")) +
				alertHCL(metrics[0], "GreaterThan", "100", "5m", emailOps)}},

		// rollout
		{name: "max_surge below 0 names the value and the allowed forms",
			tier: validationTier{Top: rolloutHCL("max_surge = -1")},
			err:  diag(`Attribute rollout.max_surge value "-1" is not allowed`, budgetRule)},
		{name: "max_surge above 1000 names the limit",
			tier: validationTier{Top: rolloutHCL("max_surge = 1001")},
			err:  diag(`Attribute rollout.max_surge value "1001" is not allowed: "1001" is more than 1000 droplets.`, budgetRule)},
		{name: "max_surge above 100% names the limit",
			tier: validationTier{Top: rolloutHCL(`max_surge = "101%"`)},
			err:  diag(`Attribute rollout.max_surge value "101%" is not allowed: "101%" is more than 100%.`)},
		{name: "max_surge with a space before % is rejected",
			tier: validationTier{Top: rolloutHCL(`max_surge = "25 %"`)},
			err:  diag(`Attribute rollout.max_surge value "25 %" is not allowed`, budgetRule)},
		{name: "max_unavailable with a fraction is rejected",
			tier: validationTier{Top: rolloutHCL("max_unavailable = 1.5")},
			err:  diag(`Attribute rollout.max_unavailable value "1.5" is not allowed`, budgetRule)},
		{name: "max_unavailable above 1000 names the limit",
			tier: validationTier{Top: rolloutHCL("max_unavailable = 1001")},
			err:  diag(`Attribute rollout.max_unavailable value "1001" is not allowed`)},
		{name: "max_surge and max_unavailable both 0 say the rollout cannot progress",
			tier: validationTier{Top: rolloutHCL("max_surge = 0\nmax_unavailable = 0")},
			err:  diag("rollout.max_surge and rollout.max_unavailable are both 0", `Set max_surge to 1 or more (or a percentage such as "25%"; zero downtime) or max_unavailable to 1 or more.`)},
		{name: "max_surge 0% and max_unavailable 0 say the rollout cannot progress",
			tier: validationTier{Top: rolloutHCL("max_surge = \"0%\"\nmax_unavailable = 0")},
			err:  diag("rollout.max_surge and rollout.max_unavailable are both 0")},
		{name: "negative min_ready is rejected",
			tier: validationTier{Top: rolloutHCL(`min_ready = "-1s"`)},
			err:  diag(`Attribute rollout.min_ready value "-1s" is not a duration of 0 or more such as "0s", "30s" or "2m".`)},
		{name: "min_ready without a unit is rejected",
			tier: validationTier{Top: rolloutHCL(`min_ready = "30"`)},
			err:  diag(`Attribute rollout.min_ready value "30" is not a duration of 0 or more`)},
		{name: "min_ready 0s plans",
			tier: validationTier{Top: rolloutHCL(`min_ready = "0s"`)}},
		{name: "max_surge 50% and max_unavailable 10% plan",
			tier: validationTier{Top: rolloutHCL("max_surge = \"50%\"\nmax_unavailable = \"10%\"")}},
		{name: "max_surge 0 with the default max_unavailable says the rollout cannot progress",
			tier: validationTier{Top: rolloutHCL("max_surge = 0")},
			err:  diag("rollout.max_surge and rollout.max_unavailable are both 0")},
		{name: "rollout health ping names the health modes",
			tier: validationTier{Top: rolloutHCL(`health = "ping"`)},
			err:  diag("Attribute rollout.health " + oneOf(tier.HealthLoadBalancer, tier.HealthDropletStatus, tier.HealthHTTP) + `, got: "ping"`)},
		{name: "health_timeout without a unit shows duration examples",
			tier: validationTier{Top: rolloutHCL(`health_timeout = "10"`)},
			err:  diag(`Attribute rollout.health_timeout value "10" ` + durRule)},
		{name: "health_timeout of zero is rejected",
			tier: validationTier{Top: rolloutHCL(`health_timeout = "0s"`)},
			err:  diag(`Attribute rollout.health_timeout value "0s" ` + durRule)},
		{name: "negative health_timeout is rejected",
			tier: validationTier{Top: rolloutHCL(`health_timeout = "-5m"`)},
			err:  diag(`Attribute rollout.health_timeout value "-5m" ` + durRule)},
		{name: "scale_in_policy random names the policies",
			tier: validationTier{Top: rolloutHCL(`scale_in_policy = "random"`)},
			err:  diag("Attribute rollout.scale_in_policy " + oneOf(tier.ScaleInNewestFirst, tier.ScaleInOldestFirst) + `, got: "random"`)},
		{name: "max_surge 0 with max_unavailable 1, health_timeout 1h30m and oldest_first plans",
			tier: validationTier{Top: rolloutHCL("max_surge = 0\nmax_unavailable = 1\nhealth = \"http\"\nhealth_timeout = \"1h30m\"\nscale_in_policy = \"oldest_first\"")}},
		{name: "max_surge and max_unavailable 1000 with health_timeout 1ns plan",
			tier: validationTier{Top: rolloutHCL("max_surge = 1000\nmax_unavailable = 1000\nhealth = \"droplet_status\"\nhealth_timeout = \"1ns\"")}},

		// timeouts
		{name: "timeout without a unit is rejected",
			tier: validationTier{Top: "  timeouts {\n    create = \"30\"\n  }"},
			err: diag(`create = "30"`, `"30" must be a string containing a sequence of decimal numbers, each with optional fraction and a unit suffix`,
				`Valid time units are "ns", "us" (or "µs"), "ms", "s", "m", "h".`)},
		{name: "negative timeout says it must be positive",
			tier: validationTier{Top: "  timeouts {\n    create = \"-5m\"\n  }"},
			err:  diag(`timeouts.create is "-5m"; a timeout must be a positive duration such as "30m".`)},
		{name: "zero timeout says it must be positive",
			tier: validationTier{Top: "  timeouts {\n    delete = \"0s\"\n  }"},
			err:  diag(`timeouts.delete is "0s"; a timeout must be a positive duration`)},
		{name: "timeouts of 1s and 100h plan",
			tier: validationTier{Top: "  timeouts {\n    create = \"1s\"\n    update = \"100h\"\n    delete = \"90m\"\n  }"}},

		// required blocks
		{name: "missing droplet block says it is required",
			tier: validationTier{NoDroplet: true},
			err:  diag("Block droplet must have a configuration value as the provider has marked it as required")},
		{name: "missing load_balancer block says it is required",
			tier: validationTier{NoLB: true},
			err:  diag("Block load_balancer must have a configuration value as the provider has marked it as required")},
		{name: "load_balancer without a forwarding_rule says at least one is needed",
			tier: validationTier{NoRules: true},
			err:  diag("Block load_balancer.forwarding_rule must have a configuration value as the provider has marked it as required")},
	}
}

// TestAccWebTierValidation plans every bad setting of scalable_web_tier
// and checks the diagnostic names the attribute, the bad value and what
// is allowed; the valid edge cases next to them must plan.
func TestAccWebTierValidation(t *testing.T) {
	e := acctest.New(t, func(o *sandbox.Options) { o.DropletLimit = 1100 })
	seedValidationFixtures(t, e)
	for _, c := range validationCases() {
		t.Run(c.name, func(t *testing.T) {
			step := resource.TestStep{
				Config:      c.tier.config(e),
				PlanOnly:    true,
				ExpectError: c.err,
			}
			if c.err == nil {
				step.ExpectNonEmptyPlan = true
				step.ConfigPlanChecks.PostApplyPreRefresh = append([]plancheck.PlanCheck{
					plancheck.ExpectResourceAction("scalable_web_tier.web", plancheck.ResourceActionCreate),
				}, c.planned...)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.Factories(),
				Steps:                    []resource.TestStep{step},
			})
		})
	}
}

// TestAccWebTierValidationHidesSensitiveValues: a bad sensitive value,
// passed through a sensitive variable, fails the plan with a diagnostic
// that explains what is wrong without showing the value.
func TestAccWebTierValidationHidesSensitiveValues(t *testing.T) {
	e := acctest.New(t)
	const secret = "T0SECRET/B0SECRET/xoxsecretwebhooktoken"
	userData := "#cloud-config\n# " + secret + "\n" + strings.Repeat("x", doapi.MaxUserDataBytes)
	for _, c := range []struct {
		name, variable, value string
		tier                  validationTier
		err                   *regexp.Regexp
	}{
		{name: "user_data over 64 KiB shows its size, not its content",
			variable: "user_data", value: userData,
			tier: validationTier{Droplet: "    user_data = var.user_data"},
			err:  diag(fmt.Sprintf("Attribute droplet.user_data string length must be at most %d, got: %d", doapi.MaxUserDataBytes, len(userData)))},
		{name: "slack url over plain http says it must be https without showing it",
			variable: "slack_url", value: "http://hooks.slack.com/services/" + secret,
			tier: validationTier{Top: alertHCL("cpu", "GreaterThan", "80", "5m", "slack {\n channel = \"#ops\"\n url = var.slack_url\n }")},
			err:  diag("Attribute alert[0].slack[0].url must be an https:// URL")},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := fmt.Sprintf("variable %q {\n  type      = string\n  sensitive = true\n  default   = %q\n}\n", c.variable, c.value) + c.tier.config(e)
			check, seen := errorWithout(t, c.err, secret)
			defer seen()
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.Factories(),
				ErrorCheck:               check,
				Steps:                    []resource.TestStep{{Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true}},
			})
		})
	}
}

// seedValidationFixtures puts in the account what the valid edge cases
// name (the plan checks references against the account): the VPC, the SSH
// keys by id and fingerprint, and snapshots with the edge-case ids.
func seedValidationFixtures(t *testing.T, e *acctest.Env) {
	t.Helper()
	err := e.Sandbox.Mutate(func(w *sandbox.World, now time.Time) error {
		w.VPCs["3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"] = &sandbox.VPC{ID: "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
			Name: "edge", Region: "nyc3", IPRange: "10.200.0.0/20", CreatedAt: now}
		w.SSHKeys[512190] = &sandbox.SSHKey{ID: 512190, Name: "edge-id", Fingerprint: "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", CreatedAt: now}
		w.SSHKeys[512191] = &sandbox.SSHKey{ID: 512191, Name: "edge-fp", Fingerprint: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa", CreatedAt: now}
		for _, id := range []int{123456789, 999999999999999999} {
			w.Snapshots[id] = &sandbox.Snapshot{ID: id, Name: fmt.Sprintf("edge-%d", id), Type: "snapshot", Distribution: "Ubuntu",
				Regions: []string{"nyc3"}, MinDiskSize: 25, SizeGigabytes: 2, CreatedAt: now}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
