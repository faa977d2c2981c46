package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/provider"
)

// providerAttrs are the provider settings for the sandbox, by attribute,
// as HCL values; cases change or delete entries.
func providerAttrs(e *acctest.Env) map[string]string {
	return map[string]string{
		"api_endpoint":        fmt.Sprintf("%q", e.URL),
		"token":               fmt.Sprintf("%q", e.Token),
		"time_scale":          fmt.Sprint(acctest.TimeScale),
		"poll_interval":       `"40ms"`,
		"http_retry_wait_min": "0.02",
		"http_retry_wait_max": "0.2",
	}
}

// providerWith is a configuration of the provider with attrs and a small
// tier, so that a plan configures the provider.
func providerWith(attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("provider \"scalable\" {\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
	}
	b.WriteString("}\n")
	b.WriteString(validationTier{Name: "cfg"}.resource())
	return b.String()
}

// errorWithout is a TestCase.ErrorCheck for a single step that must fail
// with want and whose output must not contain any of secrets. The
// returned func reports, after the test case, whether it saw the error;
// a test case the harness skipped (no TF_ACC) ran nothing to see.
func errorWithout(t *testing.T, want *regexp.Regexp, secrets ...string) (resource.ErrorCheckFunc, func()) {
	seen := false
	check := func(err error) error {
		seen = true
		out := err.Error()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				return fmt.Errorf("the error output shows the secret %q:\n%s", s, out)
			}
		}
		if !want.MatchString(out) {
			return fmt.Errorf("expected an error matching %s, got:\n%s", want, out)
		}
		return nil
	}
	return check, func() {
		t.Helper()
		if !seen && !t.Skipped() {
			t.Errorf("expected an error matching %s, got none", want)
		}
	}
}

type providerConfigCase struct {
	name string
	set  map[string]string // attributes to set (HCL values)
	del  []string          // attributes to leave out
	err  *regexp.Regexp    // nil: the configuration plans
}

// TestAccProviderConfigValidation plans with each bad provider setting:
// the error names the attribute, the value and what is allowed, and never
// shows the token. Valid edge values plan.
func TestAccProviderConfigValidation(t *testing.T) {
	e := acctest.New(t)
	cases := []providerConfigCase{
		{name: "api_endpoint without a scheme shows example URLs",
			set: map[string]string{"api_endpoint": `"127.0.0.1:8080"`},
			err: diag(`Invalid API endpoint`, `api_endpoint = "127.0.0.1:8080"`,
				`"127.0.0.1:8080" (from api_endpoint) is not an http(s) URL such as https://api.digitalocean.com or http://127.0.0.1:8080.`)},
		{name: "api_endpoint with an ftp scheme shows example URLs",
			set: map[string]string{"api_endpoint": `"ftp://api.example.com"`},
			err: diag(`Invalid API endpoint`, `"ftp://api.example.com" (from api_endpoint) is not an http(s) URL such as https://api.digitalocean.com`)},
		{name: "api_endpoint without a host shows example URLs",
			set: map[string]string{"api_endpoint": `"https://"`},
			err: diag(`Invalid API endpoint`, `"https://" (from api_endpoint) is not an http(s) URL`)},
		{name: "http_retry_wait_max below http_retry_wait_min names both values",
			set: map[string]string{"http_retry_wait_min": "1", "http_retry_wait_max": "0.5"},
			err: diag("Invalid retry waits", "http_retry_wait_max (0.5 s) is below http_retry_wait_min (1 s).")},
		{name: "http_retry_wait_min above the default maximum names the default",
			set: map[string]string{"http_retry_wait_min": "60"}, del: []string{"http_retry_wait_max"},
			err: diag("Invalid retry waits", "http_retry_wait_max (30 s) is below http_retry_wait_min (60 s).")},
		{name: "http_retry_wait_max of 0 names the range",
			set: map[string]string{"http_retry_wait_max": "0"},
			err: diag("Attribute http_retry_wait_max value must be between 0.001000 and 3600.000000, got: 0.000000")},
		{name: "http_retry_wait_min above 600 names the range",
			set: map[string]string{"http_retry_wait_min": "601"},
			err: diag("Attribute http_retry_wait_min value must be between 0.001000 and 600.000000, got: 601.000000")},
		{name: "http_retry_max above 20 names the range",
			set: map[string]string{"http_retry_max": "21"},
			err: diag("Attribute http_retry_max value must be between 0 and 20, got: 21")},
		{name: "negative requests_per_second names the range",
			set: map[string]string{"requests_per_second": "-1"},
			err: diag("Attribute requests_per_second value must be between 0.000000 and 1000.000000, got: -1.000000")},
		{name: "time_scale 0 names the range",
			set: map[string]string{"time_scale": "0"},
			err: diag("Attribute time_scale value must be between 0.000100 and 1.000000, got: 0.000000")},
		{name: "time_scale above 1 names the range",
			set: map[string]string{"time_scale": "1.5"},
			err: diag("Attribute time_scale value must be between 0.000100 and 1.000000, got: 1.500000")},
		{name: "poll_interval without a unit shows duration examples",
			set: map[string]string{"poll_interval": `"5"`},
			err: diag(`Attribute poll_interval value "5" is not a duration such as "30s", "10m" or "1h30m".`)},
		{name: "poll_interval of zero is rejected",
			set: map[string]string{"poll_interval": `"0s"`},
			err: diag(`Attribute poll_interval value "0s" is not a duration such as "30s", "10m" or "1h30m".`)},
		{name: "poll_interval in words is rejected",
			set: map[string]string{"poll_interval": `"fast"`},
			err: diag(`Attribute poll_interval value "fast" is not a duration`)},

		{name: "time_scale 1, equal retry waits and no retries plan",
			set: map[string]string{"time_scale": "1", "http_retry_wait_min": "0.5", "http_retry_wait_max": "0.5", "http_retry_max": "0"}},
		{name: "time_scale 0.0001, 20 retries, 1000 requests per second and a 1ms poll plan",
			set: map[string]string{"time_scale": "0.0001", "http_retry_max": "20", "requests_per_second": "1000", "poll_interval": `"1ms"`}},
		{name: "the smallest and largest retry waits plan",
			set: map[string]string{"http_retry_wait_min": "0.001", "http_retry_wait_max": "3600"}},
		{name: "api_endpoint with a path plans",
			set: map[string]string{"api_endpoint": fmt.Sprintf("%q", e.URL+"/")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			attrs := providerAttrs(e)
			for k, v := range c.set {
				attrs[k] = v
			}
			for _, k := range c.del {
				delete(attrs, k)
			}
			step := resource.TestStep{Config: providerWith(attrs), PlanOnly: true, ExpectNonEmptyPlan: true}
			tc := resource.TestCase{ProtoV6ProviderFactories: e.Factories(), Steps: []resource.TestStep{step}}
			if c.err != nil {
				check, seen := errorWithout(t, c.err, e.Token)
				tc.ErrorCheck = check
				defer seen()
			}
			resource.ParallelTest(t, tc)
		})
	}
}

// unsetenv removes a variable for the test and restores it afterwards.
func unsetenv(t *testing.T, name string) {
	t.Setenv(name, "")
	os.Unsetenv(name)
}

// TestAccProviderConfigMissingToken: without the token attribute and both
// environment variables, the plan fails naming all three.
func TestAccProviderConfigMissingToken(t *testing.T) {
	e := acctest.New(t)
	unsetenv(t, provider.EnvToken)
	unsetenv(t, provider.EnvAccessToken)
	attrs := providerAttrs(e)
	delete(attrs, "token")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		Steps: []resource.TestStep{{
			Config:   providerWith(attrs),
			PlanOnly: true,
			ExpectError: diag("Missing DigitalOcean API token",
				"The provider needs an API token: set the provider's `token` attribute, or the DIGITALOCEAN_TOKEN (or DIGITALOCEAN_ACCESS_TOKEN) environment variable."),
		}},
	})
}

// TestAccProviderConfigTokenFromEnvironment: either variable alone is
// enough, and an empty token attribute falls back to them.
func TestAccProviderConfigTokenFromEnvironment(t *testing.T) {
	e := acctest.New(t)
	for _, c := range []struct {
		name, env, token string
	}{
		{"DIGITALOCEAN_TOKEN alone", provider.EnvToken, ""},
		{"DIGITALOCEAN_ACCESS_TOKEN alone", provider.EnvAccessToken, ""},
		{"empty token attribute falls back to DIGITALOCEAN_TOKEN", provider.EnvToken, `""`},
	} {
		t.Run(c.name, func(t *testing.T) {
			unsetenv(t, provider.EnvToken)
			unsetenv(t, provider.EnvAccessToken)
			t.Setenv(c.env, e.Token)
			attrs := providerAttrs(e)
			delete(attrs, "token")
			if c.token != "" {
				attrs["token"] = c.token
			}
			// The data source reads the sandbox at plan time: a token that
			// did not reach the client would be a 401 here.
			cfg := providerWith(attrs) + `
data "scalable_web_tier" "none" {
  name = "cfg"
}
`
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.Factories(),
				Steps: []resource.TestStep{{
					Config: cfg, PlanOnly: true,
					ExpectError: diag("No such web tier"),
				}},
			})
		})
	}
}

// TestAccProviderConfigEnvironmentErrors: bad values in the environment
// variables the provider falls back on fail the plan with the value.
func TestAccProviderConfigEnvironmentErrors(t *testing.T) {
	e := acctest.New(t)
	for _, c := range []struct {
		name, env, value, attr string
		err                    *regexp.Regexp
	}{
		{"SCALABLE_TIME_SCALE above 1 names the variable and the range", provider.EnvTimeScale, "2", "time_scale",
			diag("Invalid SCALABLE_TIME_SCALE", `"2" is not a number in (0, 1].`)},
		{"SCALABLE_TIME_SCALE that is not a number names the variable", provider.EnvTimeScale, "fast", "time_scale",
			diag("Invalid SCALABLE_TIME_SCALE", `"fast" is not a number in (0, 1].`)},
		{"SCALABLE_POLL_INTERVAL that is not a duration shows an example", provider.EnvPoll, "5", "poll_interval",
			diag("Invalid poll interval", `"5" (from the SCALABLE_POLL_INTERVAL environment variable) is not a positive duration such as "5s".`)},
		{"DIGITALOCEAN_API_URL without a scheme shows example URLs", provider.EnvAPIURL, "localhost:8080", "api_endpoint",
			diag("Invalid API endpoint", `"localhost:8080" (from the DIGITALOCEAN_API_URL environment variable) is not an http(s) URL such as https://api.digitalocean.com`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			attrs := providerAttrs(e)
			delete(attrs, c.attr)
			check, seen := errorWithout(t, c.err, e.Token)
			defer seen()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.Factories(),
				ErrorCheck:               check,
				Steps:                    []resource.TestStep{{Config: providerWith(attrs), PlanOnly: true, ExpectNonEmptyPlan: true}},
			})
		})
	}
}

// TestAccProviderConfigRejectedTokenIsNotShown: a token DigitalOcean
// rejects fails with the 401, not with the token.
func TestAccProviderConfigRejectedTokenIsNotShown(t *testing.T) {
	e := acctest.New(t)
	const wrong = "dop_v1_wrongtoken0123456789abcdef"
	attrs := providerAttrs(e)
	attrs["token"] = fmt.Sprintf("%q", wrong)
	check, seen := errorWithout(t, diag("Unable to read web tier cfg", "401"), wrong, "Bearer")
	defer seen()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		ErrorCheck:               check,
		Steps: []resource.TestStep{{
			Config:   providerWith(attrs) + "data \"scalable_web_tier\" \"x\" {\n  name = \"cfg\"\n}\n",
			PlanOnly: true,
		}},
	})
}

// TestAccProviderConfigNeverLogsToken runs a create, an update plan and a
// destroy with Terraform and the provider logging at TRACE into one file,
// the token coming from DIGITALOCEAN_TOKEN, then looks for the token in
// the log.
func TestAccProviderConfigNeverLogsToken(t *testing.T) {
	e := acctest.New(t)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	unsetenv(t, provider.EnvAccessToken)
	t.Setenv(provider.EnvToken, e.Token)
	attrs := providerAttrs(e)
	delete(attrs, "token")
	cfg := func(instances string) string {
		return strings.Replace(providerWith(attrs), "instances = 1", "instances = "+instances, 1)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: cfg("1")},
			{Config: cfg("2"), PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	// The log must hold what could leak: Terraform core at TRACE and the
	// provider's own requests, or the test proves nothing.
	for _, want := range []string{"[TRACE]", "configured DigitalOcean client", "ConfigureProvider"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the trace log (%d bytes) lacks %q: logging was not captured", len(log), want)
		}
	}
	if i := strings.Index(log, e.Token); i >= 0 {
		t.Errorf("the trace log shows the token at byte %d: …%s…", i, log[max(0, i-200):min(len(log), i+len(e.Token)+50)])
	}
	if strings.Contains(log, "Bearer ") {
		t.Errorf("the trace log shows an Authorization header")
	}
}

// TestProviderSchemaSensitive: the token, user data and Slack webhook URLs
// are Sensitive, so Terraform never shows them in plans or state output.
func TestProviderSchemaSensitive(t *testing.T) {
	srv, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}
	tier := resp.ResourceSchemas["scalable_web_tier"]
	if tier == nil {
		t.Fatal("no scalable_web_tier schema")
	}
	var sensitive []string
	var walk func(prefix string, b *tfprotov6.SchemaBlock)
	walk = func(prefix string, b *tfprotov6.SchemaBlock) {
		for _, a := range b.Attributes {
			if a.Sensitive {
				sensitive = append(sensitive, prefix+a.Name)
			}
		}
		for _, nb := range b.BlockTypes {
			walk(prefix+nb.TypeName+".", nb.Block)
		}
	}
	walk("provider.", resp.Provider.Block)
	walk("scalable_web_tier.", tier.Block)
	for name, ds := range resp.DataSourceSchemas {
		walk(name+".", ds.Block)
	}
	slices.Sort(sensitive)
	want := []string{"provider.token", "scalable_web_tier.alert.slack.url", "scalable_web_tier.droplet.user_data"}
	if !slices.Equal(sensitive, want) {
		t.Errorf("sensitive attributes = %q, want %q", sensitive, want)
	}
}
