"""The audit's engine on plain layer results: suppressions, baselines, exit decisions, SARIF, controls."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from mskctl.audit.controls import Status, matrix
from mskctl.audit.engine import AuditRequest, run_audit
from mskctl.audit.model import Finding, InlineIgnore, Layer, LayerResult, Location, Severity
from mskctl.audit.rules import CHECKLIST, RULES, rule
from mskctl.audit.sarif import to_sarif
from mskctl.errors import UsageError

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
TODAY = date(2026, 11, 25)
TF = "terraform/environments/dev/main.tf"


def aws_result() -> LayerResult:
    result = LayerResult(Layer.aws)
    result.checked |= {"in-cluster-encryption-off", "public-access", "broker-logs-off"}
    result.add(Finding(rule("enhanced-monitoring-low"), Layer.aws,
                       Location(arn="arn:aws:kafka:eu-west-1:123456789012:cluster/dev/abc", name="dev"),
                       "enhanced monitoring is DEFAULT"))
    return result


def live_result() -> LayerResult:
    result = LayerResult(Layer.live)
    result.add(Finding(rule("acl-any-principal"), Layer.live, Location(
        name="kafka://dev/acl/User:*/TOPIC:LITERAL:orders"), "User:* may READ orders"))
    result.add(Finding(rule("topic-without-acls"), Layer.live, Location(name="kafka://dev/topic/payments"),
                       "payments has no ACLs"))
    return result


def tf_result(ignores: list[InlineIgnore] | None = None) -> LayerResult:
    result = LayerResult(Layer.terraform, ignores=ignores or [])
    result.add(Finding(rule("public-access"), Layer.terraform,
                       Location(file=TF, line=12, name="aws_msk_cluster.main"), "public_access.type is "
                       "SERVICE_PROVIDED_EIPS"))
    result.add(Finding(rule("open-monitoring-off"), Layer.terraform,
                       Location(file=TF, line=3, name="aws_msk_cluster.main"), "no open_monitoring block"))
    return result


def audit(*results: LayerResult, baseline: Path | None = None):
    by_layer = {r.layer: r for r in results}
    request = AuditRequest(terraform=[Path("terraform")] if Layer.terraform in by_layer else [],
                           aws=Layer.aws in by_layer, live=Layer.live in by_layer, baseline=baseline)
    return run_audit(request, aws=lambda arns: by_layer[Layer.aws], live=lambda: by_layer[Layer.live],
                     terraform=lambda roots, plan: by_layer[Layer.terraform], today=TODAY)


def test_findings_sorted_by_severity_and_the_threshold_decides_failure():
    report = audit(aws_result(), live_result())
    assert [f.rule.id for f in report.findings] == ["acl-any-principal", "topic-without-acls",
                                                    "enhanced-monitoring-low"]
    assert len(report.failing(Severity.medium)) == 2
    assert len(report.failing(Severity.high)) == 1
    assert len(report.failing(Severity.critical)) == 0
    assert len(report.failing(Severity.low)) == 3


def test_inline_ignore_covers_its_line_and_the_next_one_only_for_its_rule():
    ignores = [InlineIgnore("public-access", "internal test cluster behind a VPN", TF, 11),
               InlineIgnore("broker-logs-off", "wrong rule for line 3", TF, 2)]
    report = audit(tf_result(ignores))
    by_rule = {f.rule.id: f for f in report.findings}
    assert by_rule["public-access"].suppressed is not None
    assert by_rule["public-access"].suppressed.source == f"{TF}:11"
    assert by_rule["open-monitoring-off"].suppressed is None
    assert [f.rule.id for f in report.active] == ["open-monitoring-off"]


def test_an_ignore_without_reason_or_for_an_unknown_rule_suppresses_nothing_and_is_reported():
    ignores = [InlineIgnore("public-access", "", TF, 12), InlineIgnore("no-such-rule", "because", TF, 2)]
    report = audit(tf_result(ignores))
    rules = sorted(f.rule.id for f in report.active)
    assert rules == ["open-monitoring-off", "public-access", "suppression-unknown-rule",
                     "suppression-without-reason"]
    reasonless = next(f for f in report.active if f.rule.id == "suppression-without-reason")
    assert (reasonless.location.file, reasonless.location.line) == (TF, 12)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baseline.yaml"
    path.write_text(text)
    return path


def test_baseline_entries_suppress_by_rule_and_glob_and_expired_or_reasonless_ones_are_findings(tmp_path):
    baseline = write(tmp_path, """\
version: 1
accepted:
  - rule: enhanced-monitoring-low
    where: "arn:aws:kafka:*:cluster/dev/*"
    reason: dev cluster, per-broker metrics are enough
    expires: 2027-01-31
  - rule: topic-without-acls
    where: kafka://dev/topic/*
    reason: migrated last year
    expires: 2026-01-01
  - rule: acl-any-principal
    where: "*"
    expires: 2027-01-31
  - rule: public-access
    where: "nowhere/*"
    reason: stale entry
    expires: 2027-01-31
""")
    report = audit(aws_result(), live_result(), baseline=baseline)
    by_rule = {f.rule.id: f for f in report.findings}
    assert by_rule["enhanced-monitoring-low"].suppressed.source == f"{baseline}:3"
    assert by_rule["enhanced-monitoring-low"].suppressed.expires == date(2027, 1, 31)
    assert by_rule["topic-without-acls"].suppressed is None  # expired
    assert by_rule["acl-any-principal"].suppressed is None  # no reason
    expired = by_rule["suppression-expired"]
    assert expired.location.file == str(baseline) and expired.location.line == 7
    assert by_rule["suppression-without-reason"].location.line == 11
    assert report.unused_baseline == [f"{baseline}:14: public-access at 'nowhere/*'"]


@pytest.mark.parametrize(("text", "expected"), [
    ("accepted:\n  - rule: public-access\n    reason: x\n", "baseline.yaml:2: accepted.0.expires: Field required"),
    ("accepted:\n  - rule: public-access\n    reason: x\n    expires: soon\n", "baseline.yaml:4: accepted.0.expires"),
    ("accepted:\n  - rule: public-access\n    reason: x\n    expires: 2027-01-01\n    owner: me\n",
     "baseline.yaml:5: accepted.0.owner: Extra inputs are not permitted"),
    ("accepted: [\n", "baseline.yaml:2: not valid YAML"),
])
def test_a_malformed_baseline_is_a_usage_error_naming_the_line(tmp_path, text, expected):
    with pytest.raises(UsageError) as error:
        audit(aws_result(), baseline=write(tmp_path, text))
    assert expected in error.value.message


def test_sarif_is_valid_2_1_0_with_physical_and_logical_locations_and_suppressions(tmp_path):
    ignores = [InlineIgnore("public-access", "internal test cluster", TF, 11)]
    report = audit(tf_result(ignores), aws_result(), live_result())
    sarif = to_sarif(report, root=tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(RULES)
    results = {r["ruleId"]: r for r in run["results"]}
    physical = results["open-monitoring-off"]["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": TF, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 3}}
    assert results["acl-any-principal"]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == \
        "kafka://dev/acl/User:*/TOPIC:LITERAL:orders"
    assert results["acl-any-principal"]["level"] == "error"
    assert results["topic-without-acls"]["level"] == "warning"
    assert results["enhanced-monitoring-low"]["level"] == "note"
    assert results["public-access"]["suppressions"][0]["kind"] == "inSource"
    assert results["public-access"]["suppressions"][0]["justification"] == "internal test cluster"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_fingerprints_survive_line_moves():
    first = to_sarif(audit(tf_result()))["runs"][0]["results"]
    moved = tf_result()
    moved.findings[0] = Finding(moved.findings[0].rule, Layer.terraform,
                                Location(file=TF, line=40, name="aws_msk_cluster.main"), "moved")
    second = to_sarif(audit(moved))["runs"][0]["results"]
    assert {r["partialFingerprints"]["mskctlFinding/v1"] for r in first} == \
        {r["partialFingerprints"]["mskctlFinding/v1"] for r in second}


def test_sarif_fingerprints_differ_when_rule_layer_or_location_differ():
    terraform = LayerResult(Layer.terraform)
    main = Location(file=TF, line=12, name="aws_msk_cluster.main")
    terraform.add(Finding(rule("public-access"), Layer.terraform, main, "public"))
    terraform.add(Finding(rule("open-monitoring-off"), Layer.terraform, main, "same place, other rule"))
    terraform.add(Finding(rule("public-access"), Layer.terraform,
                          Location(file=TF, line=12, name="aws_msk_cluster.other"), "same rule, other resource"))
    terraform.add(Finding(rule("public-access"), Layer.terraform,
                          Location(file="terraform/environments/prod/main.tf", line=12, name="aws_msk_cluster.main"),
                          "same rule and address, other file"))
    aws = LayerResult(Layer.aws)
    arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/dev/abc"
    aws.add(Finding(rule("public-access"), Layer.aws, Location(arn=arn, name="dev"), "same rule, deployed"))
    aws.add(Finding(rule("public-access"), Layer.aws, Location(arn=arn.replace("abc", "def"), name="dev"),
                    "same rule, other cluster"))
    results = to_sarif(audit(terraform, aws))["runs"][0]["results"]
    fingerprints = [r["partialFingerprints"]["mskctlFinding/v1"] for r in results]
    assert len(results) == 6
    assert len(set(fingerprints)) == 6


def test_controls_matrix_marks_fail_pass_and_not_checked_per_layer():
    controls = {c.item: c for c in matrix(audit(aws_result(), live_result()))}
    assert set(controls) == set(CHECKLIST)
    assert controls["002.5"].status[Layer.live] is Status.failed
    assert set(controls["002.5"].failing_rules[Layer.live]) == {"acl-any-principal", "topic-without-acls"}
    assert controls["002.7"].status[Layer.aws] is Status.passed  # public-access checked there, no finding
    assert controls["002.7"].status[Layer.terraform] is Status.not_checked
    assert controls["004.step6"].status[Layer.aws] is Status.failed
    assert controls["002.8"].status[Layer.aws] is Status.not_checked  # cloudtrail-off never evaluated here


def test_suppressed_findings_do_not_fail_the_controls():
    ignores = [InlineIgnore("public-access", "internal test cluster", TF, 11)]
    result = tf_result(ignores)
    result.checked.add("public-access")
    controls = {c.item: c for c in matrix(audit(result))}
    assert controls["002.7"].status[Layer.terraform] is Status.passed


def test_every_rule_maps_to_known_checklist_items_and_layers():
    for item in RULES.values():
        assert item.checklist and all(c in CHECKLIST for c in item.checklist), item.id
        assert item.layers and item.fix, item.id
    covered = {c for item in RULES.values() for c in item.checklist}
    assert covered == set(CHECKLIST)
    assert {c for item in RULES.values() for c in item.security_hub if c.startswith("MSK.")} == \
        {f"MSK.{n}" for n in range(1, 7)}


def test_sarif_results_rules_and_tool_say_exactly_what_code_scanning_reads(tmp_path):
    import hashlib
    from importlib.metadata import version

    where = "terraform/environments/stage/main.tf"
    terraform = LayerResult(Layer.terraform, ignores=[InlineIgnore("public-access", "behind a VPN", where, 11)])
    terraform.add(Finding(rule("public-access"), Layer.terraform,
                          Location(file=where, line=12, name="aws_msk_cluster.main"), "public"))
    baseline = write(tmp_path, "version: 1\naccepted:\n  - rule: enhanced-monitoring-low\n    where: \"*\"\n"
                               "    reason: dev\n    expires: 2027-01-31\n")
    run = to_sarif(audit(terraform, aws_result(), baseline=baseline), root=tmp_path)["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["semanticVersion"], driver["informationUri"]) == (
        "mskctl audit", version("mskctl"), "https://github.com/mskctl/mskctl/blob/main/docs/audit.md")
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    public, monitoring = run["results"]
    fix = rule("public-access").fix
    assert public == {
        "ruleId": "public-access", "ruleIndex": list(RULES).index("public-access"), "level": "error",
        "message": {"text": f"public. Fix: {fix}"},
        "partialFingerprints": {"mskctlFinding/v1": hashlib.sha256(
            f"public-access|terraform|{where}#aws_msk_cluster.main".encode()).hexdigest()[:32]},
        "properties": {"layer": "terraform", "severity": "high", "fix": fix},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": where, "uriBaseId": "%SRCROOT%"},
                                            "region": {"startLine": 12}},
                       "logicalLocations": [{"fullyQualifiedName": "aws_msk_cluster.main", "kind": "resource"}]}],
        "suppressions": [{"kind": "inSource", "status": "accepted", "justification": "behind a VPN",
                          "location": {"physicalLocation": {"artifactLocation": {"uri": where,
                                                                                 "uriBaseId": "%SRCROOT%"},
                                                            "region": {"startLine": 11}}}}],
    }
    assert monitoring["locations"] == [{"logicalLocations": [{"fullyQualifiedName": "dev", "kind": "resource"}]}]
    assert monitoring["properties"] == {"layer": "aws", "severity": "low", "fix": rule("enhanced-monitoring-low").fix}
    assert monitoring["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "dev",
                                           "location": {"physicalLocation": {"artifactLocation": {
                                               "uri": baseline.as_uri()}, "region": {"startLine": 3}}}}]


def test_sarif_rule_metadata_names_tags_severity_and_the_same_check_elsewhere():
    rules = {r["id"]: r for r in to_sarif(audit(tf_result()))["runs"][0]["tool"]["driver"]["rules"]}
    public = rules["public-access"]
    assert public["name"] == "PublicAccess"
    assert public["fullDescription"] == public["shortDescription"] == {
        "text": "Brokers are reachable from the internet"}
    assert public["help"]["text"] == f"{rule('public-access').fix} Checklist: 002.7: Public access disabled."
    assert public["help"]["markdown"].endswith(
        "**Checklist:** 002.7: Public access disabled\n\n**Same check in:** Security Hub MSK.4, checkov "
        "CKV_AWS_291, Prowler kafka_cluster_is_public")
    assert public["properties"] == {
        "tags": ["security", "msk", "kafka", "terraform", "aws"], "security-severity": "8.0", "severity": "high",
        "checklist": ["002.7"], "securityHub": ["MSK.4"], "checkov": ["CKV_AWS_291"],
        "prowler": ["kafka_cluster_is_public"]}
    with_help = next(r for r in RULES.values() if r.help)
    assert rules[with_help.id]["fullDescription"] == {"text": with_help.help}
    without_others = next(r for r in RULES.values() if not (r.security_hub or r.checkov or r.prowler))
    assert "Same check in" not in rules[without_others.id]["help"]["markdown"]
    assert {r["name"] for r in rules.values()} == {"".join(p.capitalize() for p in i.split("-")) for i in RULES}


def test_a_finding_as_json_names_rule_place_fix_mappings_and_its_suppression():
    from mskctl.audit.model import Suppression

    public = rule("public-access")
    finding = Finding(public, Layer.terraform, Location(file=TF, line=12, name="aws_msk_cluster.main"), "public",
                      suppressed=Suppression("behind a VPN", f"{TF}:11", date(2027, 1, 31)))
    assert finding.as_json() == {
        "rule": "public-access", "title": public.title, "severity": "high", "layer": "terraform",
        "location": {"file": TF, "line": 12, "name": "aws_msk_cluster.main"}, "message": "public",
        "fix": public.fix, "checklist": ["002.7"], "securityHub": ["MSK.4"], "checkov": ["CKV_AWS_291"],
        "prowler": ["kafka_cluster_is_public"],
        "suppressed": {"reason": "behind a VPN", "source": f"{TF}:11", "expires": "2027-01-31"}}
    arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/dev/abc"
    plain = Finding(public, Layer.aws, Location(arn=arn), "public", fix="turn it off")
    assert plain.as_json()["location"] == {"arn": arn} and plain.as_json()["fix"] == "turn it off"
    assert "suppressed" not in plain.as_json()
    forever = Finding(public, Layer.aws, Location(arn=arn), "x", suppressed=Suppression("ok", "b.yaml:3"))
    assert forever.as_json()["suppressed"]["expires"] is None


def test_locations_print_file_and_line_with_the_address_else_the_arn_or_name():
    assert str(Location(file=TF, line=12, name="aws_msk_cluster.main")) == f"{TF}:12 (aws_msk_cluster.main)"
    assert str(Location(file=TF)) == TF
    assert str(Location(file=TF, line=3)) == f"{TF}:3"
    assert str(Location(arn="arn:x", name="dev")) == "arn:x"
    assert str(Location(name="kafka://dev/topic/t")) == "kafka://dev/topic/t"
    assert str(Location()) == "-"
