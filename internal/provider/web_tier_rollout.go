package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

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
