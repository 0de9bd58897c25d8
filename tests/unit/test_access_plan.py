"""Plans from desired + live state (plain data): drift, impossible changes, ownership, self-revocation."""

from __future__ import annotations

import pytest

from mskctl.access.context import Identity, revocations
from mskctl.access.desired import desired_state
from mskctl.access.live import Live, LivePolicy, LiveSecret, LiveTopic
from mskctl.access.loader import load_text
from mskctl.access.permissions import Acl
from mskctl.access.plan import Action, Kind, make_plan

ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
SPEC = """
scope: {topics: ["app.*"], principals: ["User:app-*"]}
topics:
  app.orders: {partitions: 6, replication_factor: 3, configs: {retention.ms: 1000, cleanup.policy: "compact,delete"}}
principals:
  app-writer:
    scram: true
    produce: [app.orders]
  reader:
    iam: arn:aws:iam::123456789012:role/reader
    consume: {topics: [app.orders], groups: [readers]}
"""


def plan_for(live: Live, spec: str = SPEC):
    desired = desired_state(load_text(spec).spec, None, ARN)
    return desired, make_plan(desired, live, ARN, "demo")


def in_sync(desired) -> Live:
    """A live state that already matches the desired one."""
    live = Live()
    for name, topic in desired.topics.items():
        live.topics[name] = LiveTopic(name, topic.partitions or 3, topic.replication_factor or 3,
                                      dict(topic.configs), set(topic.configs))
    live.acls = set(desired.acls)
    for grant in desired.iam.values():
        live.policies[grant.policy_name] = LivePolicy(grant.policy_name, f"arn:policy/{grant.policy_name}",
                                                      grant.document, [], {(grant.principal_kind,
                                                                            grant.principal_name)})
    for user in desired.scram.values():
        arn = f"arn:secret:{user.secret_name}"
        live.secrets[user.secret_name] = LiveSecret(user.secret_name, arn, "arn:kms:key/1", True)
        live.associated.add(arn)
    return live


def test_matching_cluster_gives_an_empty_plan():
    desired, _ = plan_for(Live())
    _, plan = plan_for(in_sync(desired))
    assert plan.changes == [] and not plan.has_changes


def test_empty_cluster_gets_everything_created_in_dependency_kinds():
    _, plan = plan_for(Live(kms_key_exists=False))
    kinds = [(c.kind, c.action) for c in plan.changes]
    assert (Kind.kms_key, Action.create) in kinds
    assert kinds.index((Kind.scram_secret, Action.create)) < kinds.index((Kind.scram_association, Action.create))
    assert (Kind.topic, Action.create) in kinds and (Kind.iam_attachment, Action.create) in kinds
    assert plan.counts()["delete"] == 0


def test_config_drift_and_extra_dynamic_configs_are_updates():
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    topic = live.topics["app.orders"]
    topic.configs["retention.ms"] = "5"
    topic.configs["segment.ms"] = "60000"
    topic.dynamic.add("segment.ms")
    topic.configs["cleanup.policy"] = "compact, delete"  # same policy, other spelling: no change
    _, plan = plan_for(live)
    [change] = plan.changes
    assert (change.kind, change.action) == (Kind.topic_config, Action.update)
    assert change.detail["set"] == {"retention.ms": "1000"} and change.detail["reset"] == ["segment.ms"]


def test_fewer_partitions_and_new_replication_factor_are_impossible_more_partitions_an_update():
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    live.topics["app.orders"].partitions = 12
    live.topics["app.orders"].replication_factor = 2
    _, plan = plan_for(live)
    assert [(c.kind, c.action) for c in plan.changes] == [(Kind.partitions, Action.impossible)] * 2
    live.topics["app.orders"].partitions, live.topics["app.orders"].replication_factor = 3, 3
    _, plan = plan_for(live)
    assert [(c.action, c.detail) for c in plan.changes] == [(Action.update, {"from": 3, "to": 6})]


def test_only_owned_topics_and_acls_are_deleted():
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    live.topics["app.old"] = LiveTopic("app.old", 3, 3)
    live.topics["other.team"] = LiveTopic("other.team", 3, 3)
    live.topics["__consumer_offsets"] = LiveTopic("__consumer_offsets", 50, 3)
    live.acls |= {Acl("User:app-writer", "TOPIC", "LITERAL", "x", "READ"),
                  Acl("User:someone-else", "TOPIC", "LITERAL", "x", "READ")}
    _, plan = plan_for(live)
    assert {(c.kind, c.target) for c in plan.of(Action.delete)} == {
        (Kind.topic, "app.old"), (Kind.acl, "User:app-writer ALLOW READ on topic x")}


def test_policy_drift_lists_added_and_removed_grants_and_stray_attachments():
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    policy = next(iter(live.policies.values()))
    policy.document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"}]}
    policy.attached.add(("user", "intruder"))
    _, plan = plan_for(live)
    update = next(c for c in plan.changes if c.kind is Kind.iam_policy)
    assert update.action is Action.update and update.detail["removed"] == [("kafka-cluster:*", "*")]
    assert ("kafka-cluster:ReadData", "arn:aws:kafka:us-east-1:123456789012:topic/demo/abcd-1/app.orders") in \
        update.detail["added"]
    detach = next(c for c in plan.changes if c.kind is Kind.iam_attachment)
    assert (detach.action, detach.detail["name"]) == (Action.delete, "intruder")


def test_missing_iam_role_and_default_key_secret_are_impossible_not_attempted():
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    live.missing_principals.add("arn:aws:iam::123456789012:role/reader")
    live.secrets["AmazonMSK_app-writer"].kms_key_id = None
    live.associated.clear()
    _, plan = plan_for(live)
    assert {(c.kind, c.action) for c in plan.changes} == {(Kind.iam_policy, Action.impossible),
                                                          (Kind.scram_association, Action.impossible)}


@pytest.mark.parametrize("kms_key_id", [None, "alias/aws/secretsmanager"])
def test_an_unassociated_secret_under_the_aws_managed_key_is_impossible_to_associate(kms_key_id):
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    live.secrets["AmazonMSK_app-writer"].kms_key_id = kms_key_id
    live.associated.clear()
    _, plan = plan_for(live)
    assert [(c.kind, c.action, c.target) for c in plan.changes] == [
        (Kind.scram_association, Action.impossible, "AmazonMSK_app-writer")]
    assert "AWS managed key" in plan.changes[0].summary


@pytest.mark.parametrize("kms_key_id", ["alias/awsome-team", "alias/team/aws/", "arn:aws:kms:us-east-1:1:key/k"])
def test_an_unassociated_secret_under_a_customer_key_is_associated(kms_key_id):
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    live.secrets["AmazonMSK_app-writer"].kms_key_id = kms_key_id
    live.associated.clear()
    _, plan = plan_for(live)
    assert [(c.kind, c.action, c.target) for c in plan.changes] == [
        (Kind.scram_association, Action.create, "AmazonMSK_app-writer")]
    assert plan.changes[0].detail["arn"] == "arn:secret:AmazonMSK_app-writer"


def test_secrets_are_removed_only_when_this_spec_created_them():
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    live.secrets["AmazonMSK_gone"] = LiveSecret("AmazonMSK_gone", "arn:secret:gone", "k", True)
    live.secrets["AmazonMSK_theirs"] = LiveSecret("AmazonMSK_theirs", "arn:secret:theirs", "k", False)
    live.associated |= {"arn:secret:gone", "arn:secret:theirs"}
    _, plan = plan_for(live)
    assert [(c.kind, c.target) for c in plan.of(Action.delete)] == [
        (Kind.scram_association, "AmazonMSK_gone"), (Kind.scram_secret, "AmazonMSK_gone")]


def test_revocations_of_the_running_identity_are_found():
    desired, _ = plan_for(Live())
    live = in_sync(desired)
    live.acls.add(Acl("User:app-admin", "CLUSTER", "LITERAL", "kafka-cluster", "ALTER"))
    policy = live.policies["mskctl-demo-reader"]
    policy.document = {"Version": "2012-10-17", "Statement": [
        *policy.document["Statement"], {"Effect": "Allow", "Action": "kafka-cluster:AlterCluster", "Resource": ARN}]}
    _, plan = plan_for(live)
    assert [c.kind for c in revocations(plan, Identity("User:app-admin", None))] == [Kind.acl]
    as_reader = revocations(plan, Identity(None, "arn:aws:iam::123456789012:role/reader"))
    assert [(c.kind, c.action) for c in as_reader] == [(Kind.iam_policy, Action.update)]
    assert revocations(plan, Identity("User:app-writer", None)) == []
