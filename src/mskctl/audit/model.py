"""What an audit produces: findings of rules, where they are, and which rules each layer checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank


_RANKS = {Severity.low: 1, Severity.medium: 2, Severity.high: 3, Severity.critical: 4}


class Layer(StrEnum):
    terraform = "terraform"  # static: .tf files, or a plan in JSON
    aws = "aws"  # the deployed configuration, through the AWS API
    live = "live"  # what the brokers run, through the Kafka admin API
    baseline = "baseline"  # findings about the suppressions themselves


@dataclass(frozen=True)
class Rule:
    """One check. ``id`` is stable: suppressions, baselines and SARIF refer to it."""

    id: str
    title: str
    severity: Severity
    layers: tuple[Layer, ...]
    checklist: tuple[str, ...]  # ids of CHECKLIST items (seed 002 / seed 004)
    fix: str  # the general fix; findings may say it more exactly
    security_hub: tuple[str, ...] = ()  # Security Hub control ids (MSK.1 ... MSK.6, KMS.4, ...)
    checkov: tuple[str, ...] = ()  # checkov checks that cover the same thing
    prowler: tuple[str, ...] = ()  # Prowler checks that cover the same thing
    help: str = ""  # why it matters, one or two sentences


@dataclass(frozen=True)
class Location:
    """Where a finding is: a file and line (Terraform), an ARN (AWS) or a kafka:// name (live)."""

    file: str | None = None  # relative to the working directory when under it
    line: int | None = None
    arn: str | None = None
    name: str | None = None  # fully qualified logical name: kafka://<cluster>/topic/<t>, aws_msk_cluster.main

    def __str__(self) -> str:
        if self.file:
            where = f"{self.file}:{self.line}" if self.line else self.file
            return f"{where} ({self.name})" if self.name else where
        return self.arn or self.name or "-"

    @property
    def key(self) -> str:
        """What baselines match: the file (lines move), else the ARN, else the name."""
        if self.file:
            return f"{self.file}#{self.name}" if self.name else self.file
        return self.arn or self.name or ""


@dataclass(frozen=True)
class Suppression:
    """Why a finding is accepted: an inline ``# mskctl:ignore`` or a baseline entry."""

    reason: str
    source: str  # "file:line" of the comment or baseline entry
    expires: date | None = None


@dataclass
class Finding:
    rule: Rule
    layer: Layer
    location: Location
    message: str  # what exactly is wrong here, with the offending value
    fix: str = ""  # the exact fix here; the rule's when empty
    suppressed: Suppression | None = None

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def remedy(self) -> str:
        return self.fix or self.rule.fix

    def as_json(self) -> dict[str, object]:
        location: dict[str, object] = {k: v for k, v in (
            ("file", self.location.file), ("line", self.location.line), ("arn", self.location.arn),
            ("name", self.location.name)) if v is not None}
        data: dict[str, object] = {
            "rule": self.rule.id, "title": self.rule.title, "severity": self.severity.value,
            "layer": self.layer.value, "location": location, "message": self.message, "fix": self.remedy,
            "checklist": list(self.rule.checklist), "securityHub": list(self.rule.security_hub),
            "checkov": list(self.rule.checkov), "prowler": list(self.rule.prowler),
        }
        if self.suppressed:
            data["suppressed"] = {"reason": self.suppressed.reason, "source": self.suppressed.source,
                                  "expires": self.suppressed.expires.isoformat() if self.suppressed.expires else None}
        return data


@dataclass(frozen=True)
class InlineIgnore:
    """``# mskctl:ignore <rule> <reason>`` found in a file (the Terraform layer reports these)."""

    rule: str
    reason: str
    file: str
    line: int  # the comment's line; it covers findings on this line and the next one


@dataclass
class LayerResult:
    """One layer's findings, and the rules it evaluated (pass or fail) for the controls matrix."""

    layer: Layer
    findings: list[Finding] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)  # rule ids evaluated at least once
    ignores: list[InlineIgnore] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)  # what was looked at: files, ARNs, clusters
    notes: list[str] = field(default_factory=list)  # what was left out of the layer, and why
    seconds: float = 0.0  # how long the layer took (the engine measures it)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.checked.add(finding.rule.id)
