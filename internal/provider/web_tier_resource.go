package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

var (
	_ resource.Resource                     = (*webTierResource)(nil)
	_ resource.ResourceWithConfigure        = (*webTierResource)(nil)
	_ resource.ResourceWithImportState      = (*webTierResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*webTierResource)(nil)
	_ resource.ResourceWithConfigValidators = (*webTierResource)(nil)
)

// Default timeouts of the timeouts block.
const (
	defaultCreateTimeout = 30 * time.Minute
	defaultUpdateTimeout = 60 * time.Minute
	defaultDeleteTimeout = 20 * time.Minute
)

// nullTimeouts is an unset timeouts block (after import).
func nullTimeouts() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "update": types.StringType, "delete": types.StringType,
	})}
}

// privateFleetKey keeps the fleet observed by Read in private state, so
// ModifyPlan can plan the rollout without calling the API again.
const privateFleetKey = "fleet"

// NewWebTierResource returns the scalable_web_tier resource.
func NewWebTierResource() resource.Resource { return &webTierResource{} }

type webTierResource struct {
	data *providerData
}

func (r *webTierResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_web_tier"
}

func (r *webTierResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = webTierSchema(ctx)
}

func (r *webTierResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		r.data = data
	}
}

func (r *webTierResource) client(diags *diag.Diagnostics) bool {
	if r.data == nil {
		diags.AddError("Provider not configured", "The scalable provider has no API client: its configuration is incomplete (see earlier errors).")
		return false
	}
	return true
}

func (r *webTierResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan webTierModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !r.client(&resp.Diagnostics) {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	spec, d := plan.spec(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// Create observes first: objects left by an interrupted apply (found by
	// the tier's tag and the load balancer's name) are adopted, not doubled.
	fleet, _, err := r.data.executor().Apply(ctx, spec, plan.ref(ctx))
	if preflightError(&resp.Diagnostics, err) {
		return // refused before any write: nothing exists to record
	}
	state := plan
	state.setComputed(fleet)
	if err != nil {
		if len(fleet.Droplets) > 0 || fleet.LoadBalancer != nil || len(fleet.Alerts) > 0 {
			// Record what exists; Terraform marks the tier tainted.
			state.observe(fleet, false)
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		}
		resp.Diagnostics.AddError("Unable to create web tier "+spec.Name, applyErrorDetail(err, fleet, timeout, "create"))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(setPrivateFleet(ctx, resp.Private, fleet)...)
	resp.Diagnostics.Append(setPrivateTemplates(ctx, resp.Private, []tier.DropletSpec{spec.Droplet})...)
}

func (r *webTierResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state webTierModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.client(&resp.Diagnostics) {
		return
	}
	importing := state.Droplet == nil
	ref := state.ref(ctx)
	if importing {
		ref.Alerts, ref.Backups, ref.Pool, ref.Firewall = true, true, true, true
	}
	var ok bool
	if ref.Adopt, ok = r.readAdoption(ctx, req.Private, resp.Private, &resp.Diagnostics); !ok {
		return
	}
	fleet, err := tier.Observe(ctx, r.data.client, ref)
	if err != nil {
		resp.Diagnostics.AddError("Unable to read web tier "+ref.Name, err.Error())
		return
	}
	if len(fleet.Droplets) == 0 && fleet.LoadBalancer == nil && len(fleet.Alerts) == 0 {
		if importing {
			resp.Diagnostics.AddError("Cannot import web tier "+ref.Name,
				fmt.Sprintf("Nothing carries the tag %s and no load balancer targets it.%s To adopt a stack made outside Terraform, import by an id that names it, e.g. name=%s,load_balancer=<its id or name>; %s", tier.Tag(ref.Name), r.adoptHint(ctx, ref.Name), ref.Name, importIDForms))
			return
		}
		resp.State.RemoveResource(ctx) // deleted outside Terraform: plan a new one
		return
	}
	var found *tier.Discovered
	if importing {
		state.Timeouts = nullTimeouts()
		if found, fleet, err = r.discover(ctx, ref, fleet); err != nil {
			resp.Diagnostics.AddError("Unable to read web tier "+ref.Name, err.Error())
			return
		}
	}
	view := fleet.AdoptedView(ref.Name) // the state shows adopted objects as the tier's
	state.observe(view, importing)
	if importing {
		state.dropDefaultBlocks()
		resp.Diagnostics.Append(importNotes(&state, fleet)...)
	}
	if found != nil {
		state.observeDomain(view, found)
	}
	state.setComputed(view)
	if fleet.Adopting(ref.Name) {
		state.Tag = types.StringNull() // nothing carries it yet: the plan shows it coming
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(setPrivateFleet(ctx, resp.Private, fleet)...)
}

func (r *webTierResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior webTierModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() || !r.client(&resp.Diagnostics) {
		return
	}
	spec, d := plan.spec(ctx)
	resp.Diagnostics.Append(d...)
	timeout, d := plan.Timeouts.Update(ctx, r.defaultUpdateTimeout(ctx, req.Private, spec))
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ref := prior.ref(ctx)
	ref.Adopt = privateAdoption(ctx, req.Private)
	spec.Rollout.Previous = priorTemplates(ctx, &prior, req.Private)
	started := time.Now()
	fleet, applied, err := r.data.executor().Apply(ctx, spec, ref)
	if preflightError(&resp.Diagnostics, err) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &prior)...) // nothing was written
		return
	}
	state := plan
	if err != nil {
		// Partial work is state: record what exists, so the next plan shows
		// what is still to do (adopted droplets not tagged yet included).
		state.observe(fleet.AdoptedView(spec.Name), false)
		state.setComputed(fleet.AdoptedView(spec.Name))
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(setPrivateTemplates(ctx, resp.Private, mergeTemplates(spec.Rollout.Previous, []tier.DropletSpec{spec.Droplet}))...)
		resp.Diagnostics.AddError("Unable to update web tier "+spec.Name, applyErrorDetail(err, fleet, timeout, "update"))
		return
	}
	resp.Diagnostics.Append(setPrivateTemplates(ctx, resp.Private, mergeTemplates([]tier.DropletSpec{spec.Droplet}, spec.Rollout.Previous))...)
	state.setComputedKeepingPlanned(fleet, plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if ref.Adopt != nil && !fleet.Adopting(spec.Name) {
		fleet.Adopt = nil // adopted: from now on the tag is the inventory
		resp.Diagnostics.Append(setPrivateJSON(ctx, resp.Private, privateAdoptionKey, nil)...)
	}
	resp.Diagnostics.Append(appliedSummary(spec.Name, applied.Summary, time.Since(started))...)
	resp.Diagnostics.Append(setPrivateFleet(ctx, resp.Private, fleet)...)
}

func (r *webTierResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state webTierModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.client(&resp.Diagnostics) {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ref := state.ref(ctx)
	ref.Adopt = privateAdoption(ctx, req.Private) // imported, never applied: adopted objects go too
	if err := r.data.executor().Destroy(ctx, ref); err != nil {
		detail := err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			detail += fmt.Sprintf("\n\nThe delete timeout (%s) passed. What is left still carries the tag %s; run destroy again to finish.", timeout, tier.Tag(state.Name.ValueString()))
		}
		resp.Diagnostics.AddError("Unable to delete web tier "+state.Name.ValueString(), detail)
	}
}

// ImportState imports a tier by name: `terraform import scalable_web_tier.web hits`.
// An id of key=value pairs adopts a stack made outside Terraform
// (web_tier_import.go): `name=legacy,load_balancer=legacy-lb,droplets=tag:web`.
func (r *webTierResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ar, adopt, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import id", err.Error()+".")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), ar.Name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ar.Name)...)
	if adopt {
		resp.Diagnostics.Append(importAdopting(ctx, ar, resp.Private)...)
	}
}

// ModifyPlan shows what an apply will do to the fleet: it plans with the
// fleet Read observed (kept in private state), warns with a summary such as
// "3 droplets will be replaced in 3 waves of 1", and marks the computed
// attributes that will change as unknown. Drift that no attribute shows
// (droplets built from an older template) still produces an update.
func (r *webTierResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	creating := req.State.Raw.IsNull()
	fleet, d := privateFleet(ctx, req.Private)
	resp.Diagnostics.Append(d...)
	var plan webTierModel
	if d := req.Plan.Get(ctx, &plan); d.HasError() {
		if !req.Plan.Raw.IsFullyKnown() {
			// Blocks from dynamic blocks over unknown values: the fleet plan
			// waits for them, so what they could change is unknown (the
			// final plan may know more, never less).
			if !creating {
				resp.Diagnostics.Append(markUnknown(ctx, resp, fleet, true)...)
			}
			return
		}
		resp.Diagnostics.Append(d...)
		return
	}
	if plan.Droplet == nil || plan.LoadBalancer == nil {
		return
	}
	if creating {
		if r.data != nil {
			r.preflight(ctx, &plan, nil, &resp.Diagnostics)
		}
		return
	}
	if fleet == nil {
		return // no fleet kept (state from an older provider): the apply observes anyway
	}
	r.modifyUpdatePlan(ctx, req, resp, &plan, fleet)
}

// modifyUpdatePlan checks an update's references and shows what it will do
// to the fleet. A plan that changes nothing reads no catalog.
func (r *webTierResource) modifyUpdatePlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, plan *webTierModel, fleet *tier.Fleet) {
	if hasUnknown(*plan) {
		if r.data != nil && !r.preflight(ctx, plan, fleet, &resp.Diagnostics) {
			return
		}
		var state webTierModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		byIndex, extra := tier.TierAlerts(plan.Name.ValueString(), fleet.Alerts)
		alertsMayChange := len(plan.Alerts) != len(state.Alerts) || len(byIndex) != len(plan.Alerts) || len(extra) > 0
		resp.Diagnostics.Append(markUnknown(ctx, resp, fleet, alertsMayChange)...)
		return
	}
	spec, d := plan.spec(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	p := tier.ComputePlan(spec, *fleet)
	if p.Empty() {
		return
	}
	if r.data != nil && !r.preflight(ctx, plan, fleet, &resp.Diagnostics) {
		return
	}
	scale := 1.0
	if r.data != nil {
		scale = r.data.timeScale
	}
	var progress string
	if p.Summary.Waves > 0 && spec.Autoscale == nil {
		p.Summary.Estimate = "about " + rolloutEstimate(spec, p.Summary, scale).String()
		progress = rolloutEstimateDetail(ctx, plan, spec, p.Summary, scale)
		resp.Diagnostics.Append(timeoutWarning(ctx, plan, spec, p.Summary, scale)...)
	}
	resp.Diagnostics.Append(planFleetChange(plan, spec, *fleet, p, progress)...)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

// privateFleet is the fleet Read kept in private state; nil when none was
// kept or it cannot be read.
func privateFleet(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}) (*tier.Fleet, diag.Diagnostics) {
	raw, diags := private.GetKey(ctx, privateFleetKey)
	if len(raw) == 0 {
		return nil, diags
	}
	var f tier.Fleet
	if json.Unmarshal(raw, &f) != nil {
		return nil, diags
	}
	return &f, diags
}

// planFleetChange warns what the apply will do to the fleet and marks the
// computed attributes it will change as unknown.
func planFleetChange(plan *webTierModel, spec tier.Spec, fleet tier.Fleet, p tier.Plan, progress string) diag.Diagnostics {
	var diags diag.Diagnostics
	s := p.Summary
	diags.Append(adoptionNotes(plan, spec, fleet, p)...)
	diags.Append(replacementNotes(spec, fleet, p)...)
	if s.Create+s.Replace+s.Remove+s.Repair > 0 {
		diags.AddWarning("scalable_web_tier "+spec.Name+": "+s.String(), planWarningDetail(spec, s)+progress)
	}
	if s.DropletsChange() {
		if spec.Autoscale != nil {
			plan.Droplets = types.ListUnknown(dropletObjectType) // the pool decides how many
		} else {
			plan.Droplets = plannedDroplets(fleet, p, spec.Droplet)
		}
	}
	if s.LoadBalancer == "created" {
		plan.LoadBalancerID = types.StringUnknown()
		plan.LoadBalancerIP = types.StringUnknown()
	}
	if s.ExtraLoadBalancers > 0 {
		// No attribute lists them: without a change Terraform would not call
		// Update. The tier's load balancer keeps its id and IP.
		diags.AddWarning("scalable_web_tier "+spec.Name+": "+extraLoadBalancersSummary(fleet), extraLoadBalancersDetail(spec, fleet))
		plan.LoadBalancerID = types.StringUnknown()
	}
	if s.AlertsCreate+s.AlertsDelete > 0 {
		plan.AlertPolicyIDs = types.ListUnknown(types.StringType)
	}
	if s.Firewall != "" {
		// A firewall made, put back or removed: no attribute of the block
		// shows it, the id does (and makes Terraform call Update).
		plan.FirewallID = types.StringUnknown()
		if s.Firewall == "deleted" {
			plan.FirewallID = types.StringNull()
		}
	}
	planDomainChange(plan, s)
	return diags
}

// plannedDroplets is the droplets list after the apply: droplets that stay
// (and are active) are known, every new one is unknown, so the plan shows
// exactly which droplets change.
func plannedDroplets(fleet tier.Fleet, p tier.Plan, template tier.DropletSpec) types.List {
	instances := template.Instances
	byID := map[int]tier.Droplet{}
	for _, d := range fleet.Droplets {
		byID[d.ID] = d
	}
	elems := make([]attr.Value, 0, instances)
	for _, id := range p.Keep {
		d, ok := byID[id]
		if ok && d.Status == tier.StatusActive {
			d.Size = template.Size // resized in place, or already of that size
			elems = append(elems, dropletObject(d))
		} else {
			elems = append(elems, types.ObjectUnknown(dropletObjectType.AttrTypes))
		}
	}
	for len(elems) < instances {
		elems = append(elems, types.ObjectUnknown(dropletObjectType.AttrTypes))
	}
	return types.ListValueMust(dropletObjectType, elems)
}

// markUnknown marks what a plan with values not known yet may change: the
// droplets always, the alert policy ids when alerts may be added or
// removed, the load balancer only when none exists.
func markUnknown(ctx context.Context, resp *resource.ModifyPlanResponse, fleet *tier.Fleet, alerts bool) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.Append(resp.Plan.SetAttribute(ctx, path.Root("droplets"), types.ListUnknown(dropletObjectType))...)
	if alerts {
		diags.Append(resp.Plan.SetAttribute(ctx, path.Root("alert_policy_ids"), types.ListUnknown(types.StringType))...)
	}
	if fleet == nil || fleet.LoadBalancer == nil {
		diags.Append(resp.Plan.SetAttribute(ctx, path.Root("load_balancer_id"), types.StringUnknown())...)
		diags.Append(resp.Plan.SetAttribute(ctx, path.Root("load_balancer_ip"), types.StringUnknown())...)
	}
	var domain types.Object
	if !resp.Plan.GetAttribute(ctx, path.Root("domain"), &domain).HasError() && !domain.IsNull() {
		diags.Append(resp.Plan.SetAttribute(ctx, path.Root("dns_record_ids"), types.ListUnknown(types.Int64Type))...)
		diags.Append(resp.Plan.SetAttribute(ctx, path.Root("certificate_id"), types.StringUnknown())...)
	}
	return diags
}

func extraLoadBalancersSummary(f tier.Fleet) string {
	return tier.Summary{ExtraLoadBalancers: len(f.ExtraLoadBalancers)}.String()
}

func extraLoadBalancersDetail(spec tier.Spec, f tier.Fleet) string {
	var names []string
	for _, lb := range f.ExtraLoadBalancers {
		names = append(names, fmt.Sprintf("%s (%s)", lb.Name, lb.ID))
	}
	keep := "none yet"
	if f.LoadBalancer != nil {
		keep = fmt.Sprintf("%s (%s)", f.LoadBalancer.Name, f.LoadBalancer.ID)
	}
	return fmt.Sprintf("Besides the tier's load balancer, %s, these target the tag %s: %s. The tag is the tier's inventory, so they are drift (left by an interrupted create, or made by hand) and the apply deletes them; the tier's load balancer, its id and its IP stay. Point a load balancer you want to keep at another tag or at droplet ids.",
		keep, tier.Tag(spec.Name), strings.Join(names, ", "))
}

func planWarningDetail(spec tier.Spec, s tier.Summary) string {
	msg := "This is what the apply will do to the fleet."
	if s.Replace > 0 && spec.Autoscale != nil {
		msg += fmt.Sprintf(" The droplets move to a new autoscale pool built from the new template, which grows in waves of up to %d while the old droplets leave: each wave waits until its new members are healthy (%s, at most %s), then drains and deletes old ones. The pool holds a fixed size during the rollout and takes the autoscale settings once no old droplet serves.",
			max(s.WaveSize, 1), spec.Rollout.Health, spec.Rollout.HealthTimeout)
	} else if s.Resize > 0 {
		msg += fmt.Sprintf(" Droplets are resized in place (same ids and IPs), %d at a time: each wave is drained from the load balancer, powered off, resized to %s%s, powered on and waited for until healthy (%s, at most %s).",
			max(s.WaveSize, 1), spec.Droplet.Size, map[bool]string{true: " with its disk", false: ""}[spec.Rollout.ResizeDisk], spec.Rollout.Health, spec.Rollout.HealthTimeout)
	} else if s.Replace > 0 {
		_, unavailable := spec.Rollout.Budgets(spec.Droplet.Instances)
		msg += fmt.Sprintf(" Droplets are replaced in waves: each wave creates up to %d new droplet(s), waits until they are healthy (%s, at most %s), then drains and deletes old ones; at least %d droplet(s) keep serving throughout.",
			max(s.WaveSize, 1), spec.Rollout.Health, spec.Rollout.HealthTimeout, max(spec.Droplet.Instances-unavailable, 0))
	}
	if s.Repair > 0 {
		msg += " Droplets that are off or were left half-removed by an interrupted apply are deleted and replaced."
	}
	if s.Remove > 0 {
		msg += fmt.Sprintf(" Removed droplets leave the load balancer first (%s).", spec.Rollout.ScaleInPolicy)
	}
	return msg
}

// hasUnknown reports plan values the fleet plan depends on that are not
// known yet.
func hasUnknown(m webTierModel) bool {
	d := m.Droplet
	if d.Instances.IsUnknown() || d.Size.IsUnknown() || d.Image.IsUnknown() || d.UserData.IsUnknown() || d.SSHKeys.IsUnknown() || m.Tags.IsUnknown() || m.ProjectID.IsUnknown() {
		return true
	}
	if dom := m.Domain; dom != nil && (dom.Name.IsUnknown() || dom.Record.IsUnknown() || dom.TTL.IsUnknown() || dom.Certificate.IsUnknown()) {
		return true
	}
	for _, r := range m.LoadBalancer.ForwardingRules {
		if r.EntryPort.IsUnknown() || r.TargetPort.IsUnknown() || r.CertificateName.IsUnknown() {
			return true
		}
	}
	return false
}

func setPrivateFleet(ctx context.Context, p interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}, fleet tier.Fleet) diag.Diagnostics {
	b, err := json.Marshal(fleet)
	if err != nil {
		var d diag.Diagnostics
		d.AddWarning("Could not keep the observed fleet", err.Error())
		return d
	}
	return p.SetKey(ctx, privateFleetKey, b)
}

// applyErrorDetail explains a failed apply and what the state now holds.
func applyErrorDetail(err error, fleet tier.Fleet, timeout time.Duration, op string) string {
	detail := err.Error()
	var rollout *tier.RolloutError
	var rollback *tier.RollbackError
	switch {
	case errors.As(err, &rollback) && rollback.Err == nil && !rollback.Missing:
		detail += "\n\nThe configuration still asks for the new template: fix the cause (the image, user_data or health check) and apply again to retry the rollout, or put the previous template back in the configuration."
	case errors.As(err, &rollback):
		detail += "\n\nFix the cause and apply again: the rollout resumes from what exists."
	case errors.As(err, &rollout):
		detail += "\n\nFix the cause (the image, user_data or health check) and apply again: the rollout resumes from here."
	case errors.Is(err, context.DeadlineExceeded):
		detail += fmt.Sprintf("\n\nThe %s timeout (%s) passed before the tier was ready. Raise it in the timeouts block if the work is just slow.", op, timeout)
	}
	detail += fmt.Sprintf("\n\nThe state records what exists now (%d droplets%s); the next apply continues from there.",
		len(fleet.Droplets), map[bool]string{true: ", the load balancer", false: ""}[fleet.LoadBalancer != nil])
	if op == "create" {
		detail += " Terraform marks a tier whose create failed as tainted, so the next apply replaces it; run `terraform untaint` first to keep what was made and repair it in place instead."
	}
	return detail
}
