package provider

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// computedFunc returns the value to put in a computed attribute that is null, and whether to
// replace it at all. path is the attribute's dotted path from the top of the type's schema.
type computedFunc func(path string, a *Attribute) (tftypes.Value, bool)

// walkComputed returns v with f applied to every computed attribute that is null, in v's own
// block and, recursively, in every element of its nested blocks.
func walkComputed(b *Block, v tftypes.Value, path string, f computedFunc) (tftypes.Value, error) {
	return walkAttributes(b, v, path, func(p string, a *Attribute, cur tftypes.Value) (tftypes.Value, bool) {
		if !a.Computed || !cur.IsNull() {
			return cur, false
		}
		return f(p, a)
	})
}

// attributeFunc returns the value to put in an attribute whose current value is cur, and whether
// to replace it at all.
type attributeFunc func(path string, a *Attribute, cur tftypes.Value) (tftypes.Value, bool)

// walkAttributes returns v with f applied to every attribute, in v's own block and,
// recursively, in every element of its nested blocks (missing attributes are null).
func walkAttributes(b *Block, v tftypes.Value, path string, f attributeFunc) (tftypes.Value, error) {
	if v.IsNull() || !v.IsKnown() {
		return v, nil
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]tftypes.Value, len(m))
	for k, val := range m {
		out[k] = val
	}
	for name, a := range b.Attributes {
		cur, ok := out[name]
		if !ok {
			cur = tftypes.NewValue(a.Type, nil)
			out[name] = cur
		}
		if nv, replace := f(path+name, a, cur); replace {
			out[name] = nv
		}
	}
	for name, nb := range b.BlockTypes {
		cur, ok := out[name]
		if !ok || cur.IsNull() || !cur.IsKnown() {
			continue
		}
		prefix := path + name + "."
		switch nb.Nesting {
		case "single", "group":
			nv, err := walkAttributes(nb.Block, cur, prefix, f)
			if err != nil {
				return v, err
			}
			out[name] = nv
		case "list", "set":
			var elems []tftypes.Value
			if err := cur.As(&elems); err != nil {
				return v, fmt.Errorf("%s: %w", prefix, err)
			}
			changed := make([]tftypes.Value, len(elems))
			for i, e := range elems {
				nv, err := walkAttributes(nb.Block, e, prefix, f)
				if err != nil {
					return v, err
				}
				changed[i] = nv
			}
			out[name] = tftypes.NewValue(cur.Type(), changed)
		case "map":
			var elems map[string]tftypes.Value
			if err := cur.As(&elems); err != nil {
				return v, fmt.Errorf("%s: %w", prefix, err)
			}
			changed := make(map[string]tftypes.Value, len(elems))
			for k, e := range elems {
				nv, err := walkAttributes(nb.Block, e, prefix, f)
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

// objectTypeFor keeps v's own object type (exact for dynamic attributes) when it is an object.
func objectTypeFor(b *Block, v tftypes.Value) tftypes.Type {
	if t, ok := v.Type().(tftypes.Object); ok {
		return t
	}
	return b.Type
}

// unknownComputed is the planning rule of a provider that knows nothing: every computed
// attribute the configuration leaves unset is "known after apply".
func unknownComputed(_ string, a *Attribute) (tftypes.Value, bool) {
	return tftypes.NewValue(a.Type, tftypes.UnknownValue), true
}

// Placeholder values for data sources, which must return wholly known values.

const (
	offlineAccountID = "123456789012"
	offlinePartition = "aws"
	defaultRegion    = "us-east-1"
)

type placeholders struct {
	typeName string
	region   string
}

// service and resource parts of a type name: aws_kms_key -> kms, key.
func (p placeholders) serviceAndResource() (string, string) {
	name := strings.TrimPrefix(p.typeName, "aws_")
	svc, res, found := strings.Cut(name, "_")
	if !found {
		return svc, svc
	}
	return svc, strings.ReplaceAll(res, "_", "-")
}

func (p placeholders) arn() string {
	svc, res := p.serviceAndResource()
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s/offline-%s", offlinePartition, svc, p.region, offlineAccountID, res, res)
}

func (p placeholders) stringFor(name string) string {
	leaf := name[strings.LastIndex(name, ".")+1:]
	switch {
	case leaf == "id":
		return "offline-" + strings.ReplaceAll(strings.TrimPrefix(p.typeName, "aws_"), "_", "-")
	case leaf == "arn" || strings.HasSuffix(leaf, "_arn"):
		return p.arn()
	case leaf == "account_id" || leaf == "owner_id":
		return offlineAccountID
	case leaf == "region":
		return p.region
	case leaf == "partition":
		return offlinePartition
	case strings.HasSuffix(leaf, "cidr_block") && !strings.Contains(leaf, "ipv6"):
		return "10.0.0.0/16"
	case strings.HasSuffix(leaf, "json") || strings.HasSuffix(leaf, "policy") || strings.HasSuffix(leaf, "_document"):
		return `{"Version":"2012-10-17","Statement":[]}`
	}
	return "offline-" + strings.ReplaceAll(leaf, "_", "-")
}

// value builds a known placeholder of type t for the attribute at path.
func (p placeholders) value(path string, t tftypes.Type) tftypes.Value {
	switch {
	case t.Is(tftypes.String):
		return tftypes.NewValue(t, p.stringFor(path))
	case t.Is(tftypes.Number):
		return tftypes.NewValue(t, big.NewFloat(0))
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, false)
	case t.Is(tftypes.DynamicPseudoType):
		return tftypes.NewValue(t, nil)
	}
	switch tt := t.(type) {
	case tftypes.List:
		leaf := path[strings.LastIndex(path, ".")+1:]
		if leaf == "ids" && tt.ElementType.Is(tftypes.String) {
			return tftypes.NewValue(t, []tftypes.Value{
				tftypes.NewValue(tftypes.String, "offline-id-1"),
				tftypes.NewValue(tftypes.String, "offline-id-2"),
				tftypes.NewValue(tftypes.String, "offline-id-3"),
			})
		}
		return tftypes.NewValue(t, []tftypes.Value{})
	case tftypes.Set:
		leaf := path[strings.LastIndex(path, ".")+1:]
		if leaf == "ids" && tt.ElementType.Is(tftypes.String) {
			return tftypes.NewValue(t, []tftypes.Value{
				tftypes.NewValue(tftypes.String, "offline-id-1"),
				tftypes.NewValue(tftypes.String, "offline-id-2"),
				tftypes.NewValue(tftypes.String, "offline-id-3"),
			})
		}
		return tftypes.NewValue(t, []tftypes.Value{})
	case tftypes.Map:
		return tftypes.NewValue(t, map[string]tftypes.Value{})
	case tftypes.Tuple:
		return tftypes.NewValue(t, nil)
	case tftypes.Object:
		attrs := make(map[string]tftypes.Value, len(tt.AttributeTypes))
		for name, at := range tt.AttributeTypes {
			attrs[name] = p.value(path+"."+name, at)
		}
		return tftypes.NewValue(t, attrs)
	}
	return tftypes.NewValue(t, nil)
}

func (p placeholders) fill(path string, a *Attribute) (tftypes.Value, bool) {
	return p.value(path, a.Type), true
}

// stringsValue makes a list or set of strings of type t.
func stringsValue(t tftypes.Type, items []string) tftypes.Value {
	vals := make([]tftypes.Value, len(items))
	for i, s := range items {
		vals[i] = tftypes.NewValue(tftypes.String, s)
	}
	return tftypes.NewValue(t, vals)
}

// getString reads a string attribute of an object value ("" when null or unknown).
func getString(obj map[string]tftypes.Value, name string) string {
	v, ok := obj[name]
	if !ok || v.IsNull() || !v.IsKnown() {
		return ""
	}
	var s string
	if err := v.As(&s); err != nil {
		return ""
	}
	return s
}

// getStrings reads a list or set of strings ("nil" when null or unknown).
func getStrings(obj map[string]tftypes.Value, name string) []string {
	v, ok := obj[name]
	if !ok || v.IsNull() || !v.IsKnown() {
		return nil
	}
	var elems []tftypes.Value
	if err := v.As(&elems); err != nil {
		return nil
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		var s string
		if e.IsKnown() && !e.IsNull() && e.As(&s) == nil {
			out = append(out, s)
		}
	}
	return out
}

// getNumber reads a number attribute (def when null or unknown).
func getNumber(obj map[string]tftypes.Value, name string, def int64) int64 {
	v, ok := obj[name]
	if !ok || v.IsNull() || !v.IsKnown() {
		return def
	}
	var f big.Float
	if err := v.As(&f); err != nil {
		return def
	}
	i, _ := f.Int64()
	return i
}

// getObjects reads a list or set of nested block objects.
func getObjects(obj map[string]tftypes.Value, name string) []map[string]tftypes.Value {
	v, ok := obj[name]
	if !ok || v.IsNull() || !v.IsKnown() {
		return nil
	}
	var elems []tftypes.Value
	if err := v.As(&elems); err != nil {
		return nil
	}
	out := make([]map[string]tftypes.Value, 0, len(elems))
	for _, e := range elems {
		var m map[string]tftypes.Value
		if e.IsKnown() && !e.IsNull() && e.As(&m) == nil {
			out = append(out, m)
		}
	}
	return out
}
