"""The state a spec asks for in one environment: topics, ACLs, IAM policies and SCRAM users, as plain data."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from mskctl.access import permissions
from mskctl.access.permissions import Acl, ClusterArn
from mskctl.access.spec import IAM_PRINCIPAL_ARN, AccessSpec, ClusterRef, Scope, TopicSettings
from mskctl.access.topic_configs import config_value
from mskctl.errors import UsageError

POLICY_PATH_ROOT = "/mskctl/"
SECRET_TAG = "mskctl:access"  # tag on secrets apply created: only those may be deleted by it


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int | None
    replication_factor: int | None
    configs: dict[str, str]


@dataclass(frozen=True)
class IamGrant:
    key: str  # the principal's key in the spec
    principal_arn: str
    principal_kind: str  # role or user
    principal_name: str
    policy_name: str
    document: dict


@dataclass(frozen=True)
class ScramUser:
    key: str
    user: str
    secret_name: str
    create: bool


@dataclass
class Desired:
    cluster: ClusterRef
    scope: Scope
    topics: dict[str, Topic] = field(default_factory=dict)
    acls: set[Acl] = field(default_factory=set)
    iam: dict[str, IamGrant] = field(default_factory=dict)
    scram: dict[str, ScramUser] = field(default_factory=dict)
    scram_kms_key: str = ""
    policy_path: str = POLICY_PATH_ROOT
    owner: str = ""  # <cluster>/<spec name>: the tag on the SCRAM secrets this spec created

    def owns_topic(self, name: str) -> bool:
        if name.startswith("__"):  # Kafka's and MSK's internal topics are never the spec's
            return False
        return _matches(name, self.scope.topics) and not _matches(name, self.scope.ignore_topics)

    def owns_principal(self, principal: str) -> bool:
        return _matches(principal, self.scope.principals) and not _matches(principal, self.scope.ignore_principals)


def _matches(name: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def _topic(name: str, *layers: TopicSettings | None) -> Topic:
    partitions = replication = None
    configs: dict[str, str] = {}
    for layer in layers:
        if layer is None:
            continue
        partitions = layer.partitions or partitions
        replication = layer.replication_factor or replication
        configs |= {k: config_value(v) for k, v in layer.configs.items()}
    return Topic(name, partitions, replication, configs)


def cluster_ref(spec: AccessSpec, environment: str | None) -> ClusterRef:
    overlay = _overlay(spec, environment)
    if overlay and overlay.cluster:
        return ClusterRef(profile=overlay.cluster.profile or spec.cluster.profile,
                          arn=overlay.cluster.arn or spec.cluster.arn)
    return spec.cluster


def _overlay(spec: AccessSpec, environment: str | None):
    if environment is None:
        return None
    if environment not in spec.environments:
        known = ", ".join(sorted(spec.environments)) or "none defined"
        raise UsageError(f"Environment {environment!r} is not in the spec (environments: {known}).",
                         hint="Add it under `environments:` or pick one of those.")
    return spec.environments[environment]


def desired_state(spec: AccessSpec, environment: str | None, cluster_arn: str | None) -> Desired:
    overlay = _overlay(spec, environment)
    env_defaults = overlay.defaults.topic if overlay and overlay.defaults else None
    desired = Desired(cluster_ref(spec, environment), spec.scope, scram_kms_key=spec.scram.kms_key)
    for name, settings in spec.topics.items():
        env_topic = overlay.topics.get(name) if overlay else None
        desired.topics[name] = _topic(name, spec.defaults.topic, env_defaults, settings, env_topic)
    needs_arn = [k for k, p in spec.principals.items() if p.iam or (p.scram and p.scram.create)]
    if needs_arn and not cluster_arn:
        raise UsageError(f"Principals {', '.join(needs_arn[:3])} need the cluster ARN (IAM policies, SCRAM "
                         "association), and none is known.",
                         hint="Set cluster.arn in the spec, --cluster-arn, MSK_CLUSTER_ARN or a profile.")
    cluster = ClusterArn.parse(cluster_arn) if cluster_arn else None
    if cluster:
        desired.policy_path = f"{POLICY_PATH_ROOT}{cluster.name}/{spec.name}/"
        desired.owner = f"{cluster.name}/{spec.name}"
    # IAM policy names are unique per account, whatever their path: the cluster and spec are part of it.
    policy_prefix = f"mskctl-{cluster.name if cluster else ''}-" + ("" if spec.name == "default" else f"{spec.name}-")
    for key, principal in spec.principals.items():
        desired.acls |= permissions.acls_for(principal, key)
        if principal.iam and cluster:
            document = permissions.iam_policy(principal, cluster)
            permissions.check_policy_size(document, key)
            match = IAM_PRINCIPAL_ARN.match(principal.iam)
            assert match is not None  # validated by the spec model
            if principal.iam.split(":")[4] != cluster.account:
                raise UsageError(f"Principal {key!r} ({principal.iam}) is in another account than the cluster "
                                 f"({cluster.account}): its policy cannot be attached from here.",
                                 hint="Grant it in its own account, or through the cluster policy "
                                 "(aws_msk_cluster_policy), and leave it out of this spec.")
            desired.iam[key] = IamGrant(key, principal.iam, match.group(1), match.group(2).rsplit("/", 1)[-1],
                                        f"{policy_prefix}{key}"[:128], document)
        if principal.scram:
            user = principal.scram.user or key
            desired.scram[user] = ScramUser(key, user, principal.scram.secret_name or f"AmazonMSK_{user}",
                                            principal.scram.create)
    return desired
