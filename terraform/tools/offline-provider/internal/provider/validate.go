package provider

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The real provider's answers to a value for a computed-only ("read-only") attribute. OpenTofu's
// schema checks let it through (it is an attribute of the type); the provider refuses it in its
// Validate* call. hashicorp/aws serves resources and data sources from terraform-plugin-sdk v2
// (helper/schema: schemaMap.validate, "Value for unconfigurable attribute", the attribute named by
// its flatmap key: "broker_node_group_info.0.az_distribution") and ephemeral resources from
// terraform-plugin-framework (its read-only attribute check).
const (
	UnconfigurableSummary = "Value for unconfigurable attribute"
	ReadOnlySummary       = "Invalid Configuration for Read-Only Attribute"
)

func unconfigurableDiag(kind Kind, key string, path *tftypes.AttributePath) *tfprotov5.Diagnostic {
	if kind == KindEphemeral {
		return &tfprotov5.Diagnostic{
			Severity: tfprotov5.DiagnosticSeverityError, Summary: ReadOnlySummary, Attribute: path,
			Detail: fmt.Sprintf("Cannot set value for this attribute (%s) as the provider has marked it as read-only. "+
				"Remove the configuration line setting the value.", key),
		}
	}
	return &tfprotov5.Diagnostic{
		Severity: tfprotov5.DiagnosticSeverityError, Summary: UnconfigurableSummary, Attribute: path,
		Detail: fmt.Sprintf("Can't configure a value for %q: its value will be decided automatically "+
			"based on the result of applying this configuration.", key),
	}
}

// validateConfig reports every computed-only attribute that the configuration v sets (a
// non-null value, unknown included, as the SDK does), in v's block and in every element of its
// nested blocks, in a stable order.
func validateConfig(kind Kind, b *Block, v tftypes.Value) []*tfprotov5.Diagnostic {
	return validateBlock(kind, b, v, "", tftypes.NewAttributePath())
}

func validateBlock(kind Kind, b *Block, v tftypes.Value, key string, path *tftypes.AttributePath) []*tfprotov5.Diagnostic {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return nil
	}
	var diags []*tfprotov5.Diagnostic
	for _, name := range sortedKeys(b.Attributes) {
		a := b.Attributes[name]
		if a.Required || a.Optional {
			continue
		}
		if cur, ok := m[name]; ok && !cur.IsNull() {
			diags = append(diags, unconfigurableDiag(kind, key+name, path.WithAttributeName(name)))
		}
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		cur, ok := m[name]
		if !ok || cur.IsNull() || !cur.IsKnown() {
			continue
		}
		p := path.WithAttributeName(name)
		switch nb.Nesting {
		case "single", "group":
			diags = append(diags, validateBlock(kind, nb.Block, cur, key+name+".", p)...)
		case "list", "set":
			var elems []tftypes.Value
			if cur.As(&elems) != nil {
				continue
			}
			for i, e := range elems {
				ep := p.WithElementKeyInt(i)
				if nb.Nesting == "set" {
					ep = p.WithElementKeyValue(e)
				}
				diags = append(diags, validateBlock(kind, nb.Block, e, fmt.Sprintf("%s%s.%d.", key, name, i), ep)...)
			}
		case "map":
			var elems map[string]tftypes.Value
			if cur.As(&elems) != nil {
				continue
			}
			for _, k := range sortedKeys(elems) {
				diags = append(diags, validateBlock(kind, nb.Block, elems[k], key+name+"."+k+".", p.WithElementKeyString(k))...)
			}
		}
	}
	return diags
}

// nullWriteOnly returns v with every write-only attribute null, nested blocks included: what a
// provider must return in planned and new state (OpenTofu refuses a response that carries a value
// for one: "returned an actual value for the write-only attribute").
func nullWriteOnly(b *Block, v tftypes.Value) (tftypes.Value, error) {
	if !b.hasWriteOnly() || v.IsNull() || !v.IsKnown() {
		return v, nil
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return v, err
	}
	out := make(map[string]tftypes.Value, len(m))
	for k, val := range m {
		out[k] = val
	}
	for name, a := range b.Attributes {
		if a.WriteOnly {
			out[name] = tftypes.NewValue(a.Type, nil)
		}
	}
	for name, nb := range b.BlockTypes {
		cur, ok := out[name]
		if !ok || cur.IsNull() || !cur.IsKnown() || !nb.Block.hasWriteOnly() {
			continue
		}
		switch nb.Nesting {
		case "single", "group":
			nv, err := nullWriteOnly(nb.Block, cur)
			if err != nil {
				return v, err
			}
			out[name] = nv
		case "list", "set":
			var elems []tftypes.Value
			if err := cur.As(&elems); err != nil {
				return v, err
			}
			changed := make([]tftypes.Value, len(elems))
			for i, e := range elems {
				nv, err := nullWriteOnly(nb.Block, e)
				if err != nil {
					return v, err
				}
				changed[i] = nv
			}
			out[name] = tftypes.NewValue(cur.Type(), changed)
		case "map":
			var elems map[string]tftypes.Value
			if err := cur.As(&elems); err != nil {
				return v, err
			}
			changed := make(map[string]tftypes.Value, len(elems))
			for k, e := range elems {
				nv, err := nullWriteOnly(nb.Block, e)
				if err != nil {
					return v, err
				}
				changed[k] = nv
			}
			out[name] = tftypes.NewValue(cur.Type(), changed)
		}
	}
	return tftypes.NewValue(objectTypeFor(b, v), out), nil
}

// hasWriteOnly says whether the block or any block nested in it has a write-only attribute.
func (b *Block) hasWriteOnly() bool {
	for _, a := range b.Attributes {
		if a.WriteOnly {
			return true
		}
	}
	for _, nb := range b.BlockTypes {
		if nb.Block.hasWriteOnly() {
			return true
		}
	}
	return false
}

// knownComputed fills the unknown computed attributes of a planned state with placeholders: the
// "new state" of an offline apply (MSKCTL_OFFLINE_APPLY=1), which creates nothing anywhere.
func knownComputed(b *Block, planned tftypes.Value, p placeholders) (tftypes.Value, error) {
	return walkAttributes(b, planned, "", func(path string, a *Attribute, cur tftypes.Value) (tftypes.Value, bool) {
		if !a.Computed || cur.IsKnown() {
			return cur, false
		}
		if a.Type.Is(tftypes.Number) {
			return tftypes.NewValue(a.Type, big.NewFloat(1)), true
		}
		return p.value(path, a.Type), true
	})
}
