"""`mskctl protect ...` as a user runs it, against the moto server through AWS_ENDPOINT_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mskctl.errors import ExitCode
from mskctl.protect import json_schema
from tests.unit.test_protect_helpers import ADMIN, REGION, Aws, aws_fixture, moto_endpoint_fixture  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "protect"


def run(*args: str, endpoint: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MSK_"))}
    env |= {"AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": ADMIN[0], "AWS_SECRET_ACCESS_KEY": ADMIN[1],
            "MSKCTL_CONFIG": "/nonexistent/mskctl.toml", "COLUMNS": "200"}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True, text=True, env=env,
                          cwd=cwd)


def write_policy(aws: Aws, tmp_path: Path) -> Path:
    text = (EXAMPLE / "orders-policy.yaml").read_text()
    text = text.replace("alias/orders-pii-hmac", aws.hmac).replace("alias/orders-pii", aws.cmk)
    text = text.replace("mskctl-protect-subjects", aws.table)
    (tmp_path / "order.avsc").write_text((EXAMPLE / "order.avsc").read_text())
    policy = tmp_path / "policy.yaml"
    policy.write_text(text)
    return policy


def test_schema_prints_the_published_json_schema():
    out = run("protect", "schema")
    assert out.returncode == 0 and json.loads(out.stdout) == json_schema()


def test_check_offline_shows_the_protected_record_and_a_clean_round_trip():
    out = run("protect", "check", str(EXAMPLE / "orders-policy.yaml"), str(EXAMPLE / "sample-order.json"),
              "--topic", "orders", "--offline")
    assert out.returncode == 0, out.stderr
    assert "decrypting back: ok" in out.stdout and "offline stand-in keys" in out.stdout
    for plaintext in ("alice@example.com", "1 rue de la Paix", "Happy birthday Bob", "4111-1111-1111-1111"):
        assert plaintext not in out.stdout


def test_check_against_kms_reports_fields_header_and_kms_calls(aws, tmp_path):
    policy = write_policy(aws, tmp_path)
    out = run("protect", "check", str(policy), str(EXAMPLE / "sample-order.json"), "-t", "orders", "-o", "json",
              endpoint=aws.endpoint)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    record = report["records"][0]
    assert record["roundTrip"] == "ok"
    assert {f["field"] for f in record["fields"]} >= {"$.customer.email", "$.payment.card_number"}
    assert record["header"]["v"] == 1
    assert report["kmsCalls"]["GenerateDataKey"] == 1


def test_check_of_a_topic_without_a_rule_is_refused():
    out = run("protect", "check", str(EXAMPLE / "orders-policy.yaml"), str(EXAMPLE / "sample-order.json"),
              "--topic", "payments", "--offline")
    assert out.returncode == ExitCode.USAGE and "no rule for topic 'payments'" in out.stderr
    assert "Traceback" not in out.stderr


def test_invalid_policy_names_file_and_line_without_traceback(tmp_path):
    policy = tmp_path / "bad.yaml"
    policy.write_text("version: 1\ntopics:\n  - topic: t\n    fields:\n      - {path: email, action: encrypt}\n")
    out = run("protect", "check", str(policy), str(EXAMPLE / "sample-order.json"), "--offline")
    assert out.returncode == ExitCode.DATA
    assert f"{policy}:5: topics.0.fields.0.path: 'email' is not a JSON path" in out.stderr
    assert "hint:" in out.stderr and "Traceback" not in out.stderr


def test_init_creates_the_subject_table_once_and_checks_key_kinds(aws, tmp_path):
    policy = write_policy(aws, tmp_path)
    policy.write_text(policy.read_text().replace(aws.table, aws.table + "-new"))
    first = run("protect", "init", str(policy), endpoint=aws.endpoint)
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout and f"{aws.hmac} (hmac): ok" in first.stdout
    again = run("protect", "init", str(policy), "-o", "json", endpoint=aws.endpoint)
    assert json.loads(again.stdout)["created"] is False
    policy.write_text(policy.read_text().replace(f"hmac: {aws.hmac}", f"hmac: {aws.cmk}"))
    wrong = run("protect", "init", str(policy), endpoint=aws.endpoint)
    assert wrong.returncode == ExitCode.USAGE and "needs GENERATE_VERIFY_MAC" in wrong.stderr


def test_forget_deletes_the_key_once(aws, tmp_path):
    policy = write_policy(aws, tmp_path)
    sample = tmp_path / "order.json"
    sample.write_text((EXAMPLE / "sample-order.json").read_text())
    # check runs as a producer would, so the subject c-42 gets its key.
    assert run("protect", "check", str(policy), str(sample), "-t", "orders", endpoint=aws.endpoint).returncode == 0
    out = run("protect", "forget", "c-42", "--policy", str(policy), "-o", "json", endpoint=aws.endpoint)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["deleted"] is True
    again = run("protect", "forget", "c-42", "--policy", str(policy), endpoint=aws.endpoint)
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_forget_needs_a_policy_with_subjects(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("keys: {kms: alias/k}\ntopics:\n  - {topic: t, fields: [{path: $.a, action: encrypt}]}\n")
    out = run("protect", "forget", "c-1", "--policy", str(policy))
    assert out.returncode == ExitCode.USAGE and "no `subjects:` section" in out.stderr


@pytest.mark.parametrize("flag", ["--protect", "--unprotect"])
def test_produce_and_consume_document_their_protection_flags(flag):
    out = run("produce" if flag == "--protect" else "consume", "--help")
    assert flag in out.stdout


def test_no_aws_region_is_a_clear_configuration_error_not_an_internal_one():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MSK_"))}
    env |= {"MSKCTL_CONFIG": "/nonexistent/mskctl.toml", "AWS_CONFIG_FILE": "/nonexistent/aws-config"}
    out = subprocess.run([sys.executable, "-m", "mskctl.cli.main", "protect", "check",
                          str(EXAMPLE / "orders-policy.yaml"), str(EXAMPLE / "sample-order.json"), "--topic",
                          "orders"], capture_output=True, text=True, env=env)
    assert out.returncode == ExitCode.CONFIG
    assert "No AWS region for kms" in out.stderr and "internal error" not in out.stderr
