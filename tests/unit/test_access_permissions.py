"""Intents -> Kafka ACLs and MSK IAM policies: the tables, least privilege, and seed 002's example."""

from __future__ import annotations

from pathlib import Path

import pytest

from mskctl.access import permissions
from mskctl.access.desired import desired_state
from mskctl.access.loader import load, load_text
from mskctl.access.permissions import ACL_TABLE, IAM_TABLE, Acl, ClusterArn, Resource
from mskctl.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/iam-kafka/abcd-1"
CLUSTER = ClusterArn.parse(ARN)
# Every action MSK documents for kafka-cluster (Semantics of actions and resources).
MSK_ACTIONS = {
    "Connect", "DescribeCluster", "AlterCluster", "DescribeClusterDynamicConfiguration",
    "AlterClusterDynamicConfiguration", "WriteDataIdempotently", "CreateTopic", "DescribeTopic", "AlterTopic",
    "DeleteTopic", "ReadData", "WriteData", "DescribeTopicDynamicConfiguration", "AlterTopicDynamicConfiguration",
    "AlterGroup", "DescribeGroup", "DeleteGroup", "DescribeTransactionalId", "AlterTransactionalId",
}
KAFKA_OPERATIONS = {"READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS",
                    "ALTER_CONFIGS", "IDEMPOTENT_WRITE"}


def principal(text: str):
    body = "".join(f"    {line}\n" for line in text.splitlines())
    return load_text("principals:\n  p:\n" + body).spec.principals["p"]


def test_tables_use_only_documented_actions_and_operations():
    assert {a for actions in IAM_TABLE.values() for a in actions} <= MSK_ACTIONS
    assert {op for ops in ACL_TABLE.values() for op in ops} <= KAFKA_OPERATIONS
    assert "ALL" not in {op for ops in ACL_TABLE.values() for op in ops}


def test_seed_002_example_gives_exactly_its_acls():
    loaded = load([ROOT / "examples" / "access" / "seed-002.yaml"])
    acls = desired_state(loaded.spec, None, ARN).acls
    assert acls == {
        Acl("User:producer-app", "TOPIC", "LITERAL", "user-events", "WRITE"),
        Acl("User:producer-app", "TOPIC", "LITERAL", "user-events", "DESCRIBE"),
        Acl("User:consumer-app", "TOPIC", "LITERAL", "user-events", "READ"),
        Acl("User:consumer-app", "TOPIC", "LITERAL", "user-events", "DESCRIBE"),
        Acl("User:consumer-app", "GROUP", "LITERAL", "event-processor-group", "READ"),
    }


def test_consume_policy_is_connect_topic_read_and_group_membership_only():
    document = permissions.iam_policy(principal(
        "iam: arn:aws:iam::123456789012:role/r\nconsume: {topics: [user-events], groups: [event-processors]}"),
        CLUSTER)
    assert document == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": ARN},
        {"Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
         "Resource": "arn:aws:kafka:us-east-1:123456789012:topic/iam-kafka/abcd-1/user-events"},
        {"Effect": "Allow", "Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
         "Resource": "arn:aws:kafka:us-east-1:123456789012:group/iam-kafka/abcd-1/event-processors"},
    ]}


def test_idempotent_produce_adds_write_data_idempotently_on_the_cluster_only_when_asked():
    idempotent = permissions.iam_policy(principal("iam: arn:aws:iam::123456789012:role/r\nproduce: [t]"), CLUSTER)
    plain = permissions.iam_policy(principal(
        "iam: arn:aws:iam::123456789012:role/r\nproduce: {topics: [t], idempotent: false}"), CLUSTER)
    assert idempotent["Statement"][0] == {"Effect": "Allow", "Resource": ARN, "Action": [
        "kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"]}
    assert plain["Statement"][0]["Action"] == ["kafka-cluster:Connect"]
    assert plain["Statement"][1]["Action"] == ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]


def test_prefixes_become_prefixed_acls_and_iam_wildcards_and_nothing_broader():
    p = principal("mtls: CN=app,O=Example\nproduce: {topics: ['orders.*'], transactional_ids: ['tx-*']}")
    assert permissions.acls_for(p, "p") == {
        Acl("User:CN=app,O=Example", "TOPIC", "PREFIXED", "orders.", "WRITE"),
        Acl("User:CN=app,O=Example", "TOPIC", "PREFIXED", "orders.", "DESCRIBE"),
        Acl("User:CN=app,O=Example", "TRANSACTIONAL_ID", "PREFIXED", "tx-", "WRITE"),
        Acl("User:CN=app,O=Example", "TRANSACTIONAL_ID", "PREFIXED", "tx-", "DESCRIBE"),
    }
    iam = principal("iam: arn:aws:iam::123456789012:role/r\nproduce: {topics: ['orders.*'], transactional_ids: "
                    "['tx-*']}")
    resources = {r for s in permissions.iam_policy(iam, CLUSTER)["Statement"]
                 for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])}
    assert resources == {ARN, f"{CLUSTER.resource('topic')}/orders.*", f"{CLUSTER.resource('transactional-id')}/tx-*"}


def test_iam_table_is_exactly_msk_least_privilege_per_intent_and_resource():
    # Written out from MSK's "Semantics of actions and resources", not read from the product.
    assert IAM_TABLE == {
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


def test_acl_table_is_exactly_what_kafka_acls_users_grant_per_intent_and_resource():
    assert ACL_TABLE == {
        ("produce", Resource.TOPIC): ("WRITE", "DESCRIBE"),
        ("produce", Resource.TRANSACTIONAL_ID): ("WRITE", "DESCRIBE"),
        ("consume", Resource.TOPIC): ("READ", "DESCRIBE"),
        ("consume", Resource.GROUP): ("READ",),
        ("admin", Resource.TOPIC): ("CREATE", "DELETE", "ALTER", "DESCRIBE", "ALTER_CONFIGS", "DESCRIBE_CONFIGS"),
        ("admin", Resource.GROUP): ("DELETE", "DESCRIBE"),
    }


def test_admin_intent_grants_exactly_topic_and_group_management_and_no_data():
    p = principal("scram: true\nadmin: {topics: [t], groups: [g]}")
    assert permissions.acls_for(p, "p") == {
        Acl("User:p", "TOPIC", "LITERAL", "t", operation)
        for operation in ("CREATE", "DELETE", "ALTER", "DESCRIBE", "ALTER_CONFIGS", "DESCRIBE_CONFIGS")
    } | {Acl("User:p", "GROUP", "LITERAL", "g", "DELETE"), Acl("User:p", "GROUP", "LITERAL", "g", "DESCRIBE")}


def test_admin_iam_policy_is_exactly_connect_topic_management_and_group_describe_delete():
    document = permissions.iam_policy(principal(
        "iam: arn:aws:iam::123456789012:role/r\nadmin: {topics: [t], groups: [g]}"), CLUSTER)
    assert document == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": ARN},
        {"Effect": "Allow", "Action": ["kafka-cluster:DeleteGroup", "kafka-cluster:DescribeGroup"],
         "Resource": "arn:aws:kafka:us-east-1:123456789012:group/iam-kafka/abcd-1/g"},
        {"Effect": "Allow", "Action": [
            "kafka-cluster:AlterTopic", "kafka-cluster:AlterTopicDynamicConfiguration", "kafka-cluster:CreateTopic",
            "kafka-cluster:DeleteTopic", "kafka-cluster:DescribeTopic",
            "kafka-cluster:DescribeTopicDynamicConfiguration"],
         "Resource": "arn:aws:kafka:us-east-1:123456789012:topic/iam-kafka/abcd-1/t"},
    ]}


def test_transactional_produce_policy_is_exactly_describe_and_alter_on_the_transactional_id():
    document = permissions.iam_policy(principal(
        "iam: arn:aws:iam::123456789012:role/r\nproduce: {topics: [t], transactional_ids: [tx], idempotent: false}"),
        CLUSTER)
    assert document["Statement"][1:] == [
        {"Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
         "Resource": "arn:aws:kafka:us-east-1:123456789012:topic/iam-kafka/abcd-1/t"},
        {"Effect": "Allow", "Action": ["kafka-cluster:AlterTransactionalId", "kafka-cluster:DescribeTransactionalId"],
         "Resource": "arn:aws:kafka:us-east-1:123456789012:transactional-id/iam-kafka/abcd-1/tx"},
    ]


def test_iam_principals_get_no_acls_and_scram_users_no_policies():
    iam = principal("iam: arn:aws:iam::123456789012:role/r\nconsume: [t]")
    assert permissions.acls_for(iam, "p") == set()
    assert permissions.kafka_principal(principal("scram: {user: billing-app}\nconsume: [t]"), "p") == "User:billing-app"
    spec = load_text("principals:\n  app:\n    scram: {user: billing-app}\n    consume: [t]\n"
                     "  role:\n    iam: arn:aws:iam::123456789012:role/r\n    consume: [t]\n").spec
    desired = desired_state(spec, None, ARN)
    assert set(desired.iam) == {"role"}
    assert {a.principal for a in desired.acls} == {"User:billing-app"}


def test_oversized_policy_is_refused_with_a_hint():
    topics = ", ".join(f"topic-number-{i:04d}-with-a-long-name" for i in range(150))
    p = principal(f"iam: arn:aws:iam::123456789012:role/r\nconsume: [{topics}]")
    with pytest.raises(UsageError, match="IAM allows 6144") as caught:
        permissions.check_policy_size(permissions.iam_policy(p, CLUSTER), "p")
    assert "prefix" in (caught.value.hint or "")


def test_cluster_arn_parsing_refuses_other_arns():
    with pytest.raises(UsageError, match="not an MSK cluster ARN"):
        ClusterArn.parse("arn:aws:iam::123456789012:role/r")
    assert str(CLUSTER) == ARN


def test_every_intent_of_one_principal_contributes_its_acls():
    p = principal("scram: true\nproduce: [a]\nconsume: {topics: [b], groups: [g]}\nadmin: {topics: [c]}")
    assert {(a.resource_type, a.resource_name, a.operation) for a in permissions.acls_for(p, "p")} == {
        ("TOPIC", "a", "WRITE"), ("TOPIC", "a", "DESCRIBE"), ("TOPIC", "b", "READ"), ("TOPIC", "b", "DESCRIBE"),
        ("GROUP", "g", "READ"), *(("TOPIC", "c", op) for op in ACL_TABLE[("admin", Resource.TOPIC)])}


def test_acls_describe_themselves_with_the_prefix_marked():
    assert Acl("User:a", "TOPIC", "PREFIXED", "orders.", "READ").describe() == \
        "User:a ALLOW READ on topic orders. (prefix)"
    assert Acl("User:a", "GROUP", "LITERAL", "g", "READ").describe() == "User:a ALLOW READ on group g"


def test_a_policy_of_exactly_the_iam_limit_is_accepted_and_one_more_character_refused():
    document = {"a": ""}
    document["a"] = "x" * (permissions.MANAGED_POLICY_LIMIT - len('{"a":""}'))
    permissions.check_policy_size(document, "p")
    document["a"] += "x"
    with pytest.raises(UsageError, match="would be 6145 characters; IAM allows 6144"):
        permissions.check_policy_size(document, "p")


@pytest.mark.parametrize("arn", [
    "arn:aws:kafka:us-east-1:123456789012:topic/iam-kafka/abcd-1",  # not a cluster
    "arn:aws:kinesis:us-east-1:123456789012:cluster/iam-kafka/abcd-1",  # not MSK
    "arn:aws:kafka:us-east-1:123456789012:cluster/iam-kafka",  # no uuid
    "iam-kafka",
])
def test_cluster_arn_parsing_refuses_anything_but_an_msk_cluster_arn_and_shows_the_shape(arn):
    with pytest.raises(UsageError, match="not an MSK cluster ARN") as caught:
        ClusterArn.parse(arn)
    assert caught.value.hint == "It looks like arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
