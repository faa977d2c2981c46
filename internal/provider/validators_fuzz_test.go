package provider

// Fuzz targets for the custom validators and the patterns of the schema.
// `go test` runs the seeds below; to search further, run one target at a
// time, e.g.
//
//	go test -run='^$' -fuzz='^FuzzFirewallRuleValidator$' -fuzztime=30s ./internal/provider/

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

func runStringValidator(v validator.String, p path.Path, value types.String) diag.Diagnostics {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: p, ConfigValue: value}, resp)
	return resp.Diagnostics
}

// checkRejection: exactly one error, on the attribute, whose detail names
// the attribute, the value and the accepted forms.
func checkRejection(t *testing.T, diags diag.Diagnostics, p path.Path, s, accepted string) {
	t.Helper()
	if diags.ErrorsCount() != 1 || len(diags) != 1 {
		t.Fatalf("%q: want one error, got %v", s, diags)
	}
	d := diags[0]
	wd, ok := d.(diag.DiagnosticWithPath)
	if !ok || !wd.Path().Equal(p) {
		t.Fatalf("%q: the error is not on %s: %v", s, p, d)
	}
	for _, want := range []string{p.String(), strconv.Quote(s), accepted} {
		if !strings.Contains(d.Detail(), want) {
			t.Fatalf("%q: the error %q does not contain %q", s, d.Detail(), want)
		}
	}
}

func TestValidatorsIgnoreNullAndUnknown(t *testing.T) {
	for _, v := range []validator.String{durationValidator{}, firewallRuleValidator{}} {
		for _, value := range []types.String{types.StringNull(), types.StringUnknown()} {
			if d := runStringValidator(v, path.Root("x"), value); len(d) != 0 {
				t.Errorf("%T on %v: %v", v, value, d)
			}
		}
	}
}

// FuzzDurationValidator: health_timeout and poll_interval accept exactly
// the positive durations time.ParseDuration reads, which is how the
// provider reads them later.
func FuzzDurationValidator(f *testing.F) {
	for _, s := range []string{
		"10m", "1h30m", "90s", "1ns", "5µs", "5us", "1.5h", ".5s", "+5m", "1h-5m",
		"0s", "0", "-5m", "-0s", "10", "", " 5m", "5m ", "fast", "1e3s", "5M", "1d",
		"2562047h47m16.854775807s", "2562047h47m16.854775808s", "9223372036854775807ns",
	} {
		f.Add(s)
	}
	p := path.Root("rollout").AtName("health_timeout")
	v := durationValidator{}
	f.Fuzz(func(t *testing.T, s string) {
		diags := runStringValidator(v, p, types.StringValue(s))
		d, err := time.ParseDuration(s)
		want := err == nil && d > 0
		if accepted := !diags.HasError(); accepted != want {
			t.Fatalf("%q: accepted = %v, but ParseDuration gives %v, %v", s, accepted, d, err)
		}
		if !want {
			checkRejection(t, diags, p, s, v.Description(context.Background()))
		}
	})
}

// FuzzFirewallRuleValidator: load balancer firewall entries are accepted
// exactly when they are "ip:" and an address net.ParseIP reads, or
// "cidr:" and a network net.ParseCIDR reads, and the sandbox, which keeps
// DigitalOcean's rule, agrees.
func FuzzFirewallRuleValidator(f *testing.F) {
	for _, s := range []string{
		"ip:1.2.3.4", "ip:2001:db8::1", "ip:::", "ip:::ffff:1.2.3.4", "cidr:10.0.0.0/8",
		"cidr:0.0.0.0/0", "cidr:::/0", "cidr:10.0.0.1/8", "cidr:2001:db8::/128",
		"10.0.0.0/8", "1.2.3.4", "ip:", "cidr:", ":", "ip", "IP:1.2.3.4", "ip:1.2.3.4/32",
		"cidr:10.0.0.1", "cidr:10.0.0.0/33", "ip:fe80::1%eth0", "ip:010.0.0.1", "ip: 1.2.3.4",
		"ip:1.2.3.4\n", "tag:web", "ip:ip:1.2.3.4", "cidr:cidr:10.0.0.0/8", "ip:256.0.0.1",
	} {
		f.Add(s)
	}
	p := path.Root("load_balancer").AtName("firewall").AtName("allow").AtListIndex(0)
	v := firewallRuleValidator{}
	f.Fuzz(func(t *testing.T, s string) {
		diags := runStringValidator(v, p, types.StringValue(s))
		want := false
		if addr, ok := strings.CutPrefix(s, "ip:"); ok {
			want = net.ParseIP(addr) != nil
		} else if network, ok := strings.CutPrefix(s, "cidr:"); ok {
			_, _, err := net.ParseCIDR(network)
			want = err == nil
		}
		if accepted := !diags.HasError(); accepted != want {
			t.Fatalf("%q: accepted = %v, want %v", s, accepted, want)
		}
		if !want {
			checkRejection(t, diags, p, s, v.Description(context.Background()))
		}
	})
}

// isDOTag is DigitalOcean's tag rule, [a-zA-Z0-9:_-]{1,255}, written
// without a regular expression.
func isDOTag(s string) bool {
	if len(s) < 1 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ':' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// FuzzTierNamePattern: a tier name is 1 to 40 of a-z, 0-9 and '-', not
// starting with '-'; every accepted name yields droplet names, a load
// balancer name and tags that DigitalOcean (the sandbox's rules) accepts,
// and an alert marker the provider reads back.
func FuzzTierNamePattern(f *testing.F) {
	for _, s := range []string{
		"hits", "a", "7", "web-", "a--b", "-web", "Web", "web_1", "web.1", "", " web", "web\n",
		strings.Repeat("a", 40), strings.Repeat("a", 41), strings.Repeat("-", 40), "0-0-0", "ä",
	} {
		f.Add(s, uint32(0))
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789" // droplet name suffixes
	f.Fuzz(func(t *testing.T, name string, suffix uint32) {
		want := len(name) >= 1 && len(name) <= 40 && name[0] != '-'
		for i := 0; i < len(name); i++ {
			if c := name[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				want = false
			}
		}
		if got := tierNamePattern.MatchString(name); got != want {
			t.Fatalf("%q: accepted = %v, want %v", name, got, want)
		}
		if !want {
			return
		}
		var b [4]byte
		for i := range b {
			b[i] = alphabet[suffix%uint32(len(alphabet))]
			suffix /= uint32(len(alphabet))
		}
		droplet := name + "-" + string(b[:])
		if !sandbox.DropletNamePattern.MatchString(droplet) || len(droplet) > sandbox.MaxDropletNameLength || len(droplet) > 63 {
			t.Fatalf("tier %q: droplet name %q is not a hostname DigitalOcean accepts", name, droplet)
		}
		if lb := tier.LoadBalancerName(name); !sandbox.LoadBalancerNamePattern.MatchString(lb) {
			t.Fatalf("tier %q: load balancer name %q is not accepted", name, lb)
		}
		for _, tag := range []string{tier.Tag(name), tier.DrainTag(name)} {
			if !isDOTag(tag) || !tagPattern.MatchString(tag) {
				t.Fatalf("tier %q: tag %q is not a DigitalOcean tag", name, tag)
			}
		}
		desc := fmt.Sprintf("cpu > 80%% for 5m on tier %s [scalable-tier:%s#%d]", name, name, suffix%100)
		if got, i, ok := tier.AlertIndex(tier.AlertPolicy{AlertRequest: tier.AlertRequest{Description: desc}}); !ok || got != name || i != int(suffix%100) {
			t.Fatalf("tier %q: alert marker in %q reads back as %q, %d, %v", name, desc, got, i, ok)
		}
	})
}

// FuzzTagPattern: extra tags are accepted exactly when DigitalOcean
// accepts them.
func FuzzTagPattern(f *testing.F) {
	for _, s := range []string{
		"env:prod", "env-prod_1", "a", ":", "_", "-", "", "env prod", "env/prod", "env.prod", "é",
		strings.Repeat("t", 255), strings.Repeat("t", 256), "tag\n", "k8s:cluster-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := tagPattern.MatchString(s), isDOTag(s); got != want {
			t.Fatalf("%q: accepted = %v, DigitalOcean accepts = %v", s, got, want)
		}
	})
}

func isSlug(s string) bool {
	if s == "" {
		return false
	}
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' }) {
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	// No empty segment: no leading, trailing or doubled separator.
	return !strings.ContainsAny(s[:1], "-.") && !strings.ContainsAny(s[len(s)-1:], "-.") &&
		!strings.Contains(s, "--") && !strings.Contains(s, "..") && !strings.Contains(s, "-.") && !strings.Contains(s, ".-")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkNumericID: an accepted id is one the client sends as a number
// (doclient tries strconv.Atoi and sends anything else as a slug or a
// fingerprint, which DigitalOcean rejects only at apply time), and every
// id of up to 18 digits is accepted.
func checkNumericID(t *testing.T, s string, accepted bool) {
	t.Helper()
	_, err := strconv.Atoi(s)
	if accepted && err != nil {
		t.Fatalf("%q: accepted, but the client would not send it as an id: %v", s, err)
	}
	if !accepted && len(s) <= 18 {
		t.Fatalf("%q: an id of %d digits is rejected", s, len(s))
	}
}

// FuzzImagePattern: droplet.image is a slug (lowercase letters and digits
// in segments joined by '-' or '.') or a numeric image id; an accepted
// value that is all digits must be an id the client sends as a number,
// not a slug DigitalOcean rejects at apply time.
func FuzzImagePattern(f *testing.F) {
	for _, s := range []string{
		"ubuntu-24-04-x64", "docker-20.04", "123456789", "0", "7-ubuntu", "Ubuntu", "ubuntu 24",
		".ubuntu", "ubuntu-", "ubuntu--x", "ubuntu.-x", "", "999999999999999999", "9999999999999999999",
		"99999999999999999999", "12345678901234567890123",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := imagePattern.MatchString(s)
		if isDigits(s) {
			checkNumericID(t, s, got)
			return
		}
		if want := isSlug(s); got != want {
			t.Fatalf("%q: accepted = %v, want %v", s, got, want)
		}
	})
}

func isFingerprint(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) != 16 {
		return false
	}
	for _, p := range parts {
		if len(p) != 2 || strings.Trim(p, "0123456789abcdef") != "" {
			return false
		}
	}
	return true
}

// FuzzSSHKeyPattern: droplet.ssh_keys entries are numeric key ids the
// client sends as numbers, or lowercase MD5 fingerprints.
func FuzzSSHKeyPattern(f *testing.F) {
	fp := "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"
	for _, s := range []string{
		"512190", "0", fp, strings.ToUpper(fp), fp[:len(fp)-3], fp + ":00", strings.ReplaceAll(fp, ":", ""),
		"SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", "", "my laptop", "99999999999999999999",
		strings.ReplaceAll(fp, ":", "-"), fp + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sshKeyPattern.MatchString(s)
		if isDigits(s) {
			checkNumericID(t, s, got)
			return
		}
		if want := isFingerprint(s); got != want {
			t.Fatalf("%q: accepted = %v, want %v", s, got, want)
		}
	})
}
