// Package provider is the Terraform glue: provider configuration, the
// scalable_web_tier schema, models, CRUD and import.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
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

// Metadata names the provider.
func (p *ScalableProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "scalable"
	resp.Version = p.version
}

// Schema describes the provider configuration.
func (p *ScalableProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages horizontally scaled web tiers on DigitalOcean.",
	}
}

// Configure prepares the API client.
func (p *ScalableProvider) Configure(_ context.Context, _ provider.ConfigureRequest, _ *provider.ConfigureResponse) {
}

// Resources lists the provider's resources.
func (p *ScalableProvider) Resources(_ context.Context) []func() resource.Resource { return nil }

// DataSources lists the provider's data sources.
func (p *ScalableProvider) DataSources(_ context.Context) []func() datasource.DataSource { return nil }
