package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doclient"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// Rollout budget defaults, as Kubernetes has them.
const (
	defaultMaxSurge       = "25%"
	defaultMaxUnavailable = "0"
	maxBudgetDroplets     = 1000
)

// budgetValidator accepts max_surge and max_unavailable: a whole number of
// droplets (0 to 1000) or a percentage of the fleet ("0%" to "100%").
// Terraform converts a number written in the configuration to its text.
type budgetValidator struct{}

func (budgetValidator) Description(context.Context) string {
	return fmt.Sprintf(`a whole number of droplets from 0 to %d (such as 2) or a percentage of the fleet from "0%%" to "100%%" (such as "25%%")`, maxBudgetDroplets)
}

func (v budgetValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v budgetValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	b, err := tier.ParseBudget(s)
	if err == nil && !b.Percent && b.Value > maxBudgetDroplets {
		err = fmt.Errorf("%q is more than %d droplets", s, maxBudgetDroplets)
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid rollout budget",
			fmt.Sprintf("Attribute %s value %q is not allowed: %s. Allowed: %s.", req.Path, s, err, v.Description(ctx)))
	}
}

// budgetOr is a budget attribute's value, or fallback when it is not set
// (or not valid, which validation reports).
func budgetOr(v types.String, fallback string) tier.Budget {
	b, err := tier.ParseBudget(stringOr(v, fallback))
	if err != nil {
		b, _ = tier.ParseBudget(fallback)
	}
	return b
}

// zeroOrDurationValidator accepts Go duration text that is 0 or more
// ("0s", "30s", "2m").
type zeroOrDurationValidator struct{}

func (zeroOrDurationValidator) Description(context.Context) string {
	return `a duration of 0 or more such as "0s", "30s" or "2m"`
}

func (v zeroOrDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v zeroOrDurationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if d, err := time.ParseDuration(s); err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("Attribute %s value %q is not %s.", req.Path, s, v.Description(ctx)))
	}
}

// durationOr is a duration attribute's value, or fallback when it is not
// set (or not valid, which validation reports).
func durationOr(v durationValue, fallback time.Duration) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return fallback
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil {
		return fallback
	}
	return d
}

// responseReader adapts doclient's droplets_http_responses reading to what
// canary checkpoints judge: each droplet's responses and 5xx among them.
func responseReader(c *doclient.Client) tier.ResponseReader {
	return func(ctx context.Context, lbID string, since, until time.Time) (map[int]tier.Responses, error) {
		counts, err := c.LoadBalancerDropletResponses(ctx, lbID, since, until)
		if err != nil {
			return nil, err
		}
		out := make(map[int]tier.Responses, len(counts))
		for id, rc := range counts {
			out[id] = tier.Responses{Total: rc.Total, ServerErrors: rc.Status5xx}
		}
		return out, nil
	}
}

// Canary checkpoint defaults.
const (
	defaultCheckpointDelay         = "5m"
	defaultCheckpointDelayDuration = 5 * time.Minute
)

// checkpointsOf is the checkpoints list as percentages; nil when unset.
func checkpointsOf(l types.List) []int {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []int
	for _, e := range l.Elements() {
		if v, ok := e.(types.Int64); ok && !v.IsNull() && !v.IsUnknown() {
			out = append(out, int(v.ValueInt64()))
		}
	}
	return out
}

// rolloutOptionsValidator: checkpoints increase and are for fixed
// droplets, max_error_rate needs checkpoints, resize_disk needs an
// in-place resize.
type rolloutOptionsValidator struct{}

func (rolloutOptionsValidator) Description(context.Context) string {
	return "rollout.checkpoints increase and are not used with autoscale; rollout.max_error_rate needs checkpoints; rollout.resize_disk needs resize = \"in_place\""
}

func (v rolloutOptionsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (rolloutOptionsValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var ro *rolloutModel
	if !readConfig(ctx, req, resp, path.Root("rollout"), &ro) || ro == nil {
		return
	}
	at := path.Root("rollout")
	cps := checkpointsOf(ro.Checkpoints)
	for i := 1; i < len(cps); i++ {
		if cps[i] <= cps[i-1] {
			addError(resp, at.AtName("checkpoints"), "Checkpoints not increasing",
				"rollout.checkpoints is %v: each checkpoint is a larger share of the fleet than the one before (such as [10, 50]).", cps)
			break
		}
	}
	if len(cps) > 0 {
		var auto types.Object
		if !req.Config.GetAttribute(ctx, path.Root("autoscale"), &auto).HasError() && !auto.IsNull() {
			addError(resp, at.AtName("checkpoints"), "Checkpoints with autoscale",
				"rollout.checkpoints is %v, but the tier has an autoscale block: checkpoints pause rollouts of fixed droplets only. Remove checkpoints (and max_error_rate), or use droplet.instances.", cps)
		}
	}
	if !ro.MaxErrorRate.IsNull() && !ro.MaxErrorRate.IsUnknown() && ro.Checkpoints.IsNull() {
		addError(resp, at.AtName("max_error_rate"), "max_error_rate without checkpoints",
			"rollout.max_error_rate is %g, but it is read during checkpoint pauses and rollout.checkpoints is not set: add checkpoints such as [10, 50].", ro.MaxErrorRate.ValueFloat64())
	}
	if ro.ResizeDisk.ValueBool() && stringOr(ro.Resize, tier.ResizeReplace) != tier.ResizeInPlace {
		addError(resp, at.AtName("resize_disk"), "resize_disk without an in-place resize",
			"rollout.resize_disk is true, but rollout.resize is %q: the disk grows only in an in-place resize. Set resize = \"in_place\", or remove resize_disk.", stringOr(ro.Resize, tier.ResizeReplace))
	}
}
