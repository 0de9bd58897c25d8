"""`mskctl audit` as a command: exit codes, outputs and the docs' rule table (no servers needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from mskctl.audit.render import rules_markdown
from mskctl.audit.rules import RULES
from mskctl.errors import ExitCode

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "audit" / "terraform"
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mskctl.cli.main", "audit", *args], capture_output=True,
                          text=True, cwd=cwd)


def clean(out: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr


def test_insecure_terraform_fails_with_exit_1_and_sarif_validates():
    out = run("--terraform", str(FIXTURES / "insecure"), "-o", "sarif")
    clean(out)
    assert out.returncode == 1
    sarif = json.loads(out.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"client-broker-plaintext", "public-access", "unauthenticated-access"}
    for result in results:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].startswith("tests/fixtures/audit/terraform/insecure/")
        assert physical["region"]["startLine"] >= 1


def test_fail_on_sets_the_threshold():
    assert run("--terraform", str(FIXTURES / "insecure"), "--fail-on", "critical", "-o", "json").returncode == 1
    secure = run("--terraform", str(FIXTURES / "secure"), "--fail-on", "low", "-o", "json")
    clean(secure)
    assert secure.returncode == 0, secure.stdout
    assert json.loads(secure.stdout)["summary"]["findings"] == 0


def test_json_output_lists_findings_layers_and_controls():
    out = run("--terraform", str(FIXTURES / "insecure"), "-o", "json", "--controls")
    data = json.loads(out.stdout)
    assert data["summary"]["layers"] == ["terraform"]
    assert data["layers"]["terraform"]["checked"]
    finding = next(f for f in data["findings"] if f["rule"] == "public-access")
    assert finding["location"]["file"].endswith(".tf") and finding["location"]["line"] >= 1
    assert finding["securityHub"] == ["MSK.4"] and finding["fix"]
    control = next(c for c in data["controls"] if c["item"] == "002.7")
    assert control["layers"]["terraform"]["status"] == "fail"
    assert control["layers"]["live"]["status"] == "not checked"


def test_a_baseline_suppresses_and_write_baseline_round_trips(tmp_path):
    baseline = tmp_path / "accepted.yaml"
    written = run("--terraform", str(FIXTURES / "insecure"), "--write-baseline", str(baseline), "--reason",
                  "known lab setup", "--expires", "2099-01-01", "-o", "json")
    clean(written)
    assert baseline.exists() and "known lab setup" in baseline.read_text()
    out = run("--terraform", str(FIXTURES / "insecure"), "--baseline", str(baseline), "-o", "json")
    clean(out)
    assert out.returncode == 0, out.stdout
    data = json.loads(out.stdout)
    assert data["summary"]["findings"] == 0 and data["summary"]["suppressed"] > 0


@pytest.mark.parametrize(("args", "message"), [
    (["--terraform", "no/such/dir"], "no/such/dir"),
    (["--baseline", "no-such-baseline.yaml", "--terraform", "terraform"], "Cannot read the baseline"),
    (["--write-baseline", "x.yaml", "--terraform", "terraform"], "needs --reason"),
    (["--write-baseline", "x.yaml", "--reason", "r", "--expires", "soon", "--terraform", "terraform"],
     "is not a date"),
    (["--output", "xml"], "Invalid value for '--output'"),
    (["--fail-on", "severe"], "Invalid value for '--fail-on'"),
])
def test_usage_errors_exit_64_never_1_which_means_findings(args, message):
    out = run(*args)
    clean(out)
    assert out.returncode == ExitCode.USAGE
    assert message in out.stderr


def test_a_malformed_baseline_names_its_line(tmp_path):
    bad = tmp_path / "b.yaml"
    bad.write_text("version: 1\naccepted:\n  - rule: public-access\n    reason: r\n")
    out = run("--terraform", str(FIXTURES / "secure"), "--baseline", str(bad))
    clean(out)
    assert out.returncode == ExitCode.DATA
    assert f"{bad}:3: accepted.0.expires" in out.stderr


def test_a_missing_ca_bundle_for_the_live_layer_is_a_configuration_error_not_a_traceback(tmp_path):
    out = run("--live", "--bootstrap-servers", "127.0.0.1:1", "--auth", "tls", "--ca-bundle", str(tmp_path / "none"))
    clean(out)
    assert out.returncode == ExitCode.CONFIG and "CA bundle" in out.stderr


def test_rules_json_lists_every_rule():
    out = run("--rules", "-o", "json")
    assert [r["id"] for r in json.loads(out.stdout)] == list(RULES)


def test_docs_rule_table_is_current():
    text = (ROOT / "docs" / "audit.md").read_text()
    start = text.index("<!-- rules:start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- rules:end -->")
    assert text[start:end] == rules_markdown(), "regenerate the table: python -m mskctl.audit.render docs/audit.md"


def test_table_output_is_blocks_in_narrow_terminals_and_a_table_in_wide_ones():
    import os

    args = [sys.executable, "-m", "mskctl.cli.main", "audit", "--terraform", str(FIXTURES / "insecure")]
    narrow = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=os.environ | {"COLUMNS": "80"})
    wide = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=os.environ | {"COLUMNS": "220"})
    assert "fix: Set client_authentication.unauthenticated = false" in narrow.stdout
    assert "┃ severity" in wide.stdout and "fix: " not in wide.stdout
    for out in (narrow, wide):
        assert out.returncode == 1 and "finding(s)" in out.stdout


def test_the_aws_layer_needs_a_region_and_credentials_not_brokers(tmp_path):
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MSK_"))}
    base |= {"MSKCTL_CONFIG": str(tmp_path / "none.toml"), "AWS_CONFIG_FILE": str(tmp_path / "none"),
             "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}
    args = [sys.executable, "-m", "mskctl.cli.main", "audit", "--aws"]
    no_region = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=base)
    no_credentials = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path,
                                    env=base | {"AWS_REGION": "eu-west-1"})
    for out in (no_region, no_credentials):
        clean(out)
        assert out.returncode == ExitCode.CONFIG and "bootstrap" not in out.stderr
    assert "No AWS region" in no_region.stderr
    assert "kafka:ListClustersV2" in no_credentials.stderr and "credentials" in no_credentials.stderr
