// Package provider is the Terraform glue: provider configuration, the
// scalable_web_tier schema, models, CRUD and import. It converts between
// Terraform values and internal/tier, which does the work.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doclient"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ScalableProvider is the scalable provider.
type ScalableProvider struct {
	version string
}

var _ provider.Provider = (*ScalableProvider)(nil)

// New returns a constructor of the provider for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &ScalableProvider{version: version} }
}

// Environment variables the provider reads when an attribute is not set.
const (
	EnvToken       = "DIGITALOCEAN_TOKEN"
	EnvAccessToken = "DIGITALOCEAN_ACCESS_TOKEN"
	EnvAPIURL      = "DIGITALOCEAN_API_URL"
	EnvTimeScale   = "SCALABLE_TIME_SCALE"
	EnvPoll        = "SCALABLE_POLL_INTERVAL"
)

const defaultEndpoint = "https://api.digitalocean.com"

type providerModel struct {
	Token             types.String  `tfsdk:"token"`
	APIEndpoint       types.String  `tfsdk:"api_endpoint"`
	HTTPRetryMax      types.Int64   `tfsdk:"http_retry_max"`
	HTTPRetryWaitMin  types.Float64 `tfsdk:"http_retry_wait_min"`
	HTTPRetryWaitMax  types.Float64 `tfsdk:"http_retry_wait_max"`
	RequestsPerSecond types.Float64 `tfsdk:"requests_per_second"`
	PollInterval      types.String  `tfsdk:"poll_interval"`
	TimeScale         types.Float64 `tfsdk:"time_scale"`
}

// providerData is what resources and data sources receive.
type providerData struct {
	client    *doclient.Client
	poll      time.Duration
	timeScale float64
	// catalog serves the plan-time preflight: Terraform configures a
	// provider once per run, so every tier of one plan shares its reads.
	catalog *doclient.CatalogCache
}

// configuredData is what Configure gave a resource or data source; nil
// before the provider is configured.
func configuredData(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("got %T; this is a bug in the provider", v))
		return nil
	}
	return data
}

func (d *providerData) executor() *tier.Executor {
	return &tier.Executor{Cloud: d.client, Poll: d.poll, TimeScale: d.timeScale, Log: tflogLogger{}, Probe: d.client.ProbeHTTP,
		Expect:    tier.DigitalOceanProvisioning, // waits shaped by the typical times, scaled
		Catalog:   d.client.Catalog,              // fresh at apply: a reference may have gone since the plan
		Responses: responseReader(d.client)}
}

// tflogLogger forwards the executor's progress ("4/10 droplets active") to
// Terraform's log. Messages never carry user_data or the token.
type tflogLogger struct{}

func (tflogLogger) Info(ctx context.Context, msg string, fields map[string]any) {
	tflog.Info(ctx, msg, fields)
}

// Metadata names the provider.
func (p *ScalableProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "scalable"
	resp.Version = p.version
}

// Schema describes the provider configuration.
func (p *ScalableProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages horizontally scaled web tiers on DigitalOcean: droplets, a load balancer, " +
			"monitoring alerts and backups as one resource, changed without downtime.",
		Attributes: map[string]schema.Attribute{
			"token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "DigitalOcean API token. Defaults to the `" + EnvToken + "` environment variable, then `" +
					EnvAccessToken + "`. Required one way or the other.",
			},
			"api_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the DigitalOcean API. Defaults to `" + EnvAPIURL + "`, then `" + defaultEndpoint +
					"`. Point it at the sandbox (`terraform-provider-scalable sandbox`) to work offline.",
			},
			"http_retry_max": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "How many times a request failing with 429, 5xx or a network error is retried. Default `4`. Creates (droplets, the load balancer, alert policies, pools) are reconciled before every retry, so they are retried until the resource's create or update timeout instead.",
				Validators:          []validator.Int64{int64validator.Between(0, 20)},
			},
			"http_retry_wait_min": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: "Minimum wait between retries, in seconds. Default `1`.",
				Validators:          []validator.Float64{float64validator.Between(0.001, 600)},
			},
			"http_retry_wait_max": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: "Maximum wait between retries, in seconds. Default `30`.",
				Validators:          []validator.Float64{float64validator.Between(0.001, 3600)},
			},
			"requests_per_second": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "Client-side pace of API requests. Default `0`: no pacing beyond DigitalOcean's rate-limit " +
					"headers, which the provider always honours (it waits for `ratelimit-reset` instead of meeting a 429).",
				Validators: []validator.Float64{float64validator.Between(0, 1000)},
			},
			"poll_interval": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Time between status polls while waiting for droplets, load balancers and actions, " +
					"as a duration (`\"5s\"`). Defaults to `" + EnvPoll + "`, then 5 seconds times `time_scale`.",
				Validators: []validator.String{durationValidator{}},
			},
			"time_scale": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "Multiplies the provider's fixed waits (draining a droplet for one health-check interval, " +
					"the default poll interval). Leave it at `1` for DigitalOcean; set it to the sandbox's `--time-scale` " +
					"when testing against the sandbox. Defaults to `" + EnvTimeScale + "`, then `1`.",
				Validators: []validator.Float64{float64validator.Between(0.0001, 1)},
			},
		},
	}
}

// Configure builds the API client. A missing token is a configuration
// error here, at plan time.
func (p *ScalableProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Token.IsUnknown() || m.APIEndpoint.IsUnknown() {
		// Known only after another resource applies; Terraform will call
		// Configure again then.
		return
	}
	cfg, scale, ok := m.clientConfig(&resp.Diagnostics)
	if !ok {
		return
	}
	cfg.UserAgent = "terraform-provider-scalable/" + p.version
	// One client per token and settings in the process: every tier shares
	// its list calls, waits and rate budget.
	client, err := doclient.Shared(cfg)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create DigitalOcean client", err.Error())
		return
	}
	data := &providerData{client: client, poll: cfg.Poll, timeScale: scale, catalog: client.NewCatalogCache(time.Minute)}
	resp.ResourceData = data
	resp.DataSourceData = data
	tflog.Debug(ctx, "configured DigitalOcean client", map[string]any{"endpoint": cfg.Endpoint, "poll": cfg.Poll.String(), "time_scale": scale})
}

// clientConfig resolves each setting from its attribute, its environment
// variable or its default, and stops at the first bad one.
func (m providerModel) clientConfig(diags *diag.Diagnostics) (doclient.Config, float64, bool) {
	token, ok := m.token(diags)
	if !ok {
		return doclient.Config{}, 0, false
	}
	endpoint, ok := m.endpoint(diags)
	if !ok {
		return doclient.Config{}, 0, false
	}
	scale, ok := m.timeScale(diags)
	if !ok {
		return doclient.Config{}, 0, false
	}
	poll, ok := m.pollInterval(scale, diags)
	if !ok {
		return doclient.Config{}, 0, false
	}
	cfg := doclient.Config{
		Token:             token,
		Endpoint:          endpoint,
		RequestsPerSecond: m.RequestsPerSecond.ValueFloat64(),
		Poll:              poll,
		// DigitalOcean's per-minute window, scaled like the sandbox's.
		RateWindow: time.Duration(float64(time.Minute) * scale),
		Logf: func(ctx context.Context, msg string, fields map[string]any) {
			tflog.Debug(ctx, msg, fields)
		},
	}
	return cfg, scale, m.retries(&cfg, diags)
}

func (m providerModel) token(diags *diag.Diagnostics) (string, bool) {
	token := m.Token.ValueString()
	if token == "" {
		token = os.Getenv(EnvToken)
	}
	if token == "" {
		token = os.Getenv(EnvAccessToken)
	}
	if token == "" {
		diags.AddAttributeError(path.Root("token"), "Missing DigitalOcean API token",
			"The provider needs an API token: set the provider's `token` attribute, or the "+EnvToken+" (or "+
				EnvAccessToken+") environment variable. With the sandbox, use the token it prints.")
		return "", false
	}
	return token, true
}

func (m providerModel) endpoint(diags *diag.Diagnostics) (string, bool) {
	endpoint, endpointFrom := m.APIEndpoint.ValueString(), "api_endpoint"
	if endpoint == "" {
		endpoint, endpointFrom = os.Getenv(EnvAPIURL), "the "+EnvAPIURL+" environment variable"
	}
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		diags.AddAttributeError(path.Root("api_endpoint"), "Invalid API endpoint",
			fmt.Sprintf("%q (from %s) is not an http(s) URL such as %s or http://127.0.0.1:8080.", endpoint, endpointFrom, defaultEndpoint))
		return "", false
	}
	return endpoint, true
}

func (m providerModel) timeScale(diags *diag.Diagnostics) (float64, bool) {
	if !m.TimeScale.IsNull() {
		return m.TimeScale.ValueFloat64(), true
	}
	v := os.Getenv(EnvTimeScale)
	if v == "" {
		return 1, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 1 {
		diags.AddError("Invalid "+EnvTimeScale, fmt.Sprintf("%q is not a number in (0, 1].", v))
		return 0, false
	}
	return f, true
}

// pollInterval defaults to 5 seconds times the time scale.
func (m providerModel) pollInterval(scale float64, diags *diag.Diagnostics) (time.Duration, bool) {
	pollText, pollFrom := m.PollInterval.ValueString(), "poll_interval"
	if pollText == "" {
		pollText, pollFrom = os.Getenv(EnvPoll), "the "+EnvPoll+" environment variable"
	}
	if pollText == "" {
		return time.Duration(float64(5*time.Second) * scale), true
	}
	d, err := time.ParseDuration(pollText)
	if err != nil || d <= 0 {
		diags.AddAttributeError(path.Root("poll_interval"), "Invalid poll interval",
			fmt.Sprintf("%q (from %s) is not a positive duration such as \"5s\".", pollText, pollFrom))
		return 0, false
	}
	return d, true
}

// retries sets the retry count and waits: 4 retries, 1 to 30 seconds apart
// unless set.
func (m providerModel) retries(cfg *doclient.Config, diags *diag.Diagnostics) bool {
	cfg.RetryMax, cfg.RetryWaitMin, cfg.RetryWaitMax = 4, time.Second, 30*time.Second
	if !m.HTTPRetryMax.IsNull() {
		cfg.RetryMax = int(m.HTTPRetryMax.ValueInt64())
	}
	if !m.HTTPRetryWaitMin.IsNull() {
		cfg.RetryWaitMin = seconds(m.HTTPRetryWaitMin.ValueFloat64())
	}
	if !m.HTTPRetryWaitMax.IsNull() {
		cfg.RetryWaitMax = seconds(m.HTTPRetryWaitMax.ValueFloat64())
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		diags.AddAttributeError(path.Root("http_retry_wait_max"), "Invalid retry waits",
			fmt.Sprintf("http_retry_wait_max (%v s) is below http_retry_wait_min (%v s).", cfg.RetryWaitMax.Seconds(), cfg.RetryWaitMin.Seconds()))
		return false
	}
	return true
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// Resources lists the provider's resources.
func (p *ScalableProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewWebTierResource}
}

// DataSources lists the provider's data sources.
func (p *ScalableProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewWebTierDataSource}
}
