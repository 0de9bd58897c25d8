package provider

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func testServer(t *testing.T) *Server {
	t.Helper()
	data, err := os.ReadFile("testdata/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchema(data)
	if err != nil {
		t.Fatal(err)
	}
	return NewServer(s)
}

func mustGet(t *testing.T, srv *Server, kind Kind, name string) *TypeSchema {
	t.Helper()
	ts, err := srv.schema.Get(kind, name)
	if err != nil || ts == nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ts
}

func dynamic(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov5.DynamicValue {
	t.Helper()
	dv, err := tfprotov5.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// object builds a value of block type with the given attributes set and the rest null.
func object(b *Block, set map[string]tftypes.Value) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for name, typ := range b.Type.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(typ, nil)
		}
	}
	return tftypes.NewValue(b.Type, vals)
}

func TestParseType(t *testing.T) {
	cases := map[string]tftypes.Type{
		`"string"`:                      tftypes.String,
		`"dynamic"`:                     tftypes.DynamicPseudoType,
		`["set","number"]`:              tftypes.Set{ElementType: tftypes.Number},
		`["map",["list","bool"]]`:       tftypes.Map{ElementType: tftypes.List{ElementType: tftypes.Bool}},
		`["object",{"a":"string"}]`:     tftypes.Object{AttributeTypes: map[string]tftypes.Type{"a": tftypes.String}},
		`["tuple",["string","number"]]`: tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.String, tftypes.Number}},
	}
	for in, want := range cases {
		got, err := ParseType(json.RawMessage(in))
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseType(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{`"strin"`, `["list"]`, `["frob","string"]`, `42`} {
		if _, err := ParseType(json.RawMessage(bad)); err == nil {
			t.Errorf("ParseType(%s) accepted", bad)
		}
	}
}

func TestSchemaIsServedWithItemCountsAndFlags(t *testing.T) {
	srv := testServer(t)
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov5.GetProviderSchemaRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	if !resp.ServerCapabilities.GetProviderSchemaOptional {
		t.Error("the schema has no side effect: GetProviderSchemaOptional should be on")
	}
	msk := resp.ResourceSchemas["aws_msk_cluster"].Block
	var bngi *tfprotov5.SchemaNestedBlock
	for _, b := range msk.BlockTypes {
		if b.TypeName == "broker_node_group_info" {
			bngi = b
		}
	}
	if bngi == nil || bngi.MinItems != 1 || bngi.MaxItems != 1 || bngi.Nesting != tfprotov5.SchemaNestedBlockNestingModeList {
		t.Fatalf("broker_node_group_info: %+v", bngi)
	}
	for _, a := range msk.Attributes {
		if a.Name == "secret" && !a.Sensitive {
			t.Error("secret should be sensitive")
		}
	}
	if len(resp.DataSourceSchemas) != 3 || resp.Provider == nil {
		t.Errorf("data sources %d, provider %v", len(resp.DataSourceSchemas), resp.Provider)
	}
}

func TestPlanMarksUnsetComputedAttributesUnknown(t *testing.T) {
	srv := testServer(t)
	ts := mustGet(t, srv, KindResource, "aws_msk_cluster")
	bngiType := ts.Block.BlockTypes["broker_node_group_info"].Block
	bngi := object(bngiType, map[string]tftypes.Value{
		"client_subnets": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str("subnet-a")}),
	})
	proposed := object(ts.Block, map[string]tftypes.Value{
		"cluster_name":           str("orders"),
		"broker_node_group_info": tftypes.NewValue(tftypes.List{ElementType: bngiType.Type}, []tftypes.Value{bngi}),
	})
	resp, err := srv.PlanResourceChange(context.Background(), &tfprotov5.PlanResourceChangeRequest{
		TypeName: "aws_msk_cluster", ProposedNewState: dynamic(t, ts.Block.Type, proposed),
		PriorState: dynamic(t, ts.Block.Type, tftypes.NewValue(ts.Block.Type, nil)),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	planned, err := resp.PlannedState.Unmarshal(ts.Block.Type)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	_ = planned.As(&m)
	for _, name := range []string{"arn", "id", "tags_all"} {
		if m[name].IsKnown() {
			t.Errorf("%s should be unknown, is %v", name, m[name])
		}
	}
	if !m["tags"].IsNull() || !m["secret"].IsNull() {
		t.Error("optional, non-computed attributes stay null")
	}
	var name string
	_ = m["cluster_name"].As(&name)
	if name != "orders" {
		t.Errorf("cluster_name = %q", name)
	}
	var blocks []tftypes.Value
	_ = m["broker_node_group_info"].As(&blocks)
	var inner map[string]tftypes.Value
	_ = blocks[0].As(&inner)
	if inner["az_distribution"].IsKnown() || !inner["client_subnets"].IsKnown() {
		t.Error("nested computed attributes are unknown, configured ones kept")
	}
}

func TestApplyIsRefused(t *testing.T) {
	srv := testServer(t)
	resp, _ := srv.ApplyResourceChange(context.Background(), &tfprotov5.ApplyResourceChangeRequest{TypeName: "aws_msk_cluster"})
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Severity != tfprotov5.DiagnosticSeverityError ||
		resp.Diagnostics[0].Summary != ApplyRefused {
		t.Fatalf("apply: %+v", resp.Diagnostics)
	}
}

func TestUnknownTypesAreErrors(t *testing.T) {
	srv := testServer(t)
	resp, _ := srv.ValidateResourceTypeConfig(context.Background(), &tfprotov5.ValidateResourceTypeConfigRequest{TypeName: "aws_nope"})
	if len(resp.Diagnostics) != 1 {
		t.Fatal("an unknown resource type must be an error")
	}
}

func readData(t *testing.T, srv *Server, typeName string, set map[string]tftypes.Value) map[string]tftypes.Value {
	t.Helper()
	ts := mustGet(t, srv, KindDataSource, typeName)
	resp, err := srv.ReadDataSource(context.Background(), &tfprotov5.ReadDataSourceRequest{
		TypeName: typeName, Config: dynamic(t, ts.Block.Type, object(ts.Block, set)),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	v, err := resp.State.Unmarshal(ts.Block.Type)
	if err != nil {
		t.Fatal(err)
	}
	if !v.IsFullyKnown() {
		t.Fatalf("%s: OpenTofu requires wholly known data source results: %v", typeName, v)
	}
	var m map[string]tftypes.Value
	_ = v.As(&m)
	return m
}

func TestDataSourcesAreWhollyKnownPlaceholders(t *testing.T) {
	srv := testServer(t)
	_, _ = srv.ConfigureProvider(context.Background(), &tfprotov5.ConfigureProviderRequest{
		Config: dynamic(t, mustProvider(t, srv).Block.Type, object(mustProvider(t, srv).Block, map[string]tftypes.Value{"region": str("eu-west-1")})),
	})
	me := readData(t, srv, "aws_caller_identity", nil)
	if getString(me, "account_id") != offlineAccountID || !strings.HasPrefix(getString(me, "arn"), "arn:aws:iam::") {
		t.Errorf("caller identity: %v", me)
	}
	vpc := readData(t, srv, "aws_vpc", map[string]tftypes.Value{"id": str("vpc-1")})
	if getString(vpc, "id") != "vpc-1" || getString(vpc, "cidr_block") != "10.0.0.0/16" || getString(vpc, "owner_id") != offlineAccountID {
		t.Errorf("vpc: %v", vpc)
	}
}

func mustProvider(t *testing.T, srv *Server) *TypeSchema {
	t.Helper()
	p, err := srv.schema.Provider()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyDocumentIsRendered(t *testing.T) {
	srv := testServer(t)
	ts := mustGet(t, srv, KindDataSource, "aws_iam_policy_document")
	st := ts.Block.BlockTypes["statement"].Block
	principals := st.BlockTypes["principals"].Block
	condition := st.BlockTypes["condition"].Block
	setOf := func(items ...string) tftypes.Value {
		return stringsValue(tftypes.Set{ElementType: tftypes.String}, items)
	}
	stmt := object(st, map[string]tftypes.Value{
		"sid":       str("Produce"),
		"actions":   setOf("kafka-cluster:WriteData", "kafka-cluster:Connect"),
		"resources": setOf("arn:aws:kafka:eu-west-1:123456789012:topic/orders/*/orders"),
		"principals": tftypes.NewValue(tftypes.Set{ElementType: principals.Type}, []tftypes.Value{
			object(principals, map[string]tftypes.Value{"type": str("AWS"), "identifiers": setOf("arn:aws:iam::123456789012:root")}),
		}),
		"condition": tftypes.NewValue(tftypes.Set{ElementType: condition.Type}, []tftypes.Value{
			object(condition, map[string]tftypes.Value{
				"test": str("Bool"), "variable": str("aws:SecureTransport"),
				"values": stringsValue(tftypes.List{ElementType: tftypes.String}, []string{"true"}),
			}),
		}),
	})
	source := `{"Version":"2012-10-17","Statement":[{"Sid":"Produce","Effect":"Deny","Action":"*","Resource":"*"},{"Sid":"Other","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	doc := readData(t, srv, "aws_iam_policy_document", map[string]tftypes.Value{
		"statement":               tftypes.NewValue(tftypes.List{ElementType: st.Type}, []tftypes.Value{stmt}),
		"source_policy_documents": stringsValue(tftypes.List{ElementType: tftypes.String}, []string{source}),
	})
	var parsed struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(getString(doc, "json")), &parsed); err != nil {
		t.Fatal(err, getString(doc, "json"))
	}
	if parsed.Version != "2012-10-17" || len(parsed.Statement) != 2 {
		t.Fatalf("document: %s", getString(doc, "json"))
	}
	produce := parsed.Statement[0] // replaced the source's statement with the same Sid, in place
	if produce["Sid"] != "Produce" || produce["Effect"] != "Allow" {
		t.Errorf("statement: %v", produce)
	}
	if actions, ok := produce["Action"].([]any); !ok || len(actions) != 2 || actions[0] != "kafka-cluster:Connect" {
		t.Errorf("actions: %v", produce["Action"])
	}
	if produce["Resource"] != "arn:aws:kafka:eu-west-1:123456789012:topic/orders/*/orders" {
		t.Errorf("resource: %v", produce["Resource"])
	}
	if p, ok := produce["Principal"].(map[string]any); !ok || p["AWS"] != "arn:aws:iam::123456789012:root" {
		t.Errorf("principal: %v", produce["Principal"])
	}
	if c, ok := produce["Condition"].(map[string]any); !ok || c["Bool"].(map[string]any)["aws:SecureTransport"] != "true" {
		t.Errorf("condition: %v", produce["Condition"])
	}
	if strings.Contains(getString(doc, "minified_json"), "\n") || getString(doc, "id") == "" {
		t.Errorf("minified %q id %q", getString(doc, "minified_json"), getString(doc, "id"))
	}
}
