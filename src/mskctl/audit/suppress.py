"""Suppressions: ``# mskctl:ignore <rule> <reason>`` in Terraform, and a YAML baseline of accepted findings.

A suppression needs a reason; a baseline entry also needs an expiry date. One without a reason, an
expired one, or one naming no known rule suppresses nothing and is reported as a finding itself, so an
accepted risk cannot quietly outlive its reason.

Baseline file::

    version: 1
    accepted:
      - rule: enhanced-monitoring-low
        where: "terraform/environments/dev/*"   # glob over the file, the ARN or the kafka:// name
        reason: dev cluster; per-broker metrics are enough
        expires: 2027-06-30
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mskctl.access.loader import SpecError, parse_yaml, read_text
from mskctl.audit.model import Finding, InlineIgnore, Layer, Location, Suppression
from mskctl.audit.rules import RULES, rule
from mskctl.errors import InputError


class BaselineEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(description="The rule id of the accepted finding.")
    where: str = Field("*", description="Glob over the finding's file (with its Terraform address after #), "
                                          "ARN or kafka:// name; * for every place.")
    reason: str = Field("", description="Why the finding is accepted (required: without one it suppresses "
                                        "nothing).")
    expires: date = Field(description="The date after which the entry suppresses nothing (YYYY-MM-DD).")


class BaselineFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    accepted: list[BaselineEntry] = Field(default_factory=list)


@dataclass
class Baseline:
    entries: list[BaselineEntry]
    lines: list[int]  # the line of each entry in the file
    file: str

    def source(self, index: int) -> str:
        return f"{self.file}:{self.lines[index]}"


def load_baseline(path: Path) -> Baseline:
    text = read_text(path, "the baseline", "Pass an existing YAML file to --baseline.")
    try:
        data, places = parse_yaml(text, str(path))
    except SpecError as exc:
        raise InputError("Invalid baseline:\n  " + "\n  ".join(exc.problems), hint=_BASELINE_HINT) from None
    try:
        parsed = BaselineFile.model_validate(data if data else {})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = tuple(error["loc"])
            while where and where not in places:
                where = where[:-1]
            line = places.get(where, (str(path), 0))[1]
            field = ".".join(str(part) for part in error["loc"])
            problems.append(f"{path}:{line}: {field}: {error['msg']}")
        raise InputError("Invalid baseline:\n  " + "\n  ".join(problems), hint=_BASELINE_HINT) from None
    lines = [places.get(("accepted", index), (str(path), 0))[1] for index in range(len(parsed.accepted))]
    return Baseline(parsed.accepted, lines, str(path))


_BASELINE_HINT = ("Each entry of `accepted:` has rule, where (a glob), reason and expires (YYYY-MM-DD); "
                  "`mskctl audit --write-baseline FILE` writes one from the current findings.")


@dataclass
class Applied:
    """Findings with suppressions applied, the findings about suppressions, and unused baseline entries."""

    findings: list[Finding]
    unused: list[str]  # baseline entries (file:line rule where) that matched nothing


def apply(findings: list[Finding], ignores: list[InlineIgnore], baseline: Baseline | None,
          today: date | None = None) -> Applied:
    today = today or date.today()
    extra: list[Finding] = []
    usable_ignores: dict[tuple[str, int], list[InlineIgnore]] = {}
    for ignore in ignores:
        problem = _ignore_problem(ignore)
        if problem:
            extra.append(problem)
            continue
        # A comment covers its own line and the line below it (the attribute or the block it annotates).
        for line in (ignore.line, ignore.line + 1):
            usable_ignores.setdefault((ignore.file, line), []).append(ignore)
    used: set[int] = set()
    entries = baseline.entries if baseline else []
    live_entries: list[tuple[int, BaselineEntry]] = []
    for index, entry in enumerate(entries):
        assert baseline is not None
        where = Location(file=baseline.file, line=baseline.lines[index] or None)
        if entry.rule not in RULES:
            extra.append(_meta("suppression-unknown-rule", Layer.baseline, where,
                               f"the baseline entry names rule {entry.rule!r}, which does not exist"))
        elif not entry.reason.strip():
            extra.append(_meta("suppression-without-reason", Layer.baseline, where,
                               f"the baseline entry for {entry.rule} at {entry.where!r} gives no reason, so it "
                               "suppresses nothing"))
        elif entry.expires < today:
            extra.append(_meta("suppression-expired", Layer.baseline, where,
                               f"the baseline entry for {entry.rule} at {entry.where!r} expired on "
                               f"{entry.expires.isoformat()}, so it suppresses nothing"))
        else:
            live_entries.append((index, entry))
    for finding in findings:
        location = finding.location
        if location.file and location.line:
            for ignore in usable_ignores.get((location.file, location.line), []):
                if ignore.rule == finding.rule.id:
                    finding.suppressed = Suppression(ignore.reason, f"{ignore.file}:{ignore.line}")
                    break
        if finding.suppressed is None:
            for index, entry in live_entries:
                if entry.rule == finding.rule.id and _matches(entry.where, location):
                    assert baseline is not None
                    finding.suppressed = Suppression(entry.reason, baseline.source(index), entry.expires)
                    used.add(index)
                    break
    unused = [f"{baseline.source(i)}: {e.rule} at {e.where!r}" for i, e in live_entries
              if i not in used] if baseline else []
    return Applied(findings + extra, unused)


def _matches(pattern: str, location: Location) -> bool:
    candidates = [c for c in (location.key, location.file, location.arn, location.name) if c]
    return any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates)


def _ignore_problem(ignore: InlineIgnore) -> Finding | None:
    where = Location(file=ignore.file, line=ignore.line)
    if ignore.rule not in RULES:
        return _meta("suppression-unknown-rule", Layer.terraform, where,
                     f"`mskctl:ignore {ignore.rule}` names no rule")
    if not ignore.reason.strip():
        return _meta("suppression-without-reason", Layer.terraform, where,
                     f"`mskctl:ignore {ignore.rule}` gives no reason, so it suppresses nothing")
    return None


def _meta(rule_id: str, layer: Layer, where: Location, message: str) -> Finding:
    """A finding about a suppression itself, at the comment or baseline entry."""
    return Finding(rule(rule_id), layer, where, message)


def baseline_text(findings: list[Finding], reason: str, expires: date) -> str:
    """A baseline accepting these findings (one entry per rule and place), for a team to edit."""
    import yaml

    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for finding in findings:
        where = finding.location.key or "*"
        seen.setdefault((finding.rule.id, where), {"rule": finding.rule.id, "where": where, "reason": reason,
                                                   "expires": expires})
    return yaml.safe_dump({"version": 1, "accepted": list(seen.values())}, sort_keys=False, width=120)
