"""Broker server properties the audit judges, and what a finding is made of; shared by the AWS and live layers.

The AWS layer reads them from the cluster configuration's current revision (or MSK's defaults when
the cluster has none), the live layer from what each broker and topic reports.
"""

from __future__ import annotations

from mskctl.audit.model import Finding, LayerResult, Location
from mskctl.audit.rules import rule
from mskctl.local.broker_config import msk_default_properties

# server property -> the rule that judges it
PROPERTY_RULES: dict[str, str] = {
    "allow.everyone.if.no.acl.found": "allow-everyone-if-no-acl",
    "auto.create.topics.enable": "auto-create-topics",
    "unclean.leader.election.enable": "unclean-leader-election",
    "min.insync.replicas": "min-insync-replicas-low",
    "default.replication.factor": "replication-factor-low",
}
MIN_INSYNC = 2
MIN_REPLICATION = 3


def property_problem(key: str, value: str | None) -> str | None:
    """Why ``key=value`` is a finding (the rule is ``PROPERTY_RULES[key]``), or None when it is fine."""
    if value is None:
        return None
    text = value.strip().lower()
    if key in ("allow.everyone.if.no.acl.found", "auto.create.topics.enable", "unclean.leader.election.enable"):
        return f"{key}={value}" if text == "true" else None
    if key == "min.insync.replicas":
        return f"{key}={value} (below {MIN_INSYNC})" if _below(text, MIN_INSYNC) else None
    if key == "default.replication.factor":
        return f"{key}={value} (below {MIN_REPLICATION})" if _below(text, MIN_REPLICATION) else None
    return None


def _below(text: str, floor: int) -> bool:
    try:
        return int(text) < floor
    except ValueError:
        return False  # not a number: the broker would refuse it, nothing to judge


def msk_defaults(availability_zones: int) -> dict[str, str]:
    """The properties MSK's default configuration sets (they depend on the number of AZs)."""
    defaults = msk_default_properties(max(availability_zones, 1))
    return {key: defaults[key] for key in PROPERTY_RULES}


def property_fix(key: str) -> str:
    wanted = {"allow.everyone.if.no.acl.found": "false", "auto.create.topics.enable": "false",
              "unclean.leader.election.enable": "false", "min.insync.replicas": str(MIN_INSYNC),
              "default.replication.factor": str(MIN_REPLICATION)}[key]
    return f"{key}={wanted}"


def report(result: LayerResult, rule_id: str, location: Location, message: str, fix: str = "") -> None:
    """Add a finding of ``rule_id`` in the result's layer."""
    result.add(Finding(rule(rule_id), result.layer, location, message, fix))
