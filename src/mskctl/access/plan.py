"""Desired vs live -> a plan: a plain list of changes you can print, test and apply."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from mskctl.access.desired import Desired
from mskctl.access.live import Live
from mskctl.access.permissions import Acl


class Action(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    impossible = "impossible"


class Kind(StrEnum):
    kms_key = "kms-key"
    scram_secret = "scram-secret"
    scram_association = "scram-association"
    topic = "topic"
    topic_config = "topic-config"
    partitions = "partitions"
    acl = "acl"
    iam_policy = "iam-policy"
    iam_attachment = "iam-attachment"


@dataclass(frozen=True)
class Change:
    kind: Kind
    action: Action
    target: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"kind": self.kind.value, "action": self.action.value}


@dataclass
class Plan:
    cluster_arn: str | None
    changes: list[Change]
    requests: dict[str, int]

    def of(self, *actions: Action) -> list[Change]:
        return [c for c in self.changes if c.action in actions]

    def counts(self) -> dict[str, int]:
        return {a.value: len(self.of(a)) for a in Action}

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def as_json(self) -> dict[str, Any]:
        return {"clusterArn": self.cluster_arn, "summary": self.counts(),
                "changes": [c.as_json() for c in self.changes], "readRequests": self.requests}


def _norm_config(key: str, value: str | None) -> str | None:
    return value.replace(" ", "") if value is not None and key == "cleanup.policy" else value


def topic_changes(desired: Desired, live: Live) -> list[Change]:
    changes: list[Change] = []
    for name, topic in sorted(desired.topics.items()):
        current = live.topics.get(name)
        if current is None:
            changes.append(Change(Kind.topic, Action.create, name,
                                  f"partitions={topic.partitions or 'default'} "
                                  f"replication={topic.replication_factor or 'default'}"
                                  + "".join(f" {k}={v}" for k, v in sorted(topic.configs.items())),
                                  {"partitions": topic.partitions, "replicationFactor": topic.replication_factor,
                                   "configs": topic.configs}))
            continue
        if topic.partitions and topic.partitions > current.partitions:
            changes.append(Change(Kind.partitions, Action.update, name,
                                  f"partitions {current.partitions} -> {topic.partitions}",
                                  {"from": current.partitions, "to": topic.partitions}))
        elif topic.partitions and topic.partitions < current.partitions:
            changes.append(Change(Kind.partitions, Action.impossible, name,
                                  f"partitions {current.partitions} -> {topic.partitions}: Kafka cannot remove "
                                  "partitions; keep the count, or create a new topic and migrate",
                                  {"from": current.partitions, "to": topic.partitions}))
        if topic.replication_factor and topic.replication_factor != current.replication_factor:
            changes.append(Change(Kind.partitions, Action.impossible, name,
                                  f"replication factor {current.replication_factor} -> {topic.replication_factor}:"
                                  " needs a partition reassignment (kafka-reassign-partitions.sh), not attempted",
                                  {"replicationFrom": current.replication_factor,
                                   "replicationTo": topic.replication_factor}))
        to_set = {k: (current.configs.get(k), v) for k, v in sorted(topic.configs.items())
                  if _norm_config(k, current.configs.get(k)) != _norm_config(k, v)}
        to_reset = {k: current.configs.get(k) for k in sorted(current.dynamic - set(topic.configs))}
        if to_set or to_reset:
            text = [f"{k}: {old} -> {new}" for k, (old, new) in to_set.items()]
            text += [f"{k}: {old} -> (default)" for k, old in to_reset.items()]
            changes.append(Change(Kind.topic_config, Action.update, name, ", ".join(text),
                                  {"set": {k: new for k, (_, new) in to_set.items()}, "reset": sorted(to_reset),
                                   "before": {k: old for k, (old, _) in to_set.items()} | to_reset}))
    for name in sorted(set(live.topics) - set(desired.topics)):
        if desired.owns_topic(name):
            changes.append(Change(Kind.topic, Action.delete, name,
                                  f"not in the spec ({live.topics[name].partitions} partitions and their records)"))
    return changes


def acl_changes(desired: Desired, live: Live) -> list[Change]:
    def change(acl: Acl, action: Action) -> Change:
        return Change(Kind.acl, action, acl.describe(), "", asdict(acl))

    changes = [change(a, Action.create) for a in sorted(desired.acls - live.acls)]
    changes += [change(a, Action.delete) for a in sorted(live.acls - desired.acls)
                if desired.owns_principal(a.principal)]
    return changes


def _pairs(document: dict | None) -> set[tuple[str, str]]:
    """(action, resource) pairs an Allow-only policy grants: enough to say what an update adds and removes."""
    pairs: set[tuple[str, str]] = set()
    for statement in (document or {}).get("Statement", []):
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in [resources] if isinstance(resources, str) else resources:
                pairs.add((action, resource))
    return pairs


def _canonical(document: dict | None) -> str:
    return json.dumps(document, sort_keys=True)


def iam_changes(desired: Desired, live: Live) -> list[Change]:
    changes: list[Change] = []
    wanted_names = {g.policy_name for g in desired.iam.values()}
    for key, grant in sorted(desired.iam.items()):
        if grant.principal_arn in live.missing_principals:
            changes.append(Change(Kind.iam_policy, Action.impossible, grant.policy_name,
                                  f"{grant.principal_kind} {grant.principal_name} does not exist: create it "
                                  "(Terraform, IAM) before granting it Kafka access", {"principal": key}))
            continue
        policy = live.policies.get(grant.policy_name)
        owner = (grant.principal_kind, grant.principal_name)
        detail = {"principal": key, "principalArn": grant.principal_arn, "document": grant.document,
                  "path": desired.policy_path}
        if policy is None:
            changes.append(Change(Kind.iam_policy, Action.create, grant.policy_name,
                                  f"for {grant.principal_kind} {grant.principal_name}: "
                                  f"{len(_pairs(grant.document))} action/resource grants", detail))
            changes.append(Change(Kind.iam_attachment, Action.create, f"{grant.policy_name} -> {owner[1]}",
                                  f"attach to {owner[0]} {owner[1]}", detail | {"kind": owner[0], "name": owner[1]}))
            continue
        if _canonical(policy.document) != _canonical(grant.document):
            added = sorted(_pairs(grant.document) - _pairs(policy.document))
            removed = sorted(_pairs(policy.document) - _pairs(grant.document))
            changes.append(Change(Kind.iam_policy, Action.update, grant.policy_name,
                                  f"+{len(added)} -{len(removed)} action/resource grants",
                                  detail | {"arn": policy.arn, "added": added, "removed": removed,
                                            "versions": [v["VersionId"] for v in policy.versions
                                                         if not v.get("IsDefaultVersion")]}))
        if owner not in policy.attached:
            changes.append(Change(Kind.iam_attachment, Action.create, f"{grant.policy_name} -> {owner[1]}",
                                  f"attach to {owner[0]} {owner[1]}",
                                  detail | {"arn": policy.arn, "kind": owner[0], "name": owner[1]}))
        for kind, name in sorted(policy.attached - {owner}):
            changes.append(Change(Kind.iam_attachment, Action.delete, f"{grant.policy_name} -> {name}",
                                  f"detach from {kind} {name} (attached out of band)",
                                  {"arn": policy.arn, "kind": kind, "name": name}))
    for name, policy in sorted(live.policies.items()):
        if name not in wanted_names:
            holders = ", ".join(n for _, n in sorted(policy.attached))
            changes.append(Change(Kind.iam_policy, Action.delete, name,
                                  "not in the spec" + (f"; detach from {holders}" if holders else ""),
                                  {"arn": policy.arn, "attached": sorted(policy.attached),
                                   "versions": [v["VersionId"] for v in policy.versions
                                                if not v.get("IsDefaultVersion")]}))
    return changes


def scram_changes(desired: Desired, live: Live, cluster_name: str) -> list[Change]:
    changes: list[Change] = []
    wanted = {u.secret_name for u in desired.scram.values()}
    for user in sorted(desired.scram.values(), key=lambda u: u.user):
        secret = live.secrets.get(user.secret_name)
        detail = {"user": user.user, "secret": user.secret_name, "kmsKey": desired.scram_kms_key,
                  "owner": desired.owner}
        if secret is None and not user.create:
            changes.append(Change(Kind.scram_secret, Action.impossible, user.secret_name,
                                  f"user {user.user}: the secret does not exist and `create: false` says it is "
                                  "managed elsewhere; create it there or set create: true", detail))
            continue
        if secret is None:
            if not live.kms_key_exists and not any(c.kind is Kind.kms_key for c in changes):
                changes.append(Change(Kind.kms_key, Action.create, desired.scram_kms_key,
                                      "customer-managed key for SCRAM secrets (rotation on)",
                                      {"alias": desired.scram_kms_key, "cluster": cluster_name}))
            changes.append(Change(Kind.scram_secret, Action.create, user.secret_name,
                                  f"user {user.user}, generated password, KMS {desired.scram_kms_key}", detail))
            changes.append(Change(Kind.scram_association, Action.create, user.secret_name,
                                  f"associate with {cluster_name}", detail))
            continue
        if not secret.kms_key_id or secret.kms_key_id.startswith("alias/aws/"):
            changes.append(Change(Kind.scram_association, Action.impossible, user.secret_name,
                                  "encrypted with the AWS managed key, which MSK refuses: re-create it under a "
                                  "customer-managed key", detail))
        elif secret.arn not in live.associated:
            changes.append(Change(Kind.scram_association, Action.create, user.secret_name,
                                  f"associate with {cluster_name}", detail | {"arn": secret.arn}))
    for name, secret in sorted(live.secrets.items()):
        if name in wanted or not secret.managed:
            continue
        if secret.arn in live.associated:
            changes.append(Change(Kind.scram_association, Action.delete, name, f"disassociate from {cluster_name}",
                                  {"arn": secret.arn, "secret": name}))
        changes.append(Change(Kind.scram_secret, Action.delete, name,
                              "schedule deletion (7-day recovery window)", {"arn": secret.arn, "secret": name}))
    return changes


def make_plan(desired: Desired, live: Live, cluster_arn: str | None, cluster_name: str) -> Plan:
    changes = [*scram_changes(desired, live, cluster_name), *topic_changes(desired, live),
               *acl_changes(desired, live), *iam_changes(desired, live)]
    return Plan(cluster_arn, changes, dict(live.requests))
