package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// durationType is timetypes' Go duration string: values that mean the same
// duration ("600s", "10m") are equal, so rewriting one as the other plans
// no change, and the state still holds the string as written first.
//
// Its values leave checking to the attribute's durationValidator: the
// timetypes check would fail every read of the configuration before that
// validator runs, with a message that names neither the attribute nor a
// positive duration.
type durationType struct{ timetypes.GoDurationType }

var (
	_ basetypes.StringTypable                    = durationType{}
	_ basetypes.StringValuableWithSemanticEquals = durationValue{}
	_ xattr.ValidateableAttribute                = durationValue{}
)

func (durationType) String() string { return "provider.durationType" }

func (durationType) Equal(o attr.Type) bool {
	_, ok := o.(durationType)
	return ok
}

func (durationType) ValueType(context.Context) attr.Value { return durationValue{} }

func (durationType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return durationValue{timetypes.GoDuration{StringValue: in}}, nil
}

func (t durationType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return durationValue{timetypes.GoDuration{StringValue: s}}, nil
}

// durationValue is a value of durationType.
type durationValue struct{ timetypes.GoDuration }

func (durationValue) Type(context.Context) attr.Type { return durationType{} }

func (v durationValue) Equal(o attr.Value) bool {
	other, ok := o.(durationValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals compares the durations, as timetypes does.
func (v durationValue) StringSemanticEquals(ctx context.Context, o basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := o.(durationValue)
	if !ok {
		var diags diag.Diagnostics
		diags.AddError("Semantic Equality Check Error", fmt.Sprintf("expected %T, got %T; this is a bug in the provider", v, o))
		return false, diags
	}
	return v.GoDuration.StringSemanticEquals(ctx, other.GoDuration)
}

// ValidateAttribute accepts every string: durationValidator checks it.
func (durationValue) ValidateAttribute(context.Context, xattr.ValidateAttributeRequest, *xattr.ValidateAttributeResponse) {
}
