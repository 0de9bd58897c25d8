"""What the cluster has now: topics and configs, ACLs (Kafka admin API), the IAM policies and SCRAM
secrets the spec manages (AWS API). Reads only; counts the requests it makes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from botocore.paginate import PageIterator
from confluent_kafka.admin import (
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    ConfigResource,
    ConfigSource,
    ResourcePatternType,
    ResourceType,
)

from mskctl.access.desired import SECRET_TAG, Desired
from mskctl.access.permissions import Acl
from mskctl.service_errors import translate, translated

CONFIG_BATCH = 500
AWS_THREADS = 8


@dataclass
class LiveTopic:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)  # effective values
    dynamic: set[str] = field(default_factory=set)  # keys set on the topic itself


@dataclass
class LivePolicy:
    name: str
    arn: str
    document: dict | None
    versions: list[dict]
    attached: set[tuple[str, str]]  # (role|user, name)


@dataclass
class LiveSecret:
    name: str
    arn: str
    kms_key_id: str | None
    managed: bool  # created by mskctl access apply for this cluster


@dataclass
class Live:
    topics: dict[str, LiveTopic] = field(default_factory=dict)
    acls: set[Acl] = field(default_factory=set)
    policies: dict[str, LivePolicy] = field(default_factory=dict)
    missing_principals: set[str] = field(default_factory=set)  # IAM ARNs that do not exist
    secrets: dict[str, LiveSecret] = field(default_factory=dict)
    associated: set[str] = field(default_factory=set)  # secret ARNs associated with the cluster
    kms_key_exists: bool = True
    requests: dict[str, int] = field(default_factory=lambda: {"kafka": 0, "aws": 0})


def aws_call(what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The call's result; a paginator's pages are read here, so their errors are translated too."""
    with translated(what):
        result = call(*args, **kwargs)
        return list(result) if isinstance(result, PageIterator) else result


# What the identity running plan/apply/audit needs when the cluster refuses it.
ADMIN_GRANT = ("admin rights on the cluster (IAM: kafka-cluster:* on it; SCRAM/mTLS: a super user or ALTER on "
               "the cluster)")


def kafka_call(what: str, call: Callable[[], Any]) -> Any:
    """Run an admin call (or wait for its future) turning Kafka errors into a message and a hint."""
    with translated(what, grant=ADMIN_GRANT):
        result = call()
        return result.result(timeout=60) if hasattr(result, "result") else result


def read_kafka(admin: Any, desired: Desired, live: Live) -> None:
    metadata = kafka_call("list topics", lambda: admin.list_topics(timeout=30))
    live.requests["kafka"] += 1
    for name, topic in metadata.topics.items():
        if topic.error is not None or not topic.partitions:
            continue
        replicas = len(next(iter(topic.partitions.values())).replicas)
        live.topics[name] = LiveTopic(name, len(topic.partitions), replicas)
    wanted = [name for name in desired.topics if name in live.topics]
    for chunk in chunks(wanted, CONFIG_BATCH):
        resources = [ConfigResource(ResourceType.TOPIC, name) for name in chunk]
        futures = admin.describe_configs(resources, request_timeout=60)
        live.requests["kafka"] += 1
        for resource, future in futures.items():
            entries = kafka_call(f"describe configs of topic {resource.name}", lambda f=future: f)
            topic = live.topics[resource.name]
            for key, entry in entries.items():
                topic.configs[key] = entry.value
                if entry.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value:
                    topic.dynamic.add(key)
    live.acls = read_acls(admin)
    live.requests["kafka"] += 1


def read_acls(admin: Any) -> set[Acl]:
    """Every ACL binding of the cluster, as the spec's Acl values."""
    everything = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                  AclOperation.ANY, AclPermissionType.ANY)
    bindings = kafka_call("describe ACLs", lambda: admin.describe_acls(everything, request_timeout=60))
    return {Acl(b.principal, b.restype.name, b.resource_pattern_type.name, b.name, b.operation.name,
                b.permission_type.name, b.host) for b in bindings}


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def read_iam(iam: Any, desired: Desired, live: Live) -> None:
    """The policies under the spec's path (with documents and attachments) and whether principals exist."""
    arns: list[str] = []
    for page in aws_call("list IAM policies", iam.get_paginator("list_policies").paginate,
                         Scope="Local", PathPrefix=desired.policy_path):
        arns += [(p["PolicyName"], p["Arn"], p["DefaultVersionId"]) for p in page["Policies"]]
        live.requests["aws"] += 1

    def one_policy(item: tuple[str, str, str]) -> LivePolicy:
        name, arn, version = item
        document = aws_call(f"read IAM policy {name}", iam.get_policy_version, PolicyArn=arn,
                            VersionId=version)["PolicyVersion"]["Document"]
        versions = aws_call(f"list versions of {name}", iam.list_policy_versions, PolicyArn=arn)["Versions"]
        entities = aws_call(f"list entities of {name}", iam.list_entities_for_policy, PolicyArn=arn)
        attached = {("role", r["RoleName"]) for r in entities.get("PolicyRoles", [])}
        attached |= {("user", u["UserName"]) for u in entities.get("PolicyUsers", [])}
        return LivePolicy(name, arn, _as_dict(document), versions, attached)

    def principal_exists(grant: Any) -> tuple[str, bool]:
        call = iam.get_role if grant.principal_kind == "role" else iam.get_user
        argument = {"RoleName": grant.principal_name} if grant.principal_kind == "role" else {
            "UserName": grant.principal_name}
        try:
            call(**argument)
            return grant.principal_arn, True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return grant.principal_arn, False
            raise

    with ThreadPoolExecutor(AWS_THREADS) as pool:
        for policy in pool.map(one_policy, arns):
            live.policies[policy.name] = policy
        live.requests["aws"] += 3 * len(arns)
        # A principal its policy is attached to exists: look up only the others.
        unproven = [g for g in desired.iam.values() if g.policy_name not in live.policies
                    or (g.principal_kind, g.principal_name) not in live.policies[g.policy_name].attached]
        for arn, exists in pool.map(lambda g: aws_call("look up IAM principal", principal_exists, g), unproven):
            if not exists:
                live.missing_principals.add(arn)
        live.requests["aws"] += len(unproven)


def _as_dict(document: Any) -> dict | None:
    import json
    from urllib.parse import unquote

    if isinstance(document, dict):
        return document
    if isinstance(document, str):  # IAM returns URL-encoded JSON when botocore does not decode it
        return json.loads(unquote(document))
    return None


def read_scram(kafka: Any, secrets: Any, kms: Any, cluster_arn: str, desired: Desired, live: Live) -> None:
    for page in aws_call("list SCRAM secrets", kafka.get_paginator("list_scram_secrets").paginate,
                         ClusterArn=cluster_arn):
        live.associated |= set(page.get("SecretArnList", []))
        live.requests["aws"] += 1
    names = {u.secret_name for u in desired.scram.values()}
    found: list[dict] = []
    for page in aws_call("list mskctl's secrets", secrets.get_paginator("list_secrets").paginate,
                         Filters=[{"Key": "tag-key", "Values": [SECRET_TAG]}]):
        found += page["SecretList"]
        live.requests["aws"] += 1

    def describe(name: str) -> dict | None:
        try:
            return secrets.describe_secret(SecretId=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise

    seen = {s["Name"] for s in found}
    with ThreadPoolExecutor(AWS_THREADS) as pool:
        described = list(pool.map(lambda n: aws_call(f"describe secret {n}", describe, n), sorted(names - seen)))
    live.requests["aws"] += len(names - seen)
    for secret in [*found, *(d for d in described if d)]:
        tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
        if secret["Name"] in seen and tags.get(SECRET_TAG) != desired.owner and secret["Name"] not in names:
            continue  # another cluster's or spec's
        live.secrets[secret["Name"]] = LiveSecret(secret["Name"], secret["ARN"], secret.get("KmsKeyId"),
                                                  tags.get(SECRET_TAG) == desired.owner)
    creating = [u for u in desired.scram.values() if u.create and u.secret_name not in live.secrets]
    if creating:
        try:
            kms.describe_key(KeyId=desired.scram_kms_key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NotFoundException":
                raise translate(exc, f"describe KMS key {desired.scram_kms_key}") from None
            live.kms_key_exists = False
        live.requests["aws"] += 1
