package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func duration(s string) durationValue {
	return durationValue{timetypes.GoDuration{StringValue: types.StringValue(s)}}
}

func TestDurationValuesCompareAsDurations(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"600s", "10m", true},
		{"10m", "10m0s", true},
		{"1h30m", "90m", true},
		{"1.5h", "5400s", true},
		{"10m", "11m", false},
		{"1s", "1ms", false},
	} {
		same, d := duration(c.a).StringSemanticEquals(ctx, duration(c.b))
		if d.HasError() || same != c.same {
			t.Errorf("%q and %q: same = %v (%v), want %v", c.a, c.b, same, d, c.same)
		}
		if duration(c.a).Equal(duration(c.b)) != (c.a == c.b) {
			t.Errorf("%q and %q: Equal compares the strings", c.a, c.b)
		}
	}
}

// The state keeps a plain string, as before the type: old states read, and
// new ones read in older providers.
func TestDurationTypeIsAStringInState(t *testing.T) {
	ctx := context.Background()
	typ := durationType{}
	if got := typ.TerraformType(ctx); !got.Equal(tftypes.String) {
		t.Fatalf("TerraformType = %v, want tftypes.String", got)
	}
	for _, raw := range []tftypes.Value{
		tftypes.NewValue(tftypes.String, "600s"),
		tftypes.NewValue(tftypes.String, nil),
		tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
	} {
		v, err := typ.ValueFromTerraform(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		dv, ok := v.(durationValue)
		if !ok {
			t.Fatalf("%v reads as %T, want durationValue", raw, v)
		}
		back, err := dv.ToTerraformValue(ctx)
		if err != nil || !back.Equal(raw) {
			t.Fatalf("%v round-trips to %v, %v", raw, back, err)
		}
		if !dv.Type(ctx).Equal(typ) {
			t.Fatalf("value's type %v is not %v", dv.Type(ctx), typ)
		}
	}
}

func TestSameDurationKeepsState(t *testing.T) {
	ctx := context.Background()
	s := types.StringValue
	for _, c := range []struct {
		name                 string
		state, config, wantP types.String
	}{
		{"600s configured as 10m keeps 600s", s("600s"), s("10m"), s("600s")},
		{"a longer duration is planned", s("600s"), s("11m"), s("11m")},
		{"the same text is planned as is", s("10m"), s("10m"), s("10m")},
		{"nothing in state plans the configuration", types.StringNull(), s("10m"), s("10m")},
		{"a removed value plans null", s("600s"), types.StringNull(), types.StringNull()},
		{"an unknown configuration stays unknown", s("600s"), types.StringUnknown(), types.StringUnknown()},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := planmodifier.StringRequest{Path: path.Root("rollout").AtName("health_timeout"),
				StateValue: c.state, ConfigValue: c.config, PlanValue: c.config}
			resp := &planmodifier.StringResponse{PlanValue: req.PlanValue}
			sameDurationKeepsState{}.PlanModifyString(ctx, req, resp)
			if resp.Diagnostics.HasError() || !resp.PlanValue.Equal(c.wantP) {
				t.Fatalf("planned %v (%v), want %v", resp.PlanValue, resp.Diagnostics, c.wantP)
			}
		})
	}
}
