package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// aws_iam_policy_document is computed locally by the real provider, and modules pass its `json`
// straight to policy arguments, so the offline provider renders it too (equivalent JSON, not
// guaranteed byte-identical to the real provider's).

type policyStatement struct {
	Sid          string                    `json:"Sid,omitempty"`
	Effect       string                    `json:"Effect,omitempty"`
	Action       any                       `json:"Action,omitempty"`
	NotAction    any                       `json:"NotAction,omitempty"`
	Resource     any                       `json:"Resource,omitempty"`
	NotResource  any                       `json:"NotResource,omitempty"`
	Principal    any                       `json:"Principal,omitempty"`
	NotPrincipal any                       `json:"NotPrincipal,omitempty"`
	Condition    map[string]map[string]any `json:"Condition,omitempty"`
}

type policyDocument struct {
	Version   string            `json:"Version,omitempty"`
	ID        string            `json:"Id,omitempty"`
	Statement []json.RawMessage `json:"Statement"`
}

// oneOrMany is a single string when there is one value, else the sorted list.
func oneOrMany(values []string) any {
	if len(values) == 0 {
		return nil
	}
	sorted := append([]string(nil), values...)
	sort.Strings(sorted)
	if len(sorted) == 1 {
		return sorted[0]
	}
	return sorted
}

func principalsValue(blocks []map[string]tftypes.Value) any {
	if len(blocks) == 0 {
		return nil
	}
	byType := map[string][]string{}
	for _, b := range blocks {
		t := getString(b, "type")
		byType[t] = append(byType[t], getStrings(b, "identifiers")...)
	}
	if ids, ok := byType["*"]; ok && len(byType) == 1 && len(ids) == 1 && ids[0] == "*" {
		return "*"
	}
	out := map[string]any{}
	for t, ids := range byType {
		out[t] = oneOrMany(ids)
	}
	return out
}

type sidStatement struct {
	sid string
	raw json.RawMessage
}

// statementsOf reads the Statement member of a policy JSON (an array or a single object).
func statementsOf(doc string) ([]sidStatement, error) {
	var d struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	trimmed := bytes.TrimSpace(d.Statement)
	switch {
	case len(trimmed) == 0 || string(trimmed) == "null":
	case trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, err
		}
	default:
		raws = []json.RawMessage{trimmed}
	}
	out := make([]sidStatement, 0, len(raws))
	for _, r := range raws {
		var s struct {
			Sid string `json:"Sid"`
		}
		_ = json.Unmarshal(r, &s)
		out = append(out, sidStatement{sid: s.Sid, raw: r})
	}
	return out, nil
}

// merge puts add into list: a statement with a Sid already present replaces it, others append.
func merge(list []sidStatement, add sidStatement) []sidStatement {
	if add.sid != "" {
		for i := range list {
			if list[i].sid == add.sid {
				list[i] = add
				return list
			}
		}
	}
	return append(list, add)
}

// renderPolicyDocument computes json, minified_json and id from the data source's config.
func renderPolicyDocument(cfg map[string]tftypes.Value) (pretty, minified, id string, err error) {
	var statements []sidStatement
	sources := getStrings(cfg, "source_policy_documents")
	if s := getString(cfg, "source_json"); s != "" {
		sources = append([]string{s}, sources...)
	}
	for _, src := range sources {
		sts, err := statementsOf(src)
		if err != nil {
			return "", "", "", fmt.Errorf("source policy document: %w", err)
		}
		for _, st := range sts {
			statements = merge(statements, st)
		}
	}
	for _, b := range getObjects(cfg, "statement") {
		st := policyStatement{
			Sid:         getString(b, "sid"),
			Effect:      getString(b, "effect"),
			Action:      oneOrMany(getStrings(b, "actions")),
			NotAction:   oneOrMany(getStrings(b, "not_actions")),
			Resource:    oneOrMany(getStrings(b, "resources")),
			NotResource: oneOrMany(getStrings(b, "not_resources")),
		}
		if st.Effect == "" {
			st.Effect = "Allow"
		}
		if p := principalsValue(getObjects(b, "principals")); p != nil {
			st.Principal = p
		}
		if p := principalsValue(getObjects(b, "not_principals")); p != nil {
			st.NotPrincipal = p
		}
		for _, c := range getObjects(b, "condition") {
			if st.Condition == nil {
				st.Condition = map[string]map[string]any{}
			}
			test, variable := getString(c, "test"), getString(c, "variable")
			if st.Condition[test] == nil {
				st.Condition[test] = map[string]any{}
			}
			values := getStrings(c, "values")
			if prev, ok := st.Condition[test][variable]; ok {
				switch pv := prev.(type) {
				case string:
					values = append(values, pv)
				case []string:
					values = append(values, pv...)
				}
			}
			st.Condition[test][variable] = oneOrMany(values)
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return "", "", "", err
		}
		statements = merge(statements, sidStatement{sid: st.Sid, raw: raw})
	}
	overrides := getStrings(cfg, "override_policy_documents")
	if s := getString(cfg, "override_json"); s != "" {
		overrides = append([]string{s}, overrides...)
	}
	for _, ov := range overrides {
		sts, err := statementsOf(ov)
		if err != nil {
			return "", "", "", fmt.Errorf("override policy document: %w", err)
		}
		for _, st := range sts {
			statements = merge(statements, st)
		}
	}
	doc := policyDocument{Version: getString(cfg, "version"), ID: getString(cfg, "policy_id")}
	if doc.Version == "" {
		doc.Version = "2012-10-17"
	}
	doc.Statement = make([]json.RawMessage, 0, len(statements))
	for _, st := range statements {
		doc.Statement = append(doc.Statement, st.raw)
	}
	compact, err := json.Marshal(doc)
	if err != nil {
		return "", "", "", err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", "  "); err != nil {
		return "", "", "", err
	}
	var small bytes.Buffer
	if err := json.Compact(&small, compact); err != nil {
		return "", "", "", err
	}
	return buf.String(), small.String(), fmt.Sprintf("%d", crc32.ChecksumIEEE(compact)), nil
}
