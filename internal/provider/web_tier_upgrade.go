package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

var _ resource.ResourceWithUpgradeState = (*webTierResource)(nil)

// webTierSchemaVersion is the schema version of scalable_web_tier. 1:
// rollout.max_surge and rollout.max_unavailable are strings (a number or a
// percentage such as "25%").
const webTierSchemaVersion = 1

// UpgradeState moves states written by older providers to the current
// schema. Version 0 held the rollout budgets as numbers.
func (r *webTierResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: upgradeWebTierV0},
	}
}

// upgradeWebTierV0 rewrites the version 0 state's rollout budgets (JSON
// numbers) as their text, leaving every other value as it is.
func upgradeWebTierV0(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError("Unable to upgrade the web tier's state", "The version 0 state is not JSON.")
		return
	}
	out, err := budgetsAsText(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upgrade the web tier's state", "Reading the version 0 state: "+err.Error())
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: out}
}

func budgetsAsText(raw []byte) ([]byte, error) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(raw, &state); err != nil {
		return nil, err
	}
	ro, ok := state["rollout"]
	if !ok || string(ro) == "null" {
		return raw, nil
	}
	var rollout map[string]json.RawMessage
	if err := json.Unmarshal(ro, &rollout); err != nil {
		return nil, fmt.Errorf("rollout: %w", err)
	}
	for _, name := range []string{"max_surge", "max_unavailable"} {
		v, ok := rollout[name]
		if !ok || string(v) == "null" {
			continue
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			return nil, fmt.Errorf("rollout.%s is %s, not a number", name, v)
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("rollout.%s is %s, not a whole number", name, v)
		}
		rollout[name], _ = json.Marshal(strconv.FormatInt(i, 10))
	}
	var err error
	if state["rollout"], err = json.Marshal(rollout); err != nil {
		return nil, err
	}
	return json.Marshal(state)
}
