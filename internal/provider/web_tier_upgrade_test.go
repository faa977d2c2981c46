package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// A version 0 state (budgets as numbers) upgrades to one that reads
// against the current schema, with the budgets as their text and nothing
// else changed.
func TestUpgradeStateV0BudgetsBecomeText(t *testing.T) {
	ctx := context.Background()
	sch := webTierSchema(ctx)
	cases := []struct {
		name, rollout  string
		surge, unavail string // "" = null
	}{
		{"numbers", `{"max_surge":2,"max_unavailable":0,"health":"http","health_timeout":"5m","scale_in_policy":null}`, "2", "0"},
		{"unset budgets", `{"max_surge":null,"max_unavailable":null,"health":null,"health_timeout":null,"scale_in_policy":null}`, "", ""},
		{"no rollout block", `null`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := `{"name":"hits","region":"nyc3","id":"hits","rollout":` + tc.rollout + `}`
			req := resource.UpgradeStateRequest{RawState: &tfprotov6.RawState{JSON: []byte(raw)}}
			var resp resource.UpgradeStateResponse
			(&webTierResource{}).UpgradeState(ctx)[0].StateUpgrader(ctx, req, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("upgrade: %v", resp.Diagnostics)
			}
			val, err := resp.DynamicValue.Unmarshal(sch.Type().TerraformType(ctx))
			if err != nil {
				t.Fatalf("the upgraded state does not fit the schema: %v\n%s", err, resp.DynamicValue.JSON)
			}
			var m webTierModel
			if d := (tfsdk.State{Schema: sch, Raw: val}).Get(ctx, &m); d.HasError() {
				t.Fatalf("read upgraded state: %v", d)
			}
			if m.Name.ValueString() != "hits" || m.Region.ValueString() != "nyc3" {
				t.Errorf("other values changed: name %s region %s", m.Name, m.Region)
			}
			if tc.rollout == "null" {
				if m.Rollout != nil {
					t.Errorf("rollout %+v, want none", m.Rollout)
				}
				return
			}
			for _, c := range []struct {
				got  string
				null bool
				want string
			}{{m.Rollout.MaxSurge.ValueString(), m.Rollout.MaxSurge.IsNull(), tc.surge}, {m.Rollout.MaxUnavailable.ValueString(), m.Rollout.MaxUnavailable.IsNull(), tc.unavail}} {
				if c.null != (c.want == "") || c.got != c.want {
					t.Errorf("budget %q (null %v), want %q", c.got, c.null, c.want)
				}
			}
			if strings.Contains(tc.rollout, "http") && m.Rollout.Health.ValueString() != "http" {
				t.Errorf("health %s, want http", m.Rollout.Health)
			}
		})
	}
}

func TestUpgradeStateV0RefusesAFraction(t *testing.T) {
	ctx := context.Background()
	req := resource.UpgradeStateRequest{RawState: &tfprotov6.RawState{JSON: []byte(`{"rollout":{"max_surge":1.5}}`)}}
	var resp resource.UpgradeStateResponse
	upgradeWebTierV0(ctx, req, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), "rollout.max_surge is 1.5, not a whole number") {
		t.Fatalf("diagnostics %v", resp.Diagnostics)
	}
}
