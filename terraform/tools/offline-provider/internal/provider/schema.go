// Package provider is a schema-only hashicorp/aws provider: it serves a schema rebuilt offline
// (terraform/tools/schema/generate.py) so that `tofu init/validate/plan/test` work without the
// real provider binary. It plans (computed values unknown), reads data sources with placeholder
// values, and refuses to apply.
package provider

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// rawSchema is one provider_schemas entry of `tofu providers schema -json`, each type kept as
// raw JSON until it is needed: a provider process that OpenTofu starts only to validate or
// plan a few types (the schema itself comes from OpenTofu's cache) never decodes the rest.
type rawSchema struct {
	Provider           json.RawMessage            `json:"provider"`
	ResourceSchemas    map[string]json.RawMessage `json:"resource_schemas"`
	DataSourceSchemas  map[string]json.RawMessage `json:"data_source_schemas"`
	EphemeralResources map[string]json.RawMessage `json:"ephemeral_resource_schemas"`
}

type jsonTypeSchema struct {
	Version int64      `json:"version"`
	Block   *jsonBlock `json:"block"`
}

type jsonBlock struct {
	Attributes map[string]*jsonAttribute `json:"attributes"`
	BlockTypes map[string]*jsonBlockType `json:"block_types"`
}

type jsonAttribute struct {
	Type      json.RawMessage `json:"type"`
	Required  bool            `json:"required"`
	Optional  bool            `json:"optional"`
	Computed  bool            `json:"computed"`
	Sensitive bool            `json:"sensitive"`
	WriteOnly bool            `json:"write_only"`
}

type jsonBlockType struct {
	NestingMode string     `json:"nesting_mode"`
	Block       *jsonBlock `json:"block"`
	MinItems    int64      `json:"min_items"`
	MaxItems    int64      `json:"max_items"`
}

// Block is a parsed schema block with its value type, used to walk values.
type Block struct {
	Attributes map[string]*Attribute
	BlockTypes map[string]*NestedBlock
	Type       tftypes.Object
}

// Attribute is one attribute of a block.
type Attribute struct {
	Name      string
	Type      tftypes.Type
	Required  bool
	Optional  bool
	Computed  bool
	Sensitive bool
	WriteOnly bool
}

// NestedBlock is one nested block type of a block.
type NestedBlock struct {
	Name     string
	Nesting  string // single, group, list, set, map
	Block    *Block
	MinItems int64
	MaxItems int64
	Type     tftypes.Type // the type of the block's value in its parent object
}

// TypeSchema is the schema of one resource, data source or ephemeral resource type.
type TypeSchema struct {
	Version int64
	Block   *Block
}

// Kind of a type schema.
type Kind int

// The kinds of types a provider serves.
const (
	KindResource Kind = iota
	KindDataSource
	KindEphemeral
)

// Schema is the whole provider schema, decoded type by type on first use.
type Schema struct {
	raw rawSchema

	mu       sync.Mutex
	provider *TypeSchema
	decoded  [3]map[string]*TypeSchema
}

// ParseSchema reads the generator's JSON (checking only its outline; types decode lazily).
func ParseSchema(data []byte) (*Schema, error) {
	s := &Schema{}
	if err := json.Unmarshal(data, &s.raw); err != nil {
		return nil, fmt.Errorf("parsing schema JSON: %w", err)
	}
	for i := range s.decoded {
		s.decoded[i] = map[string]*TypeSchema{}
	}
	return s, nil
}

func (s *Schema) rawOf(kind Kind) map[string]json.RawMessage {
	switch kind {
	case KindDataSource:
		return s.raw.DataSourceSchemas
	case KindEphemeral:
		return s.raw.EphemeralResources
	}
	return s.raw.ResourceSchemas
}

// Names lists the types of a kind, sorted.
func (s *Schema) Names(kind Kind) []string { return sortedKeys(s.rawOf(kind)) }

// Get returns the schema of a type (nil, nil when there is no such type).
func (s *Schema) Get(kind Kind, name string) (*TypeSchema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts, ok := s.decoded[kind][name]; ok {
		return ts, nil
	}
	raw, ok := s.rawOf(kind)[name]
	if !ok {
		return nil, nil
	}
	ts, err := decodeTypeSchema(name, raw)
	if err != nil {
		return nil, err
	}
	s.decoded[kind][name] = ts
	return ts, nil
}

// Provider returns the provider configuration's schema.
func (s *Schema) Provider() (*TypeSchema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider == nil {
		ts, err := decodeTypeSchema("provider", s.raw.Provider)
		if err != nil {
			return nil, err
		}
		s.provider = ts
	}
	return s.provider, nil
}

func decodeTypeSchema(name string, raw json.RawMessage) (*TypeSchema, error) {
	var js jsonTypeSchema
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &js); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return convertTypeSchema(name, &js)
}

func convertTypeSchema(name string, ts *jsonTypeSchema) (*TypeSchema, error) {
	if ts == nil || ts.Block == nil {
		return &TypeSchema{Block: &Block{Attributes: map[string]*Attribute{}, BlockTypes: map[string]*NestedBlock{}, Type: tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}}}, nil
	}
	b, err := convertBlock(name, ts.Block)
	if err != nil {
		return nil, err
	}
	return &TypeSchema{Version: ts.Version, Block: b}, nil
}

func convertBlock(path string, jb *jsonBlock) (*Block, error) {
	b := &Block{Attributes: map[string]*Attribute{}, BlockTypes: map[string]*NestedBlock{}}
	types := map[string]tftypes.Type{}
	for name, ja := range jb.Attributes {
		t, err := ParseType(ja.Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", path, name, err)
		}
		b.Attributes[name] = &Attribute{
			Name: name, Type: t, Required: ja.Required, Optional: ja.Optional,
			Computed: ja.Computed, Sensitive: ja.Sensitive, WriteOnly: ja.WriteOnly,
		}
		types[name] = t
	}
	for name, jbt := range jb.BlockTypes {
		if jbt.Block == nil {
			jbt.Block = &jsonBlock{}
		}
		nested, err := convertBlock(path+"."+name, jbt.Block)
		if err != nil {
			return nil, err
		}
		nb := &NestedBlock{Name: name, Nesting: jbt.NestingMode, Block: nested, MinItems: jbt.MinItems, MaxItems: jbt.MaxItems}
		switch jbt.NestingMode {
		case "single", "group":
			nb.Type = nested.Type
		case "list":
			nb.Type = tftypes.List{ElementType: nested.Type}
		case "set":
			nb.Type = tftypes.Set{ElementType: nested.Type}
		case "map":
			nb.Type = tftypes.Map{ElementType: nested.Type}
		default:
			return nil, fmt.Errorf("%s.%s: unknown nesting mode %q", path, name, jbt.NestingMode)
		}
		if _, dup := types[name]; dup {
			return nil, fmt.Errorf("%s.%s: both an attribute and a block", path, name)
		}
		b.BlockTypes[name] = nb
		types[name] = nb.Type
	}
	b.Type = tftypes.Object{AttributeTypes: types}
	return b, nil
}

// ParseType reads a cty JSON type ("string", ["list","string"], ["object",{...}], ...).
func ParseType(raw json.RawMessage) (tftypes.Type, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch s {
		case "string":
			return tftypes.String, nil
		case "number":
			return tftypes.Number, nil
		case "bool":
			return tftypes.Bool, nil
		case "dynamic":
			return tftypes.DynamicPseudoType, nil
		}
		return nil, fmt.Errorf("unknown primitive type %q", s)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 {
		return nil, fmt.Errorf("invalid type %s", string(raw))
	}
	var kind string
	if err := json.Unmarshal(parts[0], &kind); err != nil {
		return nil, fmt.Errorf("invalid type %s", string(raw))
	}
	switch kind {
	case "list", "set", "map":
		elem, err := ParseType(parts[1])
		if err != nil {
			return nil, err
		}
		switch kind {
		case "list":
			return tftypes.List{ElementType: elem}, nil
		case "set":
			return tftypes.Set{ElementType: elem}, nil
		default:
			return tftypes.Map{ElementType: elem}, nil
		}
	case "object":
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(parts[1], &attrs); err != nil {
			return nil, fmt.Errorf("invalid object type %s", string(raw))
		}
		types := map[string]tftypes.Type{}
		for name, at := range attrs {
			t, err := ParseType(at)
			if err != nil {
				return nil, err
			}
			types[name] = t
		}
		obj := tftypes.Object{AttributeTypes: types}
		if len(parts) > 2 {
			var optional []string
			if err := json.Unmarshal(parts[2], &optional); err == nil && len(optional) > 0 {
				obj.OptionalAttributes = map[string]struct{}{}
				for _, o := range optional {
					obj.OptionalAttributes[o] = struct{}{}
				}
			}
		}
		return obj, nil
	case "tuple":
		var elems []json.RawMessage
		if err := json.Unmarshal(parts[1], &elems); err != nil {
			return nil, fmt.Errorf("invalid tuple type %s", string(raw))
		}
		types := make([]tftypes.Type, 0, len(elems))
		for _, e := range elems {
			t, err := ParseType(e)
			if err != nil {
				return nil, err
			}
			types = append(types, t)
		}
		return tftypes.Tuple{ElementTypes: types}, nil
	}
	return nil, fmt.Errorf("unknown type kind %q", kind)
}

// Proto converts a parsed schema to the protocol's form.
func (ts *TypeSchema) Proto() *tfprotov5.Schema {
	return &tfprotov5.Schema{Version: ts.Version, Block: ts.Block.proto()}
}

func (b *Block) proto() *tfprotov5.SchemaBlock {
	pb := &tfprotov5.SchemaBlock{}
	for _, name := range sortedKeys(b.Attributes) {
		a := b.Attributes[name]
		pb.Attributes = append(pb.Attributes, &tfprotov5.SchemaAttribute{
			Name: a.Name, Type: a.Type, Required: a.Required, Optional: a.Optional,
			Computed: a.Computed, Sensitive: a.Sensitive, WriteOnly: a.WriteOnly,
		})
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		var nesting tfprotov5.SchemaNestedBlockNestingMode
		switch nb.Nesting {
		case "single":
			nesting = tfprotov5.SchemaNestedBlockNestingModeSingle
		case "group":
			nesting = tfprotov5.SchemaNestedBlockNestingModeGroup
		case "list":
			nesting = tfprotov5.SchemaNestedBlockNestingModeList
		case "set":
			nesting = tfprotov5.SchemaNestedBlockNestingModeSet
		case "map":
			nesting = tfprotov5.SchemaNestedBlockNestingModeMap
		}
		pb.BlockTypes = append(pb.BlockTypes, &tfprotov5.SchemaNestedBlock{
			TypeName: name, Block: nb.Block.proto(), Nesting: nesting,
			MinItems: nb.MinItems, MaxItems: nb.MaxItems,
		})
	}
	return pb
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
