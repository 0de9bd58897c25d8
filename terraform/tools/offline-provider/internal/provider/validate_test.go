package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func mskConfig(t *testing.T, srv *Server, top map[string]tftypes.Value, nested map[string]tftypes.Value) (*TypeSchema, tftypes.Value) {
	t.Helper()
	ts := mustGet(t, srv, KindResource, "aws_msk_cluster")
	bngiType := ts.Block.BlockTypes["broker_node_group_info"].Block
	inner := map[string]tftypes.Value{
		"client_subnets": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str("subnet-a")}),
	}
	for k, v := range nested {
		inner[k] = v
	}
	set := map[string]tftypes.Value{
		"cluster_name":           str("orders"),
		"broker_node_group_info": tftypes.NewValue(tftypes.List{ElementType: bngiType.Type}, []tftypes.Value{object(bngiType, inner)}),
	}
	for k, v := range top {
		set[k] = v
	}
	return ts, object(ts.Block, set)
}

func validateResource(t *testing.T, srv *Server, ts *TypeSchema, typeName string, cfg tftypes.Value) []*tfprotov5.Diagnostic {
	t.Helper()
	resp, err := srv.ValidateResourceTypeConfig(context.Background(), &tfprotov5.ValidateResourceTypeConfigRequest{
		TypeName: typeName, Config: dynamic(t, ts.Block.Type, cfg),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

func TestComputedOnlyAttributeIsRefusedNamingIt(t *testing.T) {
	srv := testServer(t)
	ts, cfg := mskConfig(t, srv, map[string]tftypes.Value{"arn": str("arn:aws:kafka:eu-west-1:123456789012:cluster/orders/x")}, nil)
	diags := validateResource(t, srv, ts, "aws_msk_cluster", cfg)
	if len(diags) != 1 {
		t.Fatalf("want one error for arn, got %+v", diags)
	}
	d := diags[0]
	if d.Severity != tfprotov5.DiagnosticSeverityError || d.Summary != UnconfigurableSummary ||
		!strings.Contains(d.Detail, `Can't configure a value for "arn"`) {
		t.Errorf("diagnostic: %+v", d)
	}
	if !d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("arn")) {
		t.Errorf("attribute path: %v", d.Attribute)
	}
}

func TestComputedOnlyAttributeInNestedBlockIsRefused(t *testing.T) {
	srv := testServer(t)
	zones := tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str("use1-az1")})
	ts, cfg := mskConfig(t, srv, nil, map[string]tftypes.Value{"zone_ids": zones})
	diags := validateResource(t, srv, ts, "aws_msk_cluster", cfg)
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, `"broker_node_group_info.0.zone_ids"`) {
		t.Fatalf("want one error naming broker_node_group_info.0.zone_ids, got %+v", diags)
	}
	want := tftypes.NewAttributePath().WithAttributeName("broker_node_group_info").WithElementKeyInt(0).WithAttributeName("zone_ids")
	if !diags[0].Attribute.Equal(want) {
		t.Errorf("attribute path: %v", diags[0].Attribute)
	}
}

func TestUnknownValueForComputedOnlyAttributeIsRefused(t *testing.T) {
	// the SDK counts an unknown value (from a not-yet-known expression) as set
	srv := testServer(t)
	ts, cfg := mskConfig(t, srv, map[string]tftypes.Value{"arn": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}, nil)
	if diags := validateResource(t, srv, ts, "aws_msk_cluster", cfg); len(diags) != 1 {
		t.Fatalf("want one error, got %+v", diags)
	}
}

func TestConfigurableAttributesAreAccepted(t *testing.T) {
	srv := testServer(t)
	// id and az_distribution are optional+computed, tags optional: all configurable
	ts, cfg := mskConfig(t, srv,
		map[string]tftypes.Value{"id": str("x"), "tags": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"a": str("b")})},
		map[string]tftypes.Value{"az_distribution": str("DEFAULT")})
	if diags := validateResource(t, srv, ts, "aws_msk_cluster", cfg); len(diags) != 0 {
		t.Fatalf("configurable attributes refused: %+v", diags)
	}
}

func TestDataSourceAndEphemeralComputedOnlyAttributesAreRefused(t *testing.T) {
	srv := testServer(t)
	ds := mustGet(t, srv, KindDataSource, "aws_caller_identity")
	dresp, _ := srv.ValidateDataSourceConfig(context.Background(), &tfprotov5.ValidateDataSourceConfigRequest{
		TypeName: "aws_caller_identity", Config: dynamic(t, ds.Block.Type, object(ds.Block, map[string]tftypes.Value{"account_id": str("1")})),
	})
	if len(dresp.Diagnostics) != 1 || dresp.Diagnostics[0].Summary != UnconfigurableSummary {
		t.Errorf("data source: %+v", dresp.Diagnostics)
	}
	eph := mustGet(t, srv, KindEphemeral, "aws_secretsmanager_random_password")
	eresp, _ := srv.ValidateEphemeralResourceConfig(context.Background(), &tfprotov5.ValidateEphemeralResourceConfigRequest{
		TypeName: "aws_secretsmanager_random_password", Config: dynamic(t, eph.Block.Type, object(eph.Block, map[string]tftypes.Value{"random_password": str("x")})),
	})
	if len(eresp.Diagnostics) != 1 || eresp.Diagnostics[0].Summary != ReadOnlySummary {
		t.Errorf("ephemeral resource: %+v", eresp.Diagnostics)
	}
}

func secretVersion(t *testing.T, srv *Server) (*TypeSchema, tftypes.Value) {
	t.Helper()
	ts := mustGet(t, srv, KindResource, "aws_secretsmanager_secret_version")
	return ts, object(ts.Block, map[string]tftypes.Value{
		"secret_id":                str("AmazonMSK_alice"),
		"secret_string_wo":         str(`{"username":"alice","password":"Sup3rSecretValue"}`),
		"secret_string_wo_version": tftypes.NewValue(tftypes.Number, 1),
	})
}

func attrs(t *testing.T, typ tftypes.Type, dv *tfprotov5.DynamicValue) map[string]tftypes.Value {
	t.Helper()
	v, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteOnlyValuesAreNeverPlanned(t *testing.T) {
	srv := testServer(t)
	ts, cfg := secretVersion(t, srv)
	resp, err := srv.PlanResourceChange(context.Background(), &tfprotov5.PlanResourceChangeRequest{
		TypeName: "aws_secretsmanager_secret_version", Config: dynamic(t, ts.Block.Type, cfg),
		ProposedNewState: dynamic(t, ts.Block.Type, cfg),
		PriorState:       dynamic(t, ts.Block.Type, tftypes.NewValue(ts.Block.Type, nil)),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	m := attrs(t, ts.Block.Type, resp.PlannedState)
	if !m["secret_string_wo"].IsNull() {
		t.Errorf("secret_string_wo planned as %v; a write-only value must be null in the plan", m["secret_string_wo"])
	}
	if m["secret_string_wo_version"].IsNull() || m["version_id"].IsKnown() {
		t.Errorf("the version is planned, computed attributes unknown: %v", m)
	}
}

func TestApplyOfflineWritesPlaceholdersAndNoWriteOnlyValue(t *testing.T) {
	srv := testServer(t)
	srv.offlineApply = true
	ts, cfg := secretVersion(t, srv)
	plan, _ := srv.PlanResourceChange(context.Background(), &tfprotov5.PlanResourceChangeRequest{
		TypeName: "aws_secretsmanager_secret_version", Config: dynamic(t, ts.Block.Type, cfg),
		ProposedNewState: dynamic(t, ts.Block.Type, cfg),
		PriorState:       dynamic(t, ts.Block.Type, tftypes.NewValue(ts.Block.Type, nil)),
	})
	resp, err := srv.ApplyResourceChange(context.Background(), &tfprotov5.ApplyResourceChangeRequest{
		TypeName: "aws_secretsmanager_secret_version", Config: dynamic(t, ts.Block.Type, cfg),
		PlannedState: plan.PlannedState, PriorState: dynamic(t, ts.Block.Type, tftypes.NewValue(ts.Block.Type, nil)),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	v, _ := resp.NewState.Unmarshal(ts.Block.Type)
	if !v.IsFullyKnown() {
		t.Fatalf("new state must be wholly known: %v", v)
	}
	m := attrs(t, ts.Block.Type, resp.NewState)
	if !m["secret_string_wo"].IsNull() || !strings.HasPrefix(getString(m, "arn"), "arn:aws:secretsmanager:") {
		t.Errorf("new state: %v", m)
	}
	srv.offlineApply = false
	refused, _ := srv.ApplyResourceChange(context.Background(), &tfprotov5.ApplyResourceChangeRequest{TypeName: "aws_secretsmanager_secret_version"})
	if len(refused.Diagnostics) != 1 || refused.Diagnostics[0].Summary != ApplyRefused {
		t.Errorf("without %s apply must refuse: %+v", OfflineApplyEnv, refused.Diagnostics)
	}
}

func TestEphemeralRandomPasswordIsServed(t *testing.T) {
	srv := testServer(t)
	eph := mustGet(t, srv, KindEphemeral, "aws_secretsmanager_random_password")
	resp, err := srv.OpenEphemeralResource(context.Background(), &tfprotov5.OpenEphemeralResourceRequest{
		TypeName: "aws_secretsmanager_random_password",
		Config:   dynamic(t, eph.Block.Type, object(eph.Block, map[string]tftypes.Value{"password_length": tftypes.NewValue(tftypes.Number, 24)})),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	if p := getString(attrs(t, eph.Block.Type, resp.Result), "random_password"); len(p) != 24 {
		t.Errorf("random_password %q: want 24 characters", p)
	}
}
