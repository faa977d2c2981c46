package provider

import (
	"context"
	"fmt"
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/helpers/validatordiag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Patterns shared by the schema and its validators. A numeric image or SSH
// key id has at most 18 digits, so that it fits an int and reaches the API
// as an id (not as a slug or fingerprint); an image slug that is not a
// number has a letter or a separator.
var (
	tierNamePattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	slugPattern        = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	imagePattern       = regexp.MustCompile(`^([0-9]{1,18}|[a-z0-9]*[a-z][a-z0-9]*([-.][a-z0-9]+)*|[a-z0-9]+([-.][a-z0-9]+)+)$`)
	sshKeyPattern      = regexp.MustCompile(`^([0-9]{1,18}|([0-9a-f]{2}:){15}[0-9a-f]{2})$`)
	tagPattern         = regexp.MustCompile(`^[a-zA-Z0-9:_\-]{1,255}$`)
	uuidPattern        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	cookieNamePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{2,40}$`)
	slackChannelPrefix = "#"
)

// durationValidator accepts Go duration text such as "90s" or "10m".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return `a duration such as "30s", "10m" or "1h30m"`
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("Attribute %s value %q is not %s.", req.Path, s, v.Description(ctx)))
	}
}

// firewallRuleValidator accepts DigitalOcean's "ip:<address>" and
// "cidr:<network>" load balancer firewall entries.
type firewallRuleValidator struct{}

func (firewallRuleValidator) Description(context.Context) string {
	return `"ip:<IPv4 or IPv6 address>" or "cidr:<network>/<bits>"`
}

func (v firewallRuleValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v firewallRuleValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	kind, value, _ := strings.Cut(s, ":")
	ok := false
	switch kind {
	case "ip":
		ok = net.ParseIP(value) != nil
	case "cidr":
		_, _, err := net.ParseCIDR(value)
		ok = err == nil
	}
	if !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid firewall entry",
			fmt.Sprintf("Attribute %s value %q is not %s.", req.Path, s, v.Description(ctx)))
	}
}

// emailValidator accepts a bare address as net/mail reads it (no display
// name, no angle brackets) in a domain with a dot: DigitalOcean mails the
// alert there.
type emailValidator struct{}

func (emailValidator) Description(context.Context) string { return "must be an email address" }

func (v emailValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v emailValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if s := req.ConfigValue.ValueString(); !isEmailAddress(s) {
		// The message RegexMatches gave when a pattern checked this.
		resp.Diagnostics.Append(validatordiag.InvalidAttributeValueMatchDiagnostic(req.Path, v.Description(ctx), s))
	}
}

func isEmailAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	return strings.Contains(s[strings.LastIndex(s, "@")+1:], ".")
}

// quoted lists values for messages: "a", "b".
func quoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

var (
	pathPattern         = regexp.MustCompile(`^/`)
	httpsPattern        = regexp.MustCompile(`^https://[^\s]+$`)
	slackChannelPattern = regexp.MustCompile(`^` + slackChannelPrefix + `[^\s]{1,80}$`)
)

// secretHTTPSURLValidator checks an https URL that is a secret (a Slack
// webhook): unlike RegexMatches, its message never repeats the value.
type secretHTTPSURLValidator struct{}

func (secretHTTPSURLValidator) Description(context.Context) string {
	return "an https:// URL (the value is sensitive and is not shown)"
}

func (v secretHTTPSURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v secretHTTPSURLValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !httpsPattern.MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slack webhook URL",
			fmt.Sprintf("Attribute %s must be %s.", req.Path, v.Description(ctx)))
	}
}

// fractionValidator accepts an autoscale utilization target: a fraction in
// DigitalOcean's range, and says so when given a percentage.
type fractionValidator struct{}

func (fractionValidator) Description(context.Context) string {
	r := doapi.AutoscaleTargetUtilizationRange
	return fmt.Sprintf("a fraction between %g and %g (0.85 means 85%%)", r.Min, r.Max)
}

func (v fractionValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v fractionValidator) ValidateFloat64(ctx context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	r, f := doapi.AutoscaleTargetUtilizationRange, req.ConfigValue.ValueFloat64()
	if f >= r.Min && f <= r.Max {
		return
	}
	detail := fmt.Sprintf("Attribute %s is %g: a target is %s", req.Path, f, v.Description(ctx))
	if f > 1 && f <= 100 {
		detail += ", not a percentage"
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid utilization target", detail+".")
}
