package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ApplyRefused is the summary of the error every apply gets.
const ApplyRefused = "schema-only offline provider: cannot apply"

// Server is a tfprotov5.ProviderServer that knows the AWS provider's schema and nothing else.
type Server struct {
	schema *Schema

	once  sync.Once
	proto *tfprotov5.GetProviderSchemaResponse

	mu     sync.Mutex
	region string

	offlineApply bool // MSKCTL_OFFLINE_APPLY=1
}

var _ tfprotov5.ProviderServer = (*Server)(nil)

// NewServer serves the given schema.
func NewServer(s *Schema) *Server {
	return &Server{schema: s, region: defaultRegion, offlineApply: os.Getenv(OfflineApplyEnv) == "1"}
}

func errDiag(summary, detail string) []*tfprotov5.Diagnostic {
	return []*tfprotov5.Diagnostic{{Severity: tfprotov5.DiagnosticSeverityError, Summary: summary, Detail: detail}}
}

func (s *Server) capabilities() *tfprotov5.ServerCapabilities {
	// GetProviderSchema has no side effect, so OpenTofu may serve every instance from its cache.
	return &tfprotov5.ServerCapabilities{PlanDestroy: true, GetProviderSchemaOptional: true}
}

// GetMetadata lists the types without building the schema.
func (s *Server) GetMetadata(_ context.Context, _ *tfprotov5.GetMetadataRequest) (*tfprotov5.GetMetadataResponse, error) {
	resp := &tfprotov5.GetMetadataResponse{ServerCapabilities: s.capabilities()}
	for _, name := range s.schema.Names(KindResource) {
		resp.Resources = append(resp.Resources, tfprotov5.ResourceMetadata{TypeName: name})
	}
	for _, name := range s.schema.Names(KindDataSource) {
		resp.DataSources = append(resp.DataSources, tfprotov5.DataSourceMetadata{TypeName: name})
	}
	for _, name := range s.schema.Names(KindEphemeral) {
		resp.EphemeralResources = append(resp.EphemeralResources, tfprotov5.EphemeralResourceMetadata{TypeName: name})
	}
	return resp, nil
}

// GetProviderSchema returns the whole schema (built once).
func (s *Server) GetProviderSchema(_ context.Context, _ *tfprotov5.GetProviderSchemaRequest) (*tfprotov5.GetProviderSchemaResponse, error) {
	s.once.Do(func() {
		resp := &tfprotov5.GetProviderSchemaResponse{
			ServerCapabilities:       s.capabilities(),
			ResourceSchemas:          map[string]*tfprotov5.Schema{},
			DataSourceSchemas:        map[string]*tfprotov5.Schema{},
			EphemeralResourceSchemas: map[string]*tfprotov5.Schema{},
			Functions:                map[string]*tfprotov5.Function{},
		}
		prov, err := s.schema.Provider()
		if err != nil {
			resp.Diagnostics = errDiag("Invalid offline schema", err.Error())
			s.proto = resp
			return
		}
		resp.Provider = prov.Proto()
		for kind, out := range map[Kind]map[string]*tfprotov5.Schema{
			KindResource: resp.ResourceSchemas, KindDataSource: resp.DataSourceSchemas,
			KindEphemeral: resp.EphemeralResourceSchemas,
		} {
			for _, name := range s.schema.Names(kind) {
				ts, err := s.schema.Get(kind, name)
				if err != nil {
					resp.Diagnostics = append(resp.Diagnostics, errDiag("Invalid offline schema", err.Error())...)
					continue
				}
				out[name] = ts.Proto()
			}
		}
		s.proto = resp
	})
	return s.proto, nil
}

// GetResourceIdentitySchemas: no identities are declared.
func (s *Server) GetResourceIdentitySchemas(_ context.Context, _ *tfprotov5.GetResourceIdentitySchemasRequest) (*tfprotov5.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov5.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov5.ResourceIdentitySchema{}}, nil
}

// PrepareProviderConfig accepts any configuration that matches the schema.
func (s *Server) PrepareProviderConfig(_ context.Context, req *tfprotov5.PrepareProviderConfigRequest) (*tfprotov5.PrepareProviderConfigResponse, error) {
	return &tfprotov5.PrepareProviderConfigResponse{PreparedConfig: req.Config}, nil
}

// ConfigureProvider remembers the region (for placeholder values); it never calls AWS.
func (s *Server) ConfigureProvider(_ context.Context, req *tfprotov5.ConfigureProviderRequest) (*tfprotov5.ConfigureProviderResponse, error) {
	prov, err := s.schema.Provider()
	if err != nil {
		return &tfprotov5.ConfigureProviderResponse{Diagnostics: errDiag("Invalid offline schema", err.Error())}, nil
	}
	if req.Config != nil {
		if v, err := req.Config.Unmarshal(prov.Block.Type); err == nil && v.IsKnown() && !v.IsNull() {
			var m map[string]tftypes.Value
			if v.As(&m) == nil {
				if r := getString(m, "region"); r != "" {
					s.mu.Lock()
					s.region = r
					s.mu.Unlock()
				}
			}
		}
	}
	return &tfprotov5.ConfigureProviderResponse{}, nil
}

// StopProvider has nothing to stop.
func (s *Server) StopProvider(_ context.Context, _ *tfprotov5.StopProviderRequest) (*tfprotov5.StopProviderResponse, error) {
	return &tfprotov5.StopProviderResponse{}, nil
}

func (s *Server) currentRegion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.region
}

// --- resources

func (s *Server) lookup(kind Kind, name string) (*TypeSchema, []*tfprotov5.Diagnostic) {
	ts, err := s.schema.Get(kind, name)
	if err != nil {
		return nil, errDiag("Invalid offline schema", err.Error())
	}
	if ts == nil {
		what := map[Kind]string{KindResource: "resource type", KindDataSource: "data source", KindEphemeral: "ephemeral resource"}[kind]
		return nil, errDiag("Unknown "+what, fmt.Sprintf("The offline AWS provider has no schema for %s %q.", what, name))
	}
	return ts, nil
}

func (s *Server) resource(name string) (*TypeSchema, []*tfprotov5.Diagnostic) {
	return s.lookup(KindResource, name)
}

// validate checks a configuration the way the real provider does before its own value
// validators (which are not known offline): OpenTofu has already checked it against the schema,
// but lets values for computed-only attributes through; the provider refuses them.
func (s *Server) validate(kind Kind, typeName string, config *tfprotov5.DynamicValue) []*tfprotov5.Diagnostic {
	ts, diags := s.lookup(kind, typeName)
	if diags != nil || config == nil {
		return diags
	}
	cfg, err := config.Unmarshal(ts.Block.Type)
	if err != nil {
		return errDiag("Cannot decode the configuration", err.Error())
	}
	return validateConfig(kind, ts.Block, cfg)
}

// ValidateResourceTypeConfig refuses values for computed-only attributes.
func (s *Server) ValidateResourceTypeConfig(_ context.Context, req *tfprotov5.ValidateResourceTypeConfigRequest) (*tfprotov5.ValidateResourceTypeConfigResponse, error) {
	return &tfprotov5.ValidateResourceTypeConfigResponse{Diagnostics: s.validate(KindResource, req.TypeName, req.Config)}, nil
}

// UpgradeResourceState decodes stored state with the current schema.
func (s *Server) UpgradeResourceState(_ context.Context, req *tfprotov5.UpgradeResourceStateRequest) (*tfprotov5.UpgradeResourceStateResponse, error) {
	ts, diags := s.resource(req.TypeName)
	if diags != nil {
		return &tfprotov5.UpgradeResourceStateResponse{Diagnostics: diags}, nil
	}
	if req.RawState == nil {
		dv, err := tfprotov5.NewDynamicValue(ts.Block.Type, tftypes.NewValue(ts.Block.Type, nil))
		if err != nil {
			return nil, err
		}
		return &tfprotov5.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
	}
	v, err := req.RawState.UnmarshalWithOpts(ts.Block.Type, tfprotov5.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		return &tfprotov5.UpgradeResourceStateResponse{Diagnostics: errDiag("Cannot read stored state", err.Error())}, nil
	}
	dv, err := tfprotov5.NewDynamicValue(ts.Block.Type, v)
	if err != nil {
		return nil, err
	}
	return &tfprotov5.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

// ReadResource cannot refresh anything: the prior state is returned as it is.
func (s *Server) ReadResource(_ context.Context, req *tfprotov5.ReadResourceRequest) (*tfprotov5.ReadResourceResponse, error) {
	return &tfprotov5.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange takes the proposed new state and marks every computed attribute that
// is still null as unknown ("known after apply").
func (s *Server) PlanResourceChange(_ context.Context, req *tfprotov5.PlanResourceChangeRequest) (*tfprotov5.PlanResourceChangeResponse, error) {
	ts, diags := s.resource(req.TypeName)
	if diags != nil {
		return &tfprotov5.PlanResourceChangeResponse{Diagnostics: diags}, nil
	}
	proposed, err := req.ProposedNewState.Unmarshal(ts.Block.Type)
	if err != nil {
		return &tfprotov5.PlanResourceChangeResponse{Diagnostics: errDiag("Cannot decode the proposed state", err.Error())}, nil
	}
	if proposed.IsNull() { // destroy
		return &tfprotov5.PlanResourceChangeResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}, nil
	}
	planned, err := walkComputed(ts.Block, proposed, "", unknownComputed)
	if err == nil {
		// write-only values (secret_string_wo, password_wo...) are sent to the provider, never planned
		planned, err = nullWriteOnly(ts.Block, planned)
	}
	if err != nil {
		return &tfprotov5.PlanResourceChangeResponse{Diagnostics: errDiag("Cannot plan", err.Error())}, nil
	}
	dv, err := tfprotov5.NewDynamicValue(ts.Block.Type, planned)
	if err != nil {
		return &tfprotov5.PlanResourceChangeResponse{Diagnostics: errDiag("Cannot encode the planned state", err.Error())}, nil
	}
	return &tfprotov5.PlanResourceChangeResponse{PlannedState: &dv, PlannedPrivate: req.PriorPrivate}, nil
}

// OfflineApplyEnv names the environment variable that lets ApplyResourceChange write a
// placeholder state instead of refusing (iac-check's secrets-in-state check: real OpenTofu writes
// the state file, nothing is created anywhere).
const OfflineApplyEnv = "MSKCTL_OFFLINE_APPLY"

// ApplyResourceChange refuses (this provider has no AWS client), unless MSKCTL_OFFLINE_APPLY=1:
// then the new state is the planned one with placeholders for what was unknown and null
// write-only attributes, as the real provider returns them.
func (s *Server) ApplyResourceChange(_ context.Context, req *tfprotov5.ApplyResourceChangeRequest) (*tfprotov5.ApplyResourceChangeResponse, error) {
	if s.offlineApply {
		return s.applyOffline(req)
	}
	return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: errDiag(ApplyRefused,
		fmt.Sprintf("%s is served by the offline AWS provider (terraform/tools/offline-provider), which only knows the schema. "+
			"Use it for init, validate, plan and test (with mock_provider); apply with the real hashicorp/aws provider.", req.TypeName))}, nil
}

func (s *Server) applyOffline(req *tfprotov5.ApplyResourceChangeRequest) (*tfprotov5.ApplyResourceChangeResponse, error) {
	ts, diags := s.resource(req.TypeName)
	if diags != nil {
		return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: diags}, nil
	}
	planned, err := req.PlannedState.Unmarshal(ts.Block.Type)
	if err != nil {
		return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: errDiag("Cannot decode the planned state", err.Error())}, nil
	}
	if planned.IsNull() { // destroy
		return &tfprotov5.ApplyResourceChangeResponse{NewState: req.PlannedState, Private: req.PlannedPrivate}, nil
	}
	newState, err := knownComputed(ts.Block, planned, placeholders{typeName: req.TypeName, region: s.currentRegion()})
	if err == nil {
		newState, err = nullWriteOnly(ts.Block, newState)
	}
	if err != nil {
		return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: errDiag("Cannot apply offline", err.Error())}, nil
	}
	dv, err := tfprotov5.NewDynamicValue(ts.Block.Type, newState)
	if err != nil {
		return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: errDiag("Cannot encode the new state", err.Error())}, nil
	}
	return &tfprotov5.ApplyResourceChangeResponse{NewState: &dv, Private: req.PlannedPrivate}, nil
}

// ImportResourceState refuses like apply.
func (s *Server) ImportResourceState(_ context.Context, req *tfprotov5.ImportResourceStateRequest) (*tfprotov5.ImportResourceStateResponse, error) {
	return &tfprotov5.ImportResourceStateResponse{Diagnostics: errDiag("schema-only offline provider: cannot import",
		fmt.Sprintf("%s %q cannot be read from AWS offline.", req.TypeName, req.ID))}, nil
}

// MoveResourceState is not supported (the capability is not advertised).
func (s *Server) MoveResourceState(_ context.Context, _ *tfprotov5.MoveResourceStateRequest) (*tfprotov5.MoveResourceStateResponse, error) {
	return &tfprotov5.MoveResourceStateResponse{Diagnostics: errDiag("schema-only offline provider: cannot move resource state", "")}, nil
}

// UpgradeResourceIdentity: no identities.
func (s *Server) UpgradeResourceIdentity(_ context.Context, _ *tfprotov5.UpgradeResourceIdentityRequest) (*tfprotov5.UpgradeResourceIdentityResponse, error) {
	return &tfprotov5.UpgradeResourceIdentityResponse{Diagnostics: errDiag("schema-only offline provider: no resource identities", "")}, nil
}

// GenerateResourceConfig is not supported (the capability is not advertised).
func (s *Server) GenerateResourceConfig(_ context.Context, _ *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{Diagnostics: errDiag("schema-only offline provider: cannot generate configuration", "")}, nil
}

// --- data sources

// ValidateDataSourceConfig refuses values for computed-only attributes (the SDK validates data
// sources like resources).
func (s *Server) ValidateDataSourceConfig(_ context.Context, req *tfprotov5.ValidateDataSourceConfigRequest) (*tfprotov5.ValidateDataSourceConfigResponse, error) {
	return &tfprotov5.ValidateDataSourceConfigResponse{Diagnostics: s.validate(KindDataSource, req.TypeName, req.Config)}, nil
}

// ReadDataSource returns the configuration with placeholders in the computed attributes
// (OpenTofu requires a wholly known result). A few data sources that are pure functions or
// describe the caller get meaningful values: aws_iam_policy_document renders its JSON,
// aws_region / aws_partition / aws_caller_identity / aws_availability_zones describe a fake
// account 123456789012 in the configured region.
func (s *Server) ReadDataSource(_ context.Context, req *tfprotov5.ReadDataSourceRequest) (*tfprotov5.ReadDataSourceResponse, error) {
	ts, diags := s.lookup(KindDataSource, req.TypeName)
	if diags != nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: diags}, nil
	}
	cfg, err := req.Config.Unmarshal(ts.Block.Type)
	if err != nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: errDiag("Cannot decode the configuration", err.Error())}, nil
	}
	state, diags := s.readData(req.TypeName, ts, cfg)
	if diags != nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: diags}, nil
	}
	dv, err := tfprotov5.NewDynamicValue(ts.Block.Type, state)
	if err != nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: errDiag("Cannot encode the data source state", err.Error())}, nil
	}
	return &tfprotov5.ReadDataSourceResponse{State: &dv}, nil
}

func (s *Server) readData(typeName string, ts *TypeSchema, cfg tftypes.Value) (tftypes.Value, []*tfprotov5.Diagnostic) {
	region := s.currentRegion()
	var obj map[string]tftypes.Value
	if err := cfg.As(&obj); err != nil {
		return cfg, errDiag("Cannot read the configuration", err.Error())
	}
	if r := getString(obj, "region"); r != "" {
		region = r
	}
	attrType := func(name string) tftypes.Type { return ts.Block.Attributes[name].Type }
	special := map[string]tftypes.Value{}
	str := func(name, v string) {
		if a, ok := ts.Block.Attributes[name]; ok && a.Computed {
			if cur, ok := obj[name]; !ok || cur.IsNull() {
				special[name] = tftypes.NewValue(tftypes.String, v)
			}
		}
	}
	list := func(name string, items []string) {
		if a, ok := ts.Block.Attributes[name]; ok && a.Computed {
			special[name] = stringsValue(attrType(name), items)
		}
	}
	switch typeName {
	case "aws_caller_identity":
		str("account_id", offlineAccountID)
		str("arn", "arn:aws:iam::"+offlineAccountID+":user/offline")
		str("user_id", "AIDAOFFLINEOFFLINEOFFL")
		str("id", offlineAccountID)
	case "aws_partition":
		str("partition", offlinePartition)
		str("dns_suffix", "amazonaws.com")
		str("reverse_dns_prefix", "com.amazonaws")
		str("id", offlinePartition)
	case "aws_region":
		name := getString(obj, "name")
		if name == "" {
			name = region
		}
		str("name", name)
		str("region", name)
		str("id", name)
		str("endpoint", "ec2."+name+".amazonaws.com")
		str("description", "offline region "+name)
	case "aws_availability_zones":
		exclude := map[string]bool{}
		for _, n := range getStrings(obj, "exclude_names") {
			exclude[n] = true
		}
		var names, ids []string
		for i, suffix := range []string{"a", "b", "c"} {
			n := region + suffix
			if exclude[n] {
				continue
			}
			names = append(names, n)
			ids = append(ids, fmt.Sprintf("%s-az%d", regionCode(region), i+1))
		}
		list("names", names)
		list("zone_ids", ids)
		list("group_names", []string{region})
		str("id", region)
		str("region", region)
	case "aws_iam_policy_document":
		pretty, minified, id, err := renderPolicyDocument(obj)
		if err != nil {
			return cfg, errDiag("Invalid policy document", err.Error())
		}
		str("json", pretty)
		str("minified_json", minified)
		str("id", id)
	case "aws_secretsmanager_random_password":
		n := getNumber(obj, "password_length", 32)
		if n <= 0 || n > 4096 {
			n = 32
		}
		str("random_password", strings.Repeat("Offline0", int(n/8)+1)[:n])
		str("id", "offline-random-password")
	case "aws_ssm_parameter":
		str("value", "offline-ssm-parameter-value")
		str("insecure_value", "offline-ssm-parameter-value")
		if t, ok := ts.Block.Attributes["version"]; ok && t.Computed {
			special["version"] = tftypes.NewValue(tftypes.Number, big.NewFloat(1))
		}
	}
	p := placeholders{typeName: typeName, region: region}
	out, err := walkComputed(ts.Block, cfg, "", func(path string, a *Attribute) (tftypes.Value, bool) {
		if v, ok := special[path]; ok {
			return v, true
		}
		return p.fill(path, a)
	})
	if err != nil {
		return cfg, errDiag("Cannot fill in the data source", err.Error())
	}
	return out, nil
}

// regionCode abbreviates a region the way zone IDs do (us-east-1 -> use1).
func regionCode(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region
	}
	dir := parts[1]
	short := map[string]string{"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
		"northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw"}[dir]
	if short == "" {
		short = dir[:1]
	}
	return parts[0] + short + parts[2]
}

// --- ephemeral resources

// ValidateEphemeralResourceConfig refuses values for read-only attributes (as the framework does).
func (s *Server) ValidateEphemeralResourceConfig(_ context.Context, req *tfprotov5.ValidateEphemeralResourceConfigRequest) (*tfprotov5.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov5.ValidateEphemeralResourceConfigResponse{Diagnostics: s.validate(KindEphemeral, req.TypeName, req.Config)}, nil
}

// OpenEphemeralResource returns placeholders, like a data source.
func (s *Server) OpenEphemeralResource(_ context.Context, req *tfprotov5.OpenEphemeralResourceRequest) (*tfprotov5.OpenEphemeralResourceResponse, error) {
	ts, diags := s.lookup(KindEphemeral, req.TypeName)
	if diags != nil {
		return &tfprotov5.OpenEphemeralResourceResponse{Diagnostics: diags}, nil
	}
	cfg, err := req.Config.Unmarshal(ts.Block.Type)
	if err != nil {
		return &tfprotov5.OpenEphemeralResourceResponse{Diagnostics: errDiag("Cannot decode the configuration", err.Error())}, nil
	}
	state, diags := s.readData(req.TypeName, ts, cfg)
	if diags != nil {
		return &tfprotov5.OpenEphemeralResourceResponse{Diagnostics: diags}, nil
	}
	dv, err := tfprotov5.NewDynamicValue(ts.Block.Type, state)
	if err != nil {
		return nil, err
	}
	return &tfprotov5.OpenEphemeralResourceResponse{Result: &dv}, nil
}

// RenewEphemeralResource has nothing to renew.
func (s *Server) RenewEphemeralResource(_ context.Context, _ *tfprotov5.RenewEphemeralResourceRequest) (*tfprotov5.RenewEphemeralResourceResponse, error) {
	return &tfprotov5.RenewEphemeralResourceResponse{}, nil
}

// CloseEphemeralResource has nothing to close.
func (s *Server) CloseEphemeralResource(_ context.Context, _ *tfprotov5.CloseEphemeralResourceRequest) (*tfprotov5.CloseEphemeralResourceResponse, error) {
	return &tfprotov5.CloseEphemeralResourceResponse{}, nil
}

// --- functions (the AWS provider's functions are not served)

// GetFunctions: none.
func (s *Server) GetFunctions(_ context.Context, _ *tfprotov5.GetFunctionsRequest) (*tfprotov5.GetFunctionsResponse, error) {
	return &tfprotov5.GetFunctionsResponse{Functions: map[string]*tfprotov5.Function{}}, nil
}

// CallFunction: none.
func (s *Server) CallFunction(_ context.Context, req *tfprotov5.CallFunctionRequest) (*tfprotov5.CallFunctionResponse, error) {
	return &tfprotov5.CallFunctionResponse{Error: &tfprotov5.FunctionError{Text: "the offline AWS provider has no function " + req.Name}}, nil
}

// MarshalSchemaSummary is a debugging aid: counts of the served types.
func (s *Server) MarshalSchemaSummary() string {
	b, _ := json.Marshal(map[string]int{
		"resources": len(s.schema.Names(KindResource)), "data_sources": len(s.schema.Names(KindDataSource)),
		"ephemeral_resources": len(s.schema.Names(KindEphemeral)),
	})
	return string(b)
}
