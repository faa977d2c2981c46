package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A utilization target is a fraction: 85 is refused saying it looks like a
// percentage, 0.85 passes, the range edges pass.
func TestFractionValidator(t *testing.T) {
	at := path.Root("autoscale").AtName("target_cpu_utilization")
	for v, want := range map[float64]string{
		0.85: "", 0.05: "", 1: "",
		85:   "autoscale.target_cpu_utilization is 85: a target is a fraction between 0.05 and 1 (0.85 means 85%), not a percentage.",
		0.01: "autoscale.target_cpu_utilization is 0.01: a target is a fraction between 0.05 and 1 (0.85 means 85%).",
		250:  "autoscale.target_cpu_utilization is 250: a target is a fraction between 0.05 and 1 (0.85 means 85%).",
	} {
		resp := &validator.Float64Response{}
		fractionValidator{}.ValidateFloat64(context.Background(), validator.Float64Request{Path: at, ConfigValue: types.Float64Value(v)}, resp)
		got := ""
		if resp.Diagnostics.HasError() {
			got = strings.TrimPrefix(resp.Diagnostics[0].Detail(), "Attribute ")
		}
		if got != want {
			t.Errorf("%g: %q, want %q", v, got, want)
		}
	}
}
