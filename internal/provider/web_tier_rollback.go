package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// privateTemplatesKey keeps the droplet templates the tier ran, newest
// first, in private state: a rollback returns to the one the outdated
// droplets carry as their revision tag, also after an apply that stopped
// (whose state already holds the new template).
const privateTemplatesKey = "templates"

// maxTemplates bounds the templates kept.
const maxTemplates = 5

func privateTemplates(ctx context.Context, p privateGetter) []tier.DropletSpec {
	raw, _ := p.GetKey(ctx, privateTemplatesKey)
	var out []tier.DropletSpec
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}

// mergeTemplates lists templates newest first, each revision once.
func mergeTemplates(lists ...[]tier.DropletSpec) []tier.DropletSpec {
	seen := map[string]bool{}
	var out []tier.DropletSpec
	for _, l := range lists {
		for _, t := range l {
			if rev := t.Revision(); !seen[rev] && len(out) < maxTemplates {
				seen[rev] = true
				out = append(out, t)
			}
		}
	}
	return out
}

func setPrivateTemplates(ctx context.Context, p privateSetter, templates []tier.DropletSpec) diag.Diagnostics {
	b, err := json.Marshal(templates)
	if err != nil {
		var d diag.Diagnostics
		d.AddWarning("Could not keep the droplet templates", err.Error())
		return d
	}
	return p.SetKey(ctx, privateTemplatesKey, b)
}

// priorTemplates are the templates a rollback may return to: the prior
// state's, then those kept in private state.
func priorTemplates(ctx context.Context, prior *webTierModel, p privateGetter) []tier.DropletSpec {
	var fromState []tier.DropletSpec
	if prior.Droplet != nil {
		if s, d := prior.spec(ctx); !d.HasError() {
			fromState = append(fromState, s.Droplet)
		}
	}
	return mergeTemplates(fromState, privateTemplates(ctx, p))
}
