"""checkov (3.3.30, its own venv) on the insecure fixture: whatever it fails on MSK, KMS, security group and
Secrets Manager resources - and any check a rule names - `mskctl audit` reports on the same resource.

checkov is installed by terraform/tools/lib/ensure-checkov.sh when missing (as `make iac-check` does);
if that fails the test fails: it is never skipped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mskctl.audit.rules import RULES
from mskctl.audit.terraform import audit_terraform

ROOT = Path(__file__).resolve().parents[2]
INSECURE = ROOT / "tests" / "fixtures" / "audit" / "terraform" / "insecure"
ENSURE_CHECKOV = ROOT / "terraform" / "tools" / "lib" / "ensure-checkov.sh"
# Resource types whose every failed checkov check must map to a rule of ours.
OUR_TYPES = re.compile(r"aws_msk_|aws_mskconnect_|aws_kms_|aws_security_group|aws_vpc_security_group_|"
                       r"aws_secretsmanager_")


def _resource(address: str) -> str:
    """checkov's name for a resource: no instance keys, and data sources without their ``data.``."""
    return re.sub(r"(^|\.)data\.", r"\1", re.sub(r"\[[^\]]*\]", "", address))


@pytest.fixture(scope="module")
def checkov_failures() -> list[dict[str, Any]]:
    installed = subprocess.run([str(ENSURE_CHECKOV)], capture_output=True, text=True, timeout=900, check=False)
    if installed.returncode != 0:
        pytest.fail(f"could not install checkov:\n{installed.stderr[-3000:]}")
    checkov = installed.stdout.strip().splitlines()[-1]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    ran = subprocess.run([checkov, "-d", str(INSECURE), "--framework", "terraform", "-o", "json", "--quiet",
                          "--download-external-modules", "false"],
                         capture_output=True, text=True, timeout=600, env=env, check=False)
    if ran.returncode not in (0, 1):  # 1: some check failed
        pytest.fail(f"checkov exited {ran.returncode}:\n{ran.stderr[-3000:]}")
    report = json.loads(ran.stdout)
    reports = report if isinstance(report, list) else [report]
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports), ran.stdout[:3000]
    return [check for r in reports for check in r["results"]["failed_checks"]]


def test_checkov_fails_the_insecure_fixture_where_expected(checkov_failures):
    # The comparison below means something only if checkov saw the defects.
    failed = {check["check_id"] for check in checkov_failures}
    assert failed >= {"CKV_AWS_81", "CKV_AWS_80", "CKV_AWS_291", "CKV_AWS_7", "CKV_AWS_149", "CKV_AWS_277"}


def test_every_checkov_failure_on_our_resources_is_reported_by_the_audit(checkov_failures):
    rules_of: dict[str, set[str]] = {}
    for rule in RULES.values():
        for check_id in rule.checkov:
            rules_of.setdefault(check_id, set()).add(rule.id)
    reported = {(_resource(f.location.name or ""), f.rule.id) for f in audit_terraform([INSECURE], base=ROOT).findings}

    problems = []
    for check in checkov_failures:
        check_id, resource = check["check_id"], _resource(check["resource"])
        if not OUR_TYPES.search(resource) and check_id not in rules_of:
            continue  # IAM hygiene and the like: not what the audit is about
        if check_id not in rules_of:
            problems.append(f"{check_id} ({check['check_name']}) failed on {resource}: no rule maps it")
        elif not any((resource, rule) in reported for rule in rules_of[check_id]):
            problems.append(f"{check_id} failed on {resource}, but the audit reports none of "
                            f"{sorted(rules_of[check_id])} there")
    assert problems == []
