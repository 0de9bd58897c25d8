"""SARIF 2.1.0 for code scanning: one run, every rule's metadata, one result per finding.

Terraform findings carry a physical location (file relative to %SRCROOT%, the working directory, and
the start line); AWS and live findings a logical location (the ARN or kafka:// name). Suppressed findings
stay in the log with ``suppressions`` (inSource for comments, external for the baseline), as code scanning
expects, so a dismissed risk remains visible.
"""

from __future__ import annotations

import hashlib
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

from mskctl.audit.engine import AuditReport
from mskctl.audit.model import Finding, Rule, Severity
from mskctl.audit.rules import CHECKLIST, RULES

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.critical: "error", Severity.high: "error", Severity.medium: "warning", Severity.low: "note"}
# GitHub code scanning ranks security results by this number (its bands: >9 critical, 7-9 high, 4-7 medium).
SECURITY_SEVERITY = {Severity.critical: "9.5", Severity.high: "8.0", Severity.medium: "5.5", Severity.low: "3.0"}


def to_sarif(report: AuditReport, root: Path | None = None) -> dict[str, Any]:
    rules = list(RULES.values())
    index = {rule.id: number for number, rule in enumerate(rules)}
    base = (root or Path.cwd()).resolve().as_uri() + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mskctl audit",
                "semanticVersion": _version(),
                "informationUri": "https://github.com/mskctl/mskctl/blob/main/docs/audit.md",
                "rules": [_rule(rule) for rule in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": base}},
            "invocations": [{"executionSuccessful": True,
                             "toolExecutionNotifications": [
                                 {"level": "note", "message": {"text": f"not audited: {note}"}}
                                 for note in report.unreached]}],
            "results": [_result(finding, index[finding.rule.id]) for finding in report.findings],
        }],
    }


def _version() -> str:
    try:
        return version("mskctl")
    except PackageNotFoundError:
        return "0.0.0"


def _rule(rule: Rule) -> dict[str, Any]:
    mapped = [f"{item}: {CHECKLIST[item]}" for item in rule.checklist]
    others = ([f"Security Hub {c}" for c in rule.security_hub] + [f"checkov {c}" for c in rule.checkov]
              + [f"Prowler {c}" for c in rule.prowler])
    markdown = (f"**{rule.title}**\n\n{rule.help}\n\n**Fix:** {rule.fix}\n\n**Checklist:** "
                + "; ".join(mapped) + ("\n\n**Same check in:** " + ", ".join(others) if others else ""))
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.help or rule.title},
        "help": {"text": f"{rule.fix} Checklist: {'; '.join(mapped)}.", "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["security", "msk", "kafka", *(layer.value for layer in rule.layers)],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity.value,
            "checklist": list(rule.checklist),
            "securityHub": list(rule.security_hub), "checkov": list(rule.checkov), "prowler": list(rule.prowler),
        },
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    location = finding.location
    result: dict[str, Any] = {
        "ruleId": finding.rule.id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message}. Fix: {finding.remedy}"},
        "partialFingerprints": {"mskctlFinding/v1": _fingerprint(finding)},
        "properties": {"layer": finding.layer.value, "severity": finding.severity.value, "fix": finding.remedy},
    }
    logical = location.name or location.arn
    if location.file:
        physical: dict[str, Any] = {"artifactLocation": _artifact(location.file)}
        if location.line:
            physical["region"] = {"startLine": location.line}
        entry: dict[str, Any] = {"physicalLocation": physical}
        if logical:
            entry["logicalLocations"] = [{"fullyQualifiedName": logical, "kind": "resource"}]
        result["locations"] = [entry]
    elif logical:
        result["locations"] = [{"logicalLocations": [{"fullyQualifiedName": logical, "kind": "resource"}]}]
    if finding.suppressed:
        inline = finding.suppressed.expires is None
        result["suppressions"] = [{"kind": "inSource" if inline else "external", "status": "accepted",
                                   "justification": finding.suppressed.reason,
                                   "location": {"physicalLocation": _source(finding.suppressed.source)}}]
    return result


def _artifact(file: str) -> dict[str, str]:
    """Relative paths are relative to %SRCROOT% (the working directory); others are file:// URIs."""
    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}  # percent-encoded by pathlib
    return {"uri": relative_uri(path), "uriBaseId": "%SRCROOT%"}


def relative_uri(path: Path) -> str:
    """A relative URI reference (RFC 3986) for ``path``: ``#``, ``%``, ``?``, ``:``, spaces and controls encoded.

    Unencoded, ``my file#1.tf`` reads as path ``my file`` and fragment ``1.tf``. The bytes are the
    file system's (``os.fsencode``), so even a name that is not valid UTF-8 has a URI.
    """
    text = path.as_posix()
    try:
        data = os.fsencode(text)
    except UnicodeEncodeError:  # a surrogate no file system name decodes to: keep it visible, never raise
        data = text.encode("utf-8", "surrogatepass")
    return quote_from_bytes(data, safe="/")


def _source(source: str) -> dict[str, Any]:
    file, _, line = source.rpartition(":")
    physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
    if line.isdigit() and int(line) > 0:
        physical["region"] = {"startLine": int(line)}
    return physical


def _fingerprint(finding: Finding) -> str:
    """Stable across runs and line moves: rule, layer and where (file and address, ARN or name)."""
    return hashlib.sha256(f"{finding.rule.id}|{finding.layer.value}|{finding.location.key}".encode()).hexdigest()[:32]
