package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// Private state keys of an adoption: the import id's request (until Read
// has looked it up) and what it found (until the first apply has adopted
// it).
const (
	privateAdoptRequestKey = "adopt_request"
	privateAdoptionKey     = "adoption"
)

// lbNamePattern is a load balancer name as DigitalOcean allows it:
// letters, digits, dashes and periods.
var lbNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$`)

// importIDForms is the import id's grammar, for error messages and docs.
const importIDForms = "an import id is either the tier's name (`hits`) or comma-separated key=value pairs naming what to adopt: " +
	"`name=<tier name>` (required), `load_balancer=<id or name>`, `droplets=tag:<tag>` or `droplets=<id>|<id>|…` " +
	"(ids may also follow as `droplets=<id>,<id>,…`; without droplets, the load balancer's targets), " +
	"`alert_policies=<uuid>|<uuid>|…`, `user_data=matches` (the default) or `user_data=differs` " +
	"(the droplets were not built with the configuration's user_data or ssh_keys: the first apply replaces them). " +
	"Values never contain `,`, `=` or `|`, so those separate them."

// importIDError is a bad import id: the key, the value and what is allowed.
type importIDError struct{ key, value, allowed string }

func (e *importIDError) Error() string {
	if e.key == "" {
		return fmt.Sprintf("%q: %s", e.value, e.allowed)
	}
	return fmt.Sprintf("%s=%q: %s", e.key, e.value, e.allowed)
}

// parseImportID reads an import id. A bare tier name gives a request with
// only the name and adopt false (the tier's own objects, found by its tag).
func parseImportID(id string) (req tier.AdoptRequest, adopt bool, err error) {
	if !strings.Contains(id, "=") {
		if !tierNamePattern.MatchString(id) {
			return req, false, &importIDError{"", id, "not a tier name (1 to 40 characters of a-z, 0-9 and '-'); " + importIDForms}
		}
		return tier.AdoptRequest{Name: id}, false, nil
	}
	seen := map[string]bool{}
	last := ""
	for _, part := range strings.Split(id, ",") {
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			// A bare value continues the list before it: droplets=1,2,3.
			if last != "droplets" || req.DropletTag != "" {
				return req, true, &importIDError{"", part, "not a key=value pair; only droplet ids may follow droplets= bare"}
			}
			key, value = "droplets", part
		} else {
			key = strings.TrimSpace(key)
			if seen[key] {
				return req, true, &importIDError{key, value, "the key is given twice"}
			}
			seen[key] = true
		}
		last = key
		if err := setImportKey(&req, key, strings.TrimSpace(value)); err != nil {
			return req, true, err
		}
	}
	if req.Name == "" {
		return req, true, &importIDError{"name", "", "the tier's name is required (name=<1 to 40 characters of a-z, 0-9 and '-'>)"}
	}
	if req.LoadBalancer == "" && req.DropletTag == "" && len(req.DropletIDs) == 0 {
		return req, true, &importIDError{"load_balancer", "", "name a load balancer or droplets to adopt (load_balancer=<id or name>, droplets=tag:<tag> or droplets=<id>|<id>)"}
	}
	return req, true, nil
}

func setImportKey(r *tier.AdoptRequest, key, value string) error {
	switch key {
	case "name":
		if !tierNamePattern.MatchString(value) {
			return &importIDError{key, value, "a tier name is 1 to 40 characters of a-z, 0-9 and '-', starting with a letter or digit"}
		}
		r.Name = value
	case "load_balancer":
		if !uuidPattern.MatchString(value) && !lbNamePattern.MatchString(value) {
			return &importIDError{key, value, "a load balancer's id (a UUID) or its name (letters, digits, '-' and '.')"}
		}
		r.LoadBalancer = value
	case "droplets":
		return setImportDroplets(r, value)
	case "alert_policies":
		for _, v := range strings.Split(value, "|") {
			if !uuidPattern.MatchString(v) {
				return &importIDError{key, v, "alert policy ids are UUIDs, separated by '|'"}
			}
			if !slices.Contains(r.AlertIDs, v) {
				r.AlertIDs = append(r.AlertIDs, v)
			}
		}
	case "user_data":
		switch value {
		case "matches":
		case "differs":
			r.ReplaceDroplets = true
		default:
			return &importIDError{key, value, `one of "matches" (the droplets were built with the configuration's user_data and ssh_keys; the default) or "differs" (the first apply replaces them)`}
		}
	default:
		return &importIDError{key, value, "unknown key; the keys are name, load_balancer, droplets, alert_policies and user_data"}
	}
	return nil
}

func setImportDroplets(r *tier.AdoptRequest, value string) error {
	if tag, ok := strings.CutPrefix(value, "tag:"); ok {
		if len(r.DropletIDs) > 0 || !tagPattern.MatchString(tag) {
			return &importIDError{"droplets", value, "tag:<tag> (1 to 255 letters, digits, ':', '-' and '_') or droplet ids, not both"}
		}
		r.DropletTag = tag
		return nil
	}
	for _, v := range strings.Split(value, "|") {
		id, err := strconv.Atoi(v)
		if err != nil || id <= 0 {
			return &importIDError{"droplets", v, "tag:<tag>, or droplet ids (positive integers) separated by '|' or ','"}
		}
		if !slices.Contains(r.DropletIDs, id) {
			r.DropletIDs = append(r.DropletIDs, id)
		}
	}
	return nil
}

type privateGetter interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}

// privateAdoption is the adoption kept in private state; nil when none.
func privateAdoption(ctx context.Context, p privateGetter) *tier.Adoption {
	raw, _ := p.GetKey(ctx, privateAdoptionKey)
	if len(raw) == 0 {
		return nil
	}
	var a tier.Adoption
	if json.Unmarshal(raw, &a) != nil {
		return nil
	}
	return &a
}

func setPrivateJSON(ctx context.Context, p privateSetter, key string, v any) diag.Diagnostics {
	if v == nil {
		return p.SetKey(ctx, key, nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		var d diag.Diagnostics
		d.AddError("Could not keep the adoption", err.Error())
		return d
	}
	return p.SetKey(ctx, key, b)
}

// readAdoption is the adoption Read observes with: the one kept, or, right
// after an import by an adopting id, the import's request looked up in the
// cloud (once: what it found is kept instead). False after an error.
func (r *webTierResource) readAdoption(ctx context.Context, req privateGetter, resp privateSetter, diags *diag.Diagnostics) (*tier.Adoption, bool) {
	if a := privateAdoption(ctx, req); a != nil {
		return a, true
	}
	raw, _ := req.GetKey(ctx, privateAdoptRequestKey)
	if len(raw) == 0 {
		return nil, true
	}
	var ar tier.AdoptRequest
	if err := json.Unmarshal(raw, &ar); err != nil {
		diags.AddError("Cannot import web tier", "The import's request in private state is unreadable: "+err.Error())
		return nil, false
	}
	a, err := tier.ResolveAdoption(ctx, r.data.client, ar)
	if err != nil {
		var ae *tier.AdoptionError
		if errors.As(err, &ae) {
			diags.AddError("Cannot adopt into web tier "+ar.Name, fmt.Sprintf("Import id %s=%s: %s. Nothing was changed.", ae.Key, ae.Value, ae.Problem))
		} else {
			diags.AddError("Cannot adopt into web tier "+ar.Name, err.Error())
		}
		return nil, false
	}
	diags.Append(resp.SetKey(ctx, privateAdoptRequestKey, nil)...)
	diags.Append(setPrivateJSON(ctx, resp, privateAdoptionKey, a)...)
	return a, true
}

// importAdopting records an import by an adopting id: the state gets the
// name, private state the request, which Read looks up. Nothing is written
// to the cloud.
func importAdopting(ctx context.Context, req tier.AdoptRequest, p privateSetter) diag.Diagnostics {
	return setPrivateJSON(ctx, p, privateAdoptRequestKey, req)
}

// adoptionNotes tells, at plan time, what the first apply after an import
// does to the adopted objects, and marks the tag as becoming the tier's.
func adoptionNotes(plan *webTierModel, spec tier.Spec, fleet tier.Fleet, p tier.Plan) diag.Diagnostics {
	var diags diag.Diagnostics
	if !fleet.Adopting(spec.Name) {
		return diags
	}
	if spec.Autoscale != nil {
		diags.AddAttributeError(path.Root("autoscale"), "Cannot adopt into an autoscale pool",
			"The import adopted droplets made outside Terraform; a pool would not take them in. Adopt them as fixed droplets first (droplet.instances, no autoscale block), apply, then add the autoscale block: the tier switches to a pool without downtime.")
		return diags
	}
	plan.Tag = types.StringValue(tier.Tag(spec.Name))
	s := p.Summary
	var parts []string
	if s.Adopted > 0 {
		current := s.Adopted - s.Replace
		if current < 0 {
			current = 0
		}
		parts = append(parts, fmt.Sprintf("tags %d adopted droplet(s) with %s (%d of them also with the configuration's revision tag, as their image, size and region match it; user_data and ssh_keys are taken as matching unless the import id said user_data=differs)", s.Adopted, tier.Tag(spec.Name), current))
	}
	if lb := fleet.LoadBalancer; lb != nil && lb.Tag != tier.Tag(spec.Name) {
		target := "droplet ids"
		if lb.Tag != "" {
			target = "the tag " + lb.Tag
		}
		rename := ""
		if lb.Name != tier.LoadBalancerName(spec.Name) {
			rename = " and renames it " + tier.LoadBalancerName(spec.Name)
		}
		parts = append(parts, fmt.Sprintf("then, in one update, points load balancer %s (%s, now targeting %s) at %s%s; its id and IP stay, and it never has fewer targets than before", lb.Name, lb.ID, target, tier.Tag(spec.Name), rename))
	}
	if n := len(fleet.AdoptedAlerts); n > 0 {
		parts = append(parts, fmt.Sprintf("updates %d of the %d adopted alert policies in place into the tier's alerts of the same metric (they keep their ids); the others, which no alert block matches, are deleted", s.AlertsAdopted, n))
	}
	if len(parts) > 0 {
		diags.AddWarning("scalable_web_tier "+spec.Name+": adopting what the import found", "The first apply "+strings.Join(parts, "; ")+". Tags the droplets lose are removed only after the load balancer targets the tier's tag.")
	}
	return diags
}

// replacementNotes warns once per reason why droplets are replaced.
func replacementNotes(spec tier.Spec, fleet tier.Fleet, p tier.Plan) diag.Diagnostics {
	var diags diag.Diagnostics
	if p.Summary.Replace == 0 {
		return diags
	}
	for _, reason := range tier.ReplacementReasons(spec, fleet) {
		diags.AddWarning("scalable_web_tier "+spec.Name+": droplets replaced: "+reason, "Droplets are rebuilt when their template changes; "+reason+".")
	}
	return diags
}

// dropDefaultBlocks leaves out of an imported state the optional blocks
// whose observed values are DigitalOcean's defaults (a health check of
// GET / on port 80, no sticky sessions): a configuration that leaves them
// out, the usual one, then plans nothing, and -generate-config-out writes
// none of them.
func (m *webTierModel) dropDefaultBlocks() {
	lb := m.LoadBalancer
	if lb == nil {
		return
	}
	if lb.HealthCheck != nil && healthCheckSpec(lb.HealthCheck) == healthCheckSpec(nil) {
		lb.HealthCheck = nil
	}
	if ss := lb.StickySessions; ss != nil && (ss.Type.IsNull() || ss.Type.ValueString() == "none") {
		lb.StickySessions = nil
	}
}

// importNotes tells what an import found and what the configuration must
// say that DigitalOcean cannot report: user_data and ssh_keys, and the
// template when the droplets do not share one.
func importNotes(m *webTierModel, fleet tier.Fleet) diag.Diagnostics {
	var diags diag.Diagnostics
	name := m.Name.ValueString()
	if a := fleet.Adopt; a != nil {
		lb := "no load balancer (the first apply creates one)"
		if l := fleet.LoadBalancer; l != nil {
			lb = fmt.Sprintf("load balancer %s (%s)", l.Name, l.ID)
		}
		replace := "taken as built with the configuration's user_data and ssh_keys (import with user_data=differs to have the first apply replace them in waves instead)"
		if a.ReplaceDroplets {
			replace = "to be replaced in waves by the first apply (user_data=differs)"
		}
		diags.AddWarning("scalable_web_tier "+name+": adopting a stack made outside Terraform",
			fmt.Sprintf("The import found %d droplet(s) %v, %s and %d alert polic%s. It changed nothing; `terraform plan` shows what the first apply will do (tag the droplets, then point the load balancer at %s). The droplets are %s.",
				len(a.DropletIDs), a.DropletIDs, lb, len(a.AlertIDs), map[bool]string{true: "y", false: "ies"}[len(a.AlertIDs) == 1], tier.Tag(name), replace))
	}
	var serving []tier.Droplet
	for _, d := range fleet.AdoptedView(name).Droplets {
		if d.InService(name) && fleet.Pool == nil {
			serving = append(serving, d)
		}
	}
	for _, f := range []struct {
		attr string
		of   func(tier.Droplet) string
	}{{"image", func(d tier.Droplet) string { return d.Image }}, {"size", func(d tier.Droplet) string { return d.Size }}} {
		if _, ok := uniform(serving, f.of); !ok && len(serving) > 0 {
			seen := map[string]int{}
			for _, d := range serving {
				seen[f.of(d)]++
			}
			var counts []string
			for _, v := range slices.Sorted(maps.Keys(seen)) {
				counts = append(counts, fmt.Sprintf("%d on %s", seen[v], v))
			}
			diags.AddWarning("scalable_web_tier "+name+": droplet."+f.attr+" left empty",
				fmt.Sprintf("The droplets do not share one %s (%s): set droplet.%s to the one the tier should run; the plan then says which droplets are replaced.", f.attr, strings.Join(counts, ", "), f.attr))
		}
	}
	if fleet.Adopt == nil && m.Droplet != nil && len(serving) > 0 {
		// The revision tag tells whether the droplets were built with
		// user_data or ssh_keys, though not with which.
		d := m.Droplet
		bare := tier.DropletSpec{Size: d.Size.ValueString(), Image: d.Image.ValueString(), Monitoring: d.Monitoring.ValueBool(), IPv6: d.IPv6.ValueBool()}
		if rev := serving[0].Revision(); rev != "" && rev != bare.Revision() {
			diags.AddWarning("scalable_web_tier "+name+": set droplet.user_data and droplet.ssh_keys",
				"The droplets were built with user_data or ssh_keys, which DigitalOcean never reports, so the import (and -generate-config-out) cannot fill them in. Set droplet.user_data and droplet.ssh_keys to what the tier was built with; otherwise the plan replaces every droplet, and says so.")
		}
	}
	return diags
}

// adoptHint names, for an import by a bare name that found nothing, a load
// balancer the name may mean (named like the tier or as the tier names its
// own), with the id that adopts it. One list request, on this failure only.
func (r *webTierResource) adoptHint(ctx context.Context, name string) string {
	all, err := r.data.client.ListLoadBalancers(ctx)
	if err != nil {
		return ""
	}
	for _, lb := range all {
		if lb.Name == name || lb.Name == tier.LoadBalancerName(name) {
			return fmt.Sprintf(" A load balancer named %s exists (%s) but does not target the tag: to adopt it and its droplets, import with the id name=%s,load_balancer=%s.", lb.Name, lb.ID, name, lb.Name)
		}
	}
	return ""
}
