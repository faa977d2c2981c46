package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// rolloutEstimate is how long the plan's rollout should take here: the
// estimate at DigitalOcean's pace times the provider's time scale (the
// sandbox's, when testing against it).
func rolloutEstimate(spec tier.Spec, s tier.Summary, scale float64) time.Duration {
	if scale <= 0 {
		scale = 1
	}
	return time.Duration(float64(tier.RolloutEstimate(spec, s)) * scale).Round(time.Second)
}

// updateTimeoutFor is the default update timeout: 60m, or one and a half
// times the rollout's estimate when that is longer (a 400-droplet rollout
// at 1 droplet a time needs far more than an hour).
func updateTimeoutFor(estimate time.Duration) time.Duration {
	return max(defaultUpdateTimeout, estimate+estimate/2)
}

// configuredUpdateTimeout is timeouts.update when the configuration sets it.
func configuredUpdateTimeout(ctx context.Context, m *webTierModel) (time.Duration, bool) {
	if m.Timeouts.IsNull() || m.Timeouts.IsUnknown() {
		return 0, false
	}
	v, ok := m.Timeouts.Attributes()["update"].(types.String)
	if !ok || v.IsNull() || v.IsUnknown() {
		return 0, false
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil {
		return 0, false
	}
	return d, true
}

// rolloutEstimateDetail explains the estimate: where it comes from and
// what the update timeout is against it.
func rolloutEstimateDetail(ctx context.Context, m *webTierModel, spec tier.Spec, s tier.Summary, scale float64) string {
	hc := spec.LoadBalancer.HealthCheck
	est := rolloutEstimate(spec, s, scale)
	health := ""
	switch spec.Rollout.Health {
	case tier.HealthLoadBalancer:
		health = fmt.Sprintf(", the load balancer's health check passes %d times %ds apart", hc.HealthyThreshold, hc.CheckIntervalSeconds)
	case tier.HealthHTTP:
		health = fmt.Sprintf(", the provider's HTTP probe passes within %ds", hc.CheckIntervalSeconds)
	}
	if spec.Rollout.MinReady > 0 {
		health += fmt.Sprintf(", it stays healthy for min_ready %s", spec.Rollout.MinReady)
	}
	msg := fmt.Sprintf(" The rollout should take about %s: %d waves of about %s each (a droplet boots in about %s%s, then old droplets drain for %ds)",
		est, s.Waves, tier.WaveEstimate(spec).Round(time.Second), tier.DropletBootEstimate, health, hc.CheckIntervalSeconds)
	if s.Checkpoints > 0 {
		msg += fmt.Sprintf(", plus %d checkpoint pauses of %s", s.Checkpoints, spec.Rollout.CheckpointDelay)
	}
	msg += "."
	if scale > 0 && scale != 1 {
		msg += fmt.Sprintf(" Those are DigitalOcean's times; the total is scaled by the provider's time_scale %g.", scale)
	}
	if t, ok := configuredUpdateTimeout(ctx, m); ok {
		msg += fmt.Sprintf(" timeouts.update is %s.", t)
	} else {
		msg += fmt.Sprintf(" The update timeout defaults to %s (60m, or 1.5 times the estimate when longer).", updateTimeoutFor(est))
	}
	return msg
}

// timeoutWarning warns when timeouts.update is shorter than the
// rollout's estimate: the apply would stop part way (the next one resumes).
func timeoutWarning(ctx context.Context, m *webTierModel, spec tier.Spec, s tier.Summary, scale float64) diag.Diagnostics {
	var diags diag.Diagnostics
	est := rolloutEstimate(spec, s, scale)
	t, ok := configuredUpdateTimeout(ctx, m)
	if !ok || est == 0 || t >= est {
		return diags
	}
	diags.AddAttributeWarning(path.Root("timeouts").AtName("update"), "Update timeout shorter than the rollout",
		fmt.Sprintf("timeouts.update is %s, but this rollout of %d waves should take about %s. The apply would stop part way (the next apply resumes it). Raise timeouts.update to at least %s, or raise rollout.max_surge (a percentage such as \"25%%\" keeps the waves few).",
			t, s.Waves, est, roundUp(est+est/2)))
	return diags
}

// appliedSummary is the apply's warning in the past tense: "6 droplets
// were replaced in 3 waves in 4m10s".
func appliedSummary(name string, s tier.Summary, elapsed time.Duration) diag.Diagnostics {
	var diags diag.Diagnostics
	if msg := s.Done(elapsed); msg != "" {
		diags.AddWarning("scalable_web_tier "+name+": "+msg,
			"This is what the apply did to the fleet. The tier's INFO log (TF_LOG=info) has each wave's start, health and end.")
	}
	return diags
}

// defaultUpdateTimeout is the update timeout when the configuration sets
// none: long enough for the rollout planned from the fleet kept in
// private state (updateTimeoutFor).
func (r *webTierResource) defaultUpdateTimeout(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}, spec tier.Spec) time.Duration {
	fleet, _ := privateFleet(ctx, private)
	if fleet == nil || spec.Autoscale != nil {
		return defaultUpdateTimeout
	}
	return updateTimeoutFor(rolloutEstimate(spec, tier.ComputePlan(spec, *fleet).Summary, r.data.timeScale))
}

// roundUp rounds a suggested timeout up: to the minute from a minute on,
// else to the second.
func roundUp(d time.Duration) time.Duration {
	unit := time.Second
	if d >= time.Minute {
		unit = time.Minute
	}
	return (d + unit - 1).Truncate(unit)
}
