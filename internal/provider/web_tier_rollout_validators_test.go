package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// nullRollout is a rollout block with nothing set.
func nullRollout() *rolloutModel {
	return &rolloutModel{
		MaxSurge: types.StringNull(), MaxUnavailable: types.StringNull(), Health: types.StringNull(),
		HealthTimeout: durationValue{}, ScaleInPolicy: types.StringNull(), MinReady: durationValue{},
		OnFailure: types.StringNull(), Resize: types.StringNull(), ResizeDisk: types.BoolNull(),
		Checkpoints: types.ListNull(types.Int64Type), CheckpointDelay: durationValue{}, MaxErrorRate: types.Float64Null(),
	}
}

func checkpointList(v ...int64) types.List {
	elems := make([]attr.Value, len(v))
	for i, x := range v {
		elems[i] = types.Int64Value(x)
	}
	return types.ListValueMust(types.Int64Type, elems)
}

func TestRolloutOptionsValidator(t *testing.T) {
	with := func(f func(r *rolloutModel)) func(m *webTierModel) {
		return func(m *webTierModel) {
			r := nullRollout()
			r.HealthTimeout = duration("10m")
			r.MinReady, r.CheckpointDelay = duration("0s"), duration("5m")
			f(r)
			m.Rollout = r
		}
	}
	at := path.Root("rollout")
	testConfigValidator(t, rolloutOptionsValidator{}, []configValidatorCase{
		{name: "no rollout block passes"},
		{name: "increasing checkpoints with max_error_rate pass", change: with(func(r *rolloutModel) {
			r.Checkpoints, r.MaxErrorRate = checkpointList(10, 50), types.Float64Value(0.05)
		})},
		{name: "checkpoints not increasing are named", change: with(func(r *rolloutModel) { r.Checkpoints = checkpointList(50, 10) }),
			want: []wantDiag{{at.AtName("checkpoints"), "Checkpoints not increasing",
				"rollout.checkpoints is [50 10]: each checkpoint is a larger share of the fleet than the one before (such as [10, 50])."}}},
		{name: "max_error_rate without checkpoints says what it needs", change: with(func(r *rolloutModel) { r.MaxErrorRate = types.Float64Value(0.1) }),
			want: []wantDiag{{at.AtName("max_error_rate"), "max_error_rate without checkpoints",
				"rollout.max_error_rate is 0.1, but it is read during checkpoint pauses and rollout.checkpoints is not set: add checkpoints such as [10, 50]."}}},
		{name: "resize_disk without an in-place resize", change: with(func(r *rolloutModel) { r.ResizeDisk = types.BoolValue(true) }),
			want: []wantDiag{{at.AtName("resize_disk"), "resize_disk without an in-place resize",
				`rollout.resize_disk is true, but rollout.resize is "replace": the disk grows only in an in-place resize. Set resize = "in_place", or remove resize_disk.`}}},
		{name: "resize_disk with an in-place resize passes", change: with(func(r *rolloutModel) {
			r.ResizeDisk, r.Resize = types.BoolValue(true), types.StringValue("in_place")
		})},
	})
}
