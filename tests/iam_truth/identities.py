"""Who holds each IAM policy the project writes, on which cluster, and the flows the project runs as it.

Terraform modules' policies are rendered from the modules with their `tofu test` inputs; access-as-code's
come from mskctl.access for examples/access/*.yaml, applied directly or exported as Terraform.
"""

from __future__ import annotations

import fnmatch
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mskctl.access.desired import desired_state
from mskctl.access.loader import load
from mskctl.access.spec import Principal
from mskctl.access.terraform_export import export_terraform, identifier, unique_identifiers
from tests.iam_truth import kafka_flows as kf
from tests.iam_truth.hcl_eval import Module
from tests.iam_truth.kafka_flows import Flow
from tests.iam_truth.module_policies import ModulePolicy, Variant, grants_kafka_cluster, module_policies, policies_of

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "terraform" / "modules"
SPECS = sorted((REPO / "examples" / "access").glob("*.yaml"))
# access-as-code needs a cluster in the principals' account (123456789012 in the examples).
SPEC_CLUSTER_ARN = "arn:aws:kafka:eu-west-1:123456789012:cluster/demo/0f0e0d0c-0b0a-0908-0706-050403020100-1"


@dataclass
class Identity:
    """A policy's holder on one cluster, and the flows the project runs as it."""

    source: str  # where the policy is written, and with which inputs
    principal_arn: str
    cluster_arn: str
    identity_policies: list[dict[str, Any]]
    cluster_policy: dict[str, Any] | None
    flows: list[Flow] = field(default_factory=list)


def _account(arn: str) -> str:
    return arn.split(":")[4]


def _source(policy: ModulePolicy) -> str:
    return f"{policy.location} {policy.address} (module {policy.module}, {policy.variant.name})"


# ---- who holds each module's policy, and what the project runs as it --------------------------------
def kafka_client(policy: ModulePolicy) -> list[Identity]:
    """The EC2 client's role: seed 000/001's `mskctl produce`, `consume` (the profile's group) and `doctor`."""
    var = policy.evaluator.variable
    cluster, topics, groups = var("cluster_arn"), var("topics"), var("consumer_groups")
    flows = [kf.idempotent_produce(t) for t in topics]
    flows += [kf.group_consume(t, g) for t in topics for g in groups] or [kf.assigned_consume(t) for t in topics]
    flows += [kf.doctor(t, groups[0] if groups else None) for t in topics]
    role = f"arn:aws:iam::{_account(cluster)}:role/{var('name')}-kafka-client"
    return [Identity(_source(policy), role, cluster, [policy.document], None, flows)]


def msk_connect(policy: ModulePolicy) -> list[Identity]:
    """MSK Connect's workers: internal topics and worker group (named __amazon_msk_connect_<kind>_<connector>_<id>),
    and the sink's consumer group connect-<connector>."""
    var = policy.evaluator.variable
    cluster, name = var("cluster_arn"), var("name")
    suffix = f"{name}_0f0e0d0c-0b0a-4908-0706-050403020100-3"
    flows = kf.connect_worker([f"__amazon_msk_connect_{kind}_{suffix}" for kind in ("configs", "offsets", "status")],
                              f"__amazon_msk_connect_cluster_{suffix}")
    flows += [kf.group_consume(t, f"connect-{name}") for t in var("topics")]
    role = f"arn:aws:iam::{_account(cluster)}:role/{name[:30]}-connect-1"
    return [Identity(_source(policy), role, cluster, [policy.document], None, flows)]


def msk_replicator(policy: ModulePolicy) -> list[Identity]:
    """MSK Replicator's role, on each of its two clusters, with what the module tells it to copy."""
    var = policy.evaluator.variable
    copy_configs, copy_acls = var("copy_topic_configurations"), var("copy_access_control_lists_for_topics")
    group = "orders-app" if var("synchronise_consumer_group_offsets") else None
    source_topic = "orders"
    prefixed = var("topic_name_configuration") == "PREFIXED_WITH_SOURCE_CLUSTER_ALIAS"
    target_topic = f"source-alias.{source_topic}" if prefixed else source_topic
    role = f"arn:aws:iam::{_account(var('target_cluster_arn'))}:role/{var('name')[:32]}-replicator-1"
    return [
        Identity(_source(policy) + " on the source cluster", role, var("source_cluster_arn"), [policy.document], None,
                 [kf.replicator_source(source_topic, group, copy_configs, copy_acls)]),
        Identity(_source(policy) + " on the target cluster", role, var("target_cluster_arn"), [policy.document], None,
                 [kf.replicator_target(target_topic, group, copy_configs, copy_acls)]),
    ]


# What a cross-account principal's own account grants it: outside the modules, so everything. Cross-account
# access needs that and the cluster policy (IAM's rule, which the plugin models), so the flows below
# judge the cluster policy alone.
OTHER_ACCOUNT_GRANT = {"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"}]}


def msk_cluster_policy(policy: ModulePolicy) -> list[Identity]:
    """The cluster policy's principals (cross-account): what the granted actions are for. Describe always
    (`doctor`); consuming when ReadData and AlterGroup are granted; `mskctl produce` when WriteData is.
    An account (root) principal only delegates to its account, which grants its role (OTHER_ACCOUNT_GRANT)."""
    var = policy.evaluator.variable
    cluster = policy.evaluator.overrides["aws_msk_cluster.this"]["arn"]
    topic_actions, group_actions = set(var("cluster_policy_topic_actions")), set(var("cluster_policy_group_actions"))
    flows = [kf.doctor("orders", "orders-app")]
    if "kafka-cluster:ReadData" in topic_actions and "kafka-cluster:AlterGroup" in group_actions:
        flows.append(kf.group_consume("orders", "orders-app"))
    if "kafka-cluster:WriteData" in topic_actions:
        flows.append(kf.idempotent_produce("orders"))
    identities = []
    for principal in var("cluster_policy_principal_arns"):
        caller = principal.replace(":root", ":role/cross-account-client") if principal.endswith(":root") else principal
        identities.append(Identity(_source(policy) + f" for {principal}", caller, cluster, [OTHER_ACCOUNT_GRANT],
                                   policy.document, flows))
    return identities


FLOWS_OF: dict[tuple[str, str], Callable[[ModulePolicy], list[Identity]]] = {
    ("kafka_client", "aws_iam_role_policy.kafka"): kafka_client,
    ("msk_connect", "aws_iam_role_policy.this"): msk_connect,
    ("msk_replicator", "aws_iam_role_policy.this"): msk_replicator,
    ("msk_cluster", "aws_msk_cluster_policy.this"): msk_cluster_policy,
}


def terraform_identities(module_dir: Path) -> list[Identity]:
    identities: list[Identity] = []
    seen: set[str] = set()
    for policy in module_policies(module_dir, REPO):
        if not grants_kafka_cluster(policy.document):
            continue
        flows_of = FLOWS_OF.get((policy.module, policy.address))
        if flows_of is None:
            raise AssertionError(f"{policy.location} {policy.address} grants kafka-cluster actions, but no flows are "
                                 "registered for it in tests/iam_truth/test_iam_truth.py (FLOWS_OF): say what the "
                                 "project runs as that identity.")
        for identity in flows_of(policy):
            key = json.dumps([identity.principal_arn, identity.cluster_arn, identity.identity_policies,
                              identity.cluster_policy, [f.name for f in identity.flows]], sort_keys=True)
            if key not in seen:  # test runs that change nothing about this policy
                seen.add(key)
                identities.append(identity)
    return identities


# ---- access-as-code ---------------------------------------------------------------------------------
def _names(pattern: str, declared: list[str]) -> list[str]:
    """Concrete names for a spec pattern: the spec's own topics it covers, else the pattern made concrete."""
    if not pattern.endswith("*"):
        return [pattern]
    return [name for name in declared if fnmatch.fnmatchcase(name, pattern)] or [pattern[:-1] + "example"]


def _intent_flows(principal: Principal, topics: list[str]) -> list[Flow]:
    flows: list[Flow] = []
    if principal.produce:
        for t in (n for p in principal.produce.topics for n in _names(p, topics)):
            flows.append(kf.idempotent_produce(t) if principal.produce.idempotent else kf.plain_produce(t))
            flows += [kf.transactional_produce(txn, t) for p in principal.produce.transactional_ids
                      for txn in _names(p, [])]
    if principal.consume:
        consumed = [n for p in principal.consume.topics for n in _names(p, topics)]
        groups = [n for p in principal.consume.groups for n in _names(p, [])]
        flows += [kf.group_consume(t, g) for t in consumed for g in groups] or [kf.assigned_consume(t)
                                                                               for t in consumed]
    if principal.admin:
        flows += [kf.admin_topic(n) for p in principal.admin.topics for n in _names(p, topics)]
        flows += [kf.admin_group(n) for p in principal.admin.groups for n in _names(p, [])]
    return flows


def access_identities(spec_file: Path) -> list[Identity]:
    loaded = load([spec_file])
    desired = desired_state(loaded.spec, None, SPEC_CLUSTER_ARN)
    topics = list(loaded.spec.topics)
    return [Identity(f"{loaded.sources.locate(('principals', key)).removeprefix(f'{REPO}/')} principal {key} "
                     "(mskctl access)", grant.principal_arn, SPEC_CLUSTER_ARN, [grant.document], None,
                     _intent_flows(loaded.spec.principals[key], topics))
            for key, grant in sorted(desired.iam.items())]


def export_identities(spec_file: Path) -> list[Identity]:
    """The same principals through `mskctl access export --terraform`: the .tf it writes, rendered."""
    loaded = load([spec_file])
    desired = desired_state(loaded.spec, None, SPEC_CLUSTER_ARN)
    resource_of = {f"aws_iam_policy.{ident}": key for key, ident in
                   unique_identifiers({key: identifier(key) for key in desired.iam}).items()}
    with tempfile.TemporaryDirectory(prefix="iam-truth-export-") as out:
        export_terraform(desired, Path(out), cluster_arn_known=True, cluster_arn=SPEC_CLUSTER_ARN,
                         scram_module_source="../scram_secrets")
        policies = policies_of(Module.load(Path(out)), Variant("mskctl access export --terraform",
                                                               {"cluster_arn": SPEC_CLUSTER_ARN}, {}), REPO)
    identities = []
    for policy in policies:
        key = resource_of[policy.address]
        identities.append(Identity(f"iam.tf {policy.address} of `mskctl access export --terraform` for principal "
                                   f"{key} ({spec_file.relative_to(REPO)})", desired.iam[key].principal_arn,
                                   SPEC_CLUSTER_ARN, [policy.document], None,
                                   _intent_flows(loaded.spec.principals[key], list(loaded.spec.topics))))
    assert sorted(resource_of.values()) == sorted(resource_of[p.address] for p in policies), "a policy is missing"
    return identities
