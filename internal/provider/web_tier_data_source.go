package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// NewWebTierDataSource returns the scalable_web_tier data source.
func NewWebTierDataSource() datasource.DataSource { return &webTierDataSource{} }

type webTierDataSource struct {
	data *providerData
}

type webTierDataModel struct {
	Name           types.String `tfsdk:"name"`
	ID             types.String `tfsdk:"id"`
	Region         types.String `tfsdk:"region"`
	VPCUUID        types.String `tfsdk:"vpc_uuid"`
	Tag            types.String `tfsdk:"tag"`
	Instances      types.Int64  `tfsdk:"instances"`
	Size           types.String `tfsdk:"size"`
	Image          types.String `tfsdk:"image"`
	LoadBalancerID types.String `tfsdk:"load_balancer_id"`
	LoadBalancerIP types.String `tfsdk:"load_balancer_ip"`
	Droplets       types.List   `tfsdk:"droplets"`
	AlertPolicyIDs types.List   `tfsdk:"alert_policy_ids"`
}

func (d *webTierDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_web_tier"
}

func (d *webTierDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an existing web tier by name: what its tag and load balancer show, whoever created it.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the tier.",
				Validators: []validator.String{stringvalidator.RegexMatches(tierNamePattern, "must be 1 to 40 characters of a-z, 0-9 and '-'")},
			},
			"id":               computed("The tier's name."),
			"region":           computed("Region slug."),
			"vpc_uuid":         computed("VPC of the load balancer."),
			"tag":              computed("The tier's tag, `scalable-tier:<name>`."),
			"instances":        schema.Int64Attribute{Computed: true, MarkdownDescription: "Droplets in service (tagged, new or active)."},
			"size":             computed("Size slug shared by the droplets in service (empty when they differ)."),
			"image":            computed("Image shared by the droplets in service (empty when they differ)."),
			"load_balancer_id": computed("ID of the load balancer."),
			"load_balancer_ip": computed("Public IP of the load balancer."),
			"droplets": schema.ListAttribute{Computed: true, ElementType: dropletObjectType,
				MarkdownDescription: "The tier's droplets, oldest first."},
			"alert_policy_ids": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "UUIDs of the tier's alert policies, in order."},
		},
	}
}

func (d *webTierDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		d.data = data
	}
}

func (d *webTierDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg webTierDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The scalable provider has no API client: its configuration is incomplete.")
		return
	}
	name := cfg.Name.ValueString()
	fleet, err := tier.Observe(ctx, d.data.client, tier.Ref{Name: name, Alerts: true})
	if err != nil {
		resp.Diagnostics.AddError("Unable to read web tier "+name, err.Error())
		return
	}
	if len(fleet.Droplets) == 0 && fleet.LoadBalancer == nil {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "No such web tier",
			fmt.Sprintf("No droplet carries the tag %s and no load balancer targets it.", tier.Tag(name)))
		return
	}
	m := webTierModel{Name: cfg.Name, Tags: types.SetNull(types.StringType), VPCUUID: types.StringNull()}
	m.observe(fleet, true)
	m.setComputed(fleet)
	out := webTierDataModel{
		Name: cfg.Name, ID: m.ID, Region: m.Region, VPCUUID: m.VPCUUID, Tag: m.Tag,
		Instances: m.Droplet.Instances, Size: stringOrEmpty(m.Droplet.Size), Image: stringOrEmpty(m.Droplet.Image),
		LoadBalancerID: m.LoadBalancerID, LoadBalancerIP: m.LoadBalancerIP,
		Droplets: m.Droplets, AlertPolicyIDs: m.AlertPolicyIDs,
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

func stringOrEmpty(v types.String) types.String {
	if v.IsNull() || v.IsUnknown() {
		return types.StringValue("")
	}
	return v
}
