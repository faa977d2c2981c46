package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// siblingDefault plans a default that depends on a sibling attribute:
// known sibling, default known; unknown sibling, value unknown.
func siblingDefault(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse, sibling string, pick func(string) types.String) {
	if !req.ConfigValue.IsNull() {
		return
	}
	var v types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, req.Path.ParentPath().AtName(sibling), &v)...)
	if resp.Diagnostics.HasError() || v.IsUnknown() {
		return
	}
	resp.PlanValue = pick(v.ValueString())
}

// healthCheckPathDefault plans "/" for http and https checks, null for tcp.
type healthCheckPathDefault struct{}

func (healthCheckPathDefault) Description(context.Context) string {
	return `defaults to "/" for http and https health checks`
}

func (m healthCheckPathDefault) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (healthCheckPathDefault) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	siblingDefault(ctx, req, resp, "protocol", func(protocol string) types.String {
		if protocol == "tcp" {
			return types.StringNull()
		}
		return types.StringValue(doapi.LBDefaultHealthCheckPath)
	})
}

// backupWeekdayDefault plans SUN for weekly backups, null for daily.
type backupWeekdayDefault struct{}

func (backupWeekdayDefault) Description(context.Context) string {
	return "defaults to SUN for weekly backups"
}

func (m backupWeekdayDefault) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (backupWeekdayDefault) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	siblingDefault(ctx, req, resp, "plan", func(plan string) types.String {
		if plan == "weekly" {
			return types.StringValue("SUN")
		}
		return types.StringNull()
	})
}

// sameDurationKeepsState plans the state's duration when the configuration
// says the same in other words ("10m" for "600s"), so rewriting it plans
// no change. Terraform accepts a planned value equal to the prior one.
type sameDurationKeepsState struct{}

func (sameDurationKeepsState) Description(context.Context) string {
	return "keeps the state's value when the configured duration is the same"
}

func (m sameDurationKeepsState) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (sameDurationKeepsState) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	prior, configured := durationValue{timetypes.GoDuration{StringValue: req.StateValue}}, durationValue{timetypes.GoDuration{StringValue: req.ConfigValue}}
	same, d := prior.StringSemanticEquals(ctx, configured)
	resp.Diagnostics.Append(d...)
	if same {
		resp.PlanValue = req.StateValue
	}
}
