"""Intents -> permissions: one table per auth mode, and nothing broader than the intent.

IAM follows MSK's "Semantics of actions and resources" (each action with the prerequisites
MSK checks on the same resource, Connect on the cluster for all). Kafka ACLs are what a
kafka-acls.sh user writes (seed 002's examples). Idempotent producing needs no ACL beyond
WRITE on the topic since Kafka 3.0 (KIP-679), but MSK IAM still checks WriteDataIdempotently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from mskctl.access.spec import Principal
from mskctl.errors import UsageError


class Resource(StrEnum):
    TOPIC = "TOPIC"
    GROUP = "GROUP"
    TRANSACTIONAL_ID = "TRANSACTIONAL_ID"
    CLUSTER = "CLUSTER"


# (intent, resource) -> actions. The two tables below are the whole mapping.
IAM_TABLE: dict[tuple[str, Resource], tuple[str, ...]] = {
    ("connect", Resource.CLUSTER): ("Connect",),
    ("produce", Resource.TOPIC): ("DescribeTopic", "WriteData"),
    ("produce.idempotent", Resource.CLUSTER): ("WriteDataIdempotently",),
    ("produce", Resource.TRANSACTIONAL_ID): ("DescribeTransactionalId", "AlterTransactionalId"),
    ("consume", Resource.TOPIC): ("DescribeTopic", "ReadData"),
    ("consume", Resource.GROUP): ("DescribeGroup", "AlterGroup"),
    ("admin", Resource.TOPIC): ("DescribeTopic", "CreateTopic", "AlterTopic", "DeleteTopic",
                                "DescribeTopicDynamicConfiguration", "AlterTopicDynamicConfiguration"),
    ("admin", Resource.GROUP): ("DescribeGroup", "DeleteGroup"),
}
ACL_TABLE: dict[tuple[str, Resource], tuple[str, ...]] = {
    ("produce", Resource.TOPIC): ("WRITE", "DESCRIBE"),
    ("produce", Resource.TRANSACTIONAL_ID): ("WRITE", "DESCRIBE"),
    ("consume", Resource.TOPIC): ("READ", "DESCRIBE"),
    ("consume", Resource.GROUP): ("READ",),
    ("admin", Resource.TOPIC): ("CREATE", "DELETE", "ALTER", "DESCRIBE", "ALTER_CONFIGS", "DESCRIBE_CONFIGS"),
    ("admin", Resource.GROUP): ("DELETE", "DESCRIBE"),
}
IAM_RESOURCE_KIND = {Resource.TOPIC: "topic", Resource.GROUP: "group",
                     Resource.TRANSACTIONAL_ID: "transactional-id"}
MANAGED_POLICY_LIMIT = 6144  # characters, IAM's quota for a managed policy document


@dataclass(frozen=True, order=True)
class Acl:
    """One Kafka ACL binding (always ALLOW, host *: the spec grants, it never denies)."""

    principal: str
    resource_type: str
    pattern_type: str  # LITERAL or PREFIXED
    resource_name: str
    operation: str
    permission: str = "ALLOW"
    host: str = "*"

    def describe(self) -> str:
        pattern = "" if self.pattern_type == "LITERAL" else " (prefix)"
        return (f"{self.principal} {self.permission} {self.operation} on {self.resource_type.lower()} "
                f"{self.resource_name}{pattern}")


def grants(principal: Principal) -> list[tuple[str, Resource, str]]:
    """(intent, resource, name-pattern) for every resource the principal's intents name."""
    found: list[tuple[str, Resource, str]] = []
    if principal.produce:
        found += [("produce", Resource.TOPIC, t) for t in principal.produce.topics]
        found += [("produce", Resource.TRANSACTIONAL_ID, t) for t in principal.produce.transactional_ids]
    if principal.consume:
        found += [("consume", Resource.TOPIC, t) for t in principal.consume.topics]
        found += [("consume", Resource.GROUP, g) for g in principal.consume.groups]
    if principal.admin:
        found += [("admin", Resource.TOPIC, t) for t in principal.admin.topics]
        found += [("admin", Resource.GROUP, g) for g in principal.admin.groups]
    return found


def kafka_principal(principal: Principal, key: str) -> str | None:
    """``User:<name>`` for SCRAM and mTLS principals; None for IAM (MSK IAM ignores ACLs)."""
    if principal.scram is not None:
        return f"User:{principal.scram.user or key}"
    if principal.mtls is not None:
        return f"User:{principal.mtls}"
    return None


def acls_for(principal: Principal, key: str) -> set[Acl]:
    name = kafka_principal(principal, key)
    if name is None:
        return set()
    acls: set[Acl] = set()
    for intent, resource, pattern in grants(principal):
        prefixed = pattern.endswith("*")
        for operation in ACL_TABLE[(intent, resource)]:
            acls.add(Acl(name, resource.value, "PREFIXED" if prefixed else "LITERAL",
                         pattern.removesuffix("*") if prefixed else pattern, operation))
    return acls


@dataclass(frozen=True)
class ClusterArn:
    partition: str
    region: str
    account: str
    name: str
    uuid: str

    @classmethod
    def parse(cls, arn: str) -> ClusterArn:
        parts = arn.split(":", 5)
        resource = parts[5].split("/") if len(parts) == 6 else []
        if len(parts) != 6 or parts[2] != "kafka" or len(resource) != 3 or resource[0] != "cluster":
            raise UsageError(f"{arn!r} is not an MSK cluster ARN.",
                             hint="It looks like arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>.")
        return cls(parts[1], parts[3], parts[4], resource[1], resource[2])

    def __str__(self) -> str:
        return self.resource("cluster")

    def resource(self, kind: str, name: str | None = None) -> str:
        base = f"arn:{self.partition}:kafka:{self.region}:{self.account}:{kind}/{self.name}/{self.uuid}"
        return base if name is None else f"{base}/{name}"


def iam_policy(principal: Principal, cluster: ClusterArn) -> dict:
    """The least-privilege policy document for an IAM principal's intents (deterministic order)."""
    by_resource: dict[str, set[str]] = {str(cluster): set(IAM_TABLE[("connect", Resource.CLUSTER)])}
    if principal.produce and principal.produce.idempotent:
        by_resource[str(cluster)] |= set(IAM_TABLE[("produce.idempotent", Resource.CLUSTER)])
    for intent, resource, pattern in grants(principal):
        arn = cluster.resource(IAM_RESOURCE_KIND[resource], pattern)
        by_resource.setdefault(arn, set()).update(IAM_TABLE[(intent, resource)])
    # One statement per distinct action set keeps the document small and readable.
    by_actions: dict[tuple[str, ...], list[str]] = {}
    for arn, actions in by_resource.items():
        by_actions.setdefault(tuple(sorted(actions)), []).append(arn)
    statements = []
    for actions, arns in sorted(by_actions.items(), key=lambda item: (len(item[1][0]), item[1][0])):
        statements.append({
            "Effect": "Allow",
            "Action": [f"kafka-cluster:{a}" for a in actions],
            "Resource": sorted(arns) if len(arns) > 1 else arns[0],
        })
    return {"Version": "2012-10-17", "Statement": statements}


def check_policy_size(document: dict, principal_key: str) -> None:
    size = len(json.dumps(document, separators=(",", ":")))
    if size > MANAGED_POLICY_LIMIT:
        raise UsageError(f"The IAM policy for principal {principal_key!r} would be {size} characters; IAM allows "
                         f"{MANAGED_POLICY_LIMIT}.", hint="Group its topics and groups under prefixes ('orders.*').")
