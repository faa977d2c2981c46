package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// Preflight at plan time (tier.Preflight): a plan whose known values name
// something the account does not have fails here, before anything is
// built. Values unknown at plan are checked again before the first write
// of the apply (Executor.Catalog). A certificate that another resource of
// the same apply may create only warns at plan.

// preflight checks the plan's references; false when it found errors.
func (r *webTierResource) preflight(ctx context.Context, plan *webTierModel, fleet *tier.Fleet, diags *diag.Diagnostics) bool {
	spec, d := plan.spec(ctx)
	if d.HasError() {
		return true // the config validators say what is wrong
	}
	unknown := unknownPaths(plan)
	have := tier.Fleet{}
	if fleet != nil {
		have = *fleet
	}
	cat, err := r.data.catalog.Catalog(ctx, tier.CatalogNeedsFor(spec, unknown...))
	if err != nil {
		diags.AddWarning("Could not check the tier's references",
			"Reading DigitalOcean's catalog failed, so sizes, images, keys and certificates are checked before the apply writes anything instead: "+err.Error())
		return true
	}
	addProblems(diags, tier.Preflight(spec, cat, have, unknown...), true)
	return !diags.HasError()
}

// addProblems turns preflight problems into attribute diagnostics;
// atPlan, provisional ones are warnings.
func addProblems(diags *diag.Diagnostics, problems []tier.Problem, atPlan bool) {
	for _, p := range problems {
		at := attributePath(p.Path)
		if atPlan && p.Provisional() {
			diags.AddAttributeWarning(at, p.Summary(), p.Detail()+" It is checked again before the apply builds anything.")
			continue
		}
		diags.AddAttributeError(at, p.Summary(), p.Detail())
	}
}

// preflightError reports an apply refused by the preflight; false when err
// is something else.
func preflightError(diags *diag.Diagnostics, err error) bool {
	var pe *tier.PreflightError
	if !errors.As(err, &pe) {
		return false
	}
	addProblems(diags, pe.Problems, false)
	return true
}

// attributePath maps a tier path onto Terraform's.
func attributePath(p tier.Path) path.Path {
	if len(p) == 0 {
		return path.Empty()
	}
	out := path.Root(p[0].Name)
	for _, s := range p[1:] {
		if s.Name == "" {
			out = out.AtListIndex(s.Index)
		} else {
			out = out.AtName(s.Name)
		}
	}
	return out
}

// unknownPaths are the checked attributes whose values are not known at
// plan (computed by another resource): the preflight skips them.
func unknownPaths(m *webTierModel) []tier.Path {
	var out []tier.Path
	add := func(v interface{ IsUnknown() bool }, names ...string) {
		if v.IsUnknown() {
			out = append(out, tier.AttrPath(names...))
		}
	}
	add(m.Region, "region")
	add(m.VPCUUID, "vpc_uuid")
	if d := m.Droplet; d != nil {
		add(d.Size, "droplet", "size")
		add(d.Image, "droplet", "image")
		add(d.Instances, "droplet", "instances")
		out = append(out, listUnknowns(d.SSHKeys, "droplet", "ssh_keys")...)
	}
	if lb := m.LoadBalancer; lb != nil {
		for i, rule := range lb.ForwardingRules {
			if rule.CertificateName.IsUnknown() {
				out = append(out, tier.AttrPath("load_balancer", "forwarding_rule").AtIndex(i).AtName("certificate_name"))
			}
		}
	}
	if a := m.Autoscale; a != nil {
		add(a.MinInstances, "autoscale", "min_instances")
		add(a.MaxInstances, "autoscale", "max_instances")
	}
	if ro := m.Rollout; ro != nil {
		add(ro.MaxSurge, "rollout", "max_surge")
		add(ro.MaxUnavailable, "rollout", "max_unavailable")
	}
	if d := m.Domain; d != nil {
		add(d.Name, "domain", "name")
	}
	add(m.ProjectID, "project_id")
	if fw := m.Firewall; fw != nil {
		out = append(out, listUnknowns(fw.SSHSources, "firewall", "ssh_sources")...)
		for i, r := range fw.Inbound {
			out = append(out, listUnknownsAt(r.Sources, tier.AttrPath("firewall", "inbound").AtIndex(i).AtName("sources"))...)
		}
		for i, r := range fw.Outbound {
			out = append(out, listUnknownsAt(r.Destinations, tier.AttrPath("firewall", "outbound").AtIndex(i).AtName("destinations"))...)
		}
	}
	return out
}

// listUnknowns is the whole list's path when it is unknown, else the
// paths of its unknown elements.
func listUnknowns(l types.List, names ...string) []tier.Path {
	return listUnknownsAt(l, tier.AttrPath(names...))
}

// listUnknownsAt is listUnknowns for a list at p.
func listUnknownsAt(l types.List, p tier.Path) []tier.Path {
	if l.IsUnknown() {
		return []tier.Path{p}
	}
	var out []tier.Path
	for i, e := range l.Elements() {
		if e.IsUnknown() {
			out = append(out, p.AtIndex(i))
		}
	}
	return out
}
