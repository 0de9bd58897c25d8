"""MSK IAM semantics the local MSK got wrong before issue 17, each with policies written with boto3 and
a real client (librdkafka with aws-msk-iam-sasl-signer-python tokens) against the IAM-enforcing brokers.
Every test here fails on the plugin before the issue; the JUnit cases (IamFidelityTest and friends)
pin the same semantics without a broker.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import time
from collections.abc import Iterator

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

from tests.integration.iam_helpers import (
    allow,
    authentication_error,
    iam_config,
    iam_user,
    token_callback,
)
from tests.integration.kafka_helpers import QUIET, can_produce, create_topic, wait_until

pytestmark = pytest.mark.integration
PROPAGATION = 12  # the plugin re-reads policies every ~2 s; tags and cluster policies the same way


@pytest.fixture
def topic(msk, unique):
    name = f"fid-{unique}"
    create_topic(msk.tls_config(), name)
    return name


@contextlib.contextmanager
def cluster_policy(msk, statements: list[dict]) -> Iterator[None]:
    """A cluster policy for the shared cluster, removed afterwards whatever happens."""
    kafka = msk.boto("kafka")
    current = kafka.get_cluster_policy(ClusterArn=msk.spec.arn).get("CurrentVersion") or None
    args = {"ClusterArn": msk.spec.arn, "Policy": json.dumps({"Version": "2012-10-17", "Statement": statements})}
    if current:
        args["CurrentVersion"] = current
    kafka.put_cluster_policy(**args)
    try:
        yield
    finally:
        kafka.delete_cluster_policy(ClusterArn=msk.spec.arn)
        time.sleep(2.5)  # let the brokers forget it before the next test


def keyed(msk, name: str) -> tuple[dict, str]:
    """A user with no identity policy: its client config and ARN."""
    iam = msk.boto("iam")
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return iam_config(msk, token_callback(msk.spec.region, key["AccessKeyId"], key["SecretAccessKey"])), user["Arn"]


def producer(msk, topic: str) -> list[dict]:
    return [allow(["Connect"], [msk.spec.arn]),
            allow(["DescribeTopic", "WriteData"], [msk.spec.resource_arn("topic", topic)])]


def refused_authentication(config: dict) -> bool:
    """The brokers refused this client's authentication (not a timeout or a transport error)."""
    error = authentication_error(config, timeout=4.0)  # a refusal comes within a second on loopback
    return error is not None and error.code() == KafkaError._AUTHENTICATION


def broker_logs(msk) -> str:
    return "".join(msk.paths.broker_log(b).read_text(errors="replace") for b in range(1, msk.spec.brokers + 1))


# ---- cluster-level CREATE is decided per topic -------------------------------------------------
def test_a_deny_on_some_topic_names_applies_to_topic_creation(msk, unique):
    prefix = msk.spec.resource_arn("topic", "")
    config = iam_user(msk, f"creator-{unique}", [
        allow(["Connect"], [msk.spec.arn]),
        allow(["CreateTopic", "DescribeTopic"], [prefix + "*"]),
        {"Effect": "Deny", "Action": "kafka-cluster:CreateTopic", "Resource": prefix + f"prod-{unique}*"}])
    admin = AdminClient(config | QUIET)
    futures = admin.create_topics([NewTopic(f"dev-{unique}", 1, 3), NewTopic(f"prod-{unique}-x", 1, 3)])
    futures[f"dev-{unique}"].result(30)
    with pytest.raises(Exception) as refused:
        futures[f"prod-{unique}-x"].result(30)
    assert refused.value.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert f"prod-{unique}-x" not in admin.list_topics(timeout=10).topics


# ---- cluster-policy principals ----------------------------------------------------------------
def test_an_account_principal_only_delegates_to_the_account(msk, unique, topic):
    config, _ = keyed(msk, f"delegated-{unique}")
    assert refused_authentication(config)
    with cluster_policy(msk, [{"Effect": "Allow", "Principal": {"AWS": msk.spec.account_id},
                               "Action": "kafka-cluster:*", "Resource": "*"}]):
        time.sleep(3)
        # The console's default cluster policy grants nothing by itself to a user without identity policy.
        assert refused_authentication(config)


def test_service_and_not_principal_statements_keep_the_cluster_policy_working(msk, unique, topic):
    config, _ = keyed(msk, f"anyone-{unique}")
    excluded, excluded_arn = keyed(msk, f"excluded-{unique}")
    statements = [
        {"Sid": "Firehose", "Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"},
         "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
         "Resource": "*"},
        {"Sid": "AllButOne", "Effect": "Allow", "NotPrincipal": {"AWS": [excluded_arn]},
         "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
         "Resource": [msk.spec.arn, msk.spec.resource_arn("topic", topic)]}]
    with cluster_policy(msk, statements):
        assert wait_until(lambda: can_produce(config, topic, timeout=5) is None, PROPAGATION)
        assert refused_authentication(excluded)


# ---- conditions -----------------------------------------------------------------------------
def test_resource_tag_conditions_on_the_cluster(msk, unique, topic):
    kafka = msk.boto("kafka")
    tag = f"team{unique[:4]}"
    statements = [{"Effect": "Allow", "Action": "kafka-cluster:Connect", "Resource": msk.spec.arn,
                   "Condition": {"StringEquals": {f"aws:ResourceTag/{tag}": "payments"}}},
                  allow(["DescribeTopic", "WriteData"], [msk.spec.resource_arn("topic", topic)])]
    config = iam_user(msk, f"tagged-{unique}", statements)
    assert refused_authentication(config)  # the cluster has no such tag yet
    kafka.tag_resource(ResourceArn=msk.spec.arn, Tags={tag: "payments"})
    try:
        assert wait_until(lambda: can_produce(config, topic, timeout=5) is None, PROPAGATION)
    finally:
        kafka.untag_resource(ResourceArn=msk.spec.arn, TagKeys=[tag])


def test_source_ip_guardrail(msk, unique, topic):
    guard = {"Effect": "Deny", "Action": "kafka-cluster:*", "Resource": "*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}
    outside = iam_user(msk, f"outside-{unique}", [*producer(msk, topic), guard])
    refused = can_produce(outside, topic, timeout=8)
    # The clients connect from 127.0.0.1. Kafka gives no address at authentication: the Deny applies
    # from the first request on.
    assert refused is not None and refused.code() in (KafkaError.TOPIC_AUTHORIZATION_FAILED,
                                                      KafkaError.CLUSTER_AUTHORIZATION_FAILED), refused
    loopback = {**guard, "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]}}}
    inside = iam_user(msk, f"inside-{unique}", [*producer(msk, topic), loopback])
    assert can_produce(inside, topic) is None


def test_time_and_principal_conditions(msk, unique, topic):
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = {"DateLessThan": {"aws:CurrentTime": soon}, "StringEquals": {"aws:PrincipalAccount": msk.spec.account_id},
             "Bool": {"aws:SecureTransport": "true"}}
    statements = [{**s, "Condition": until} for s in producer(msk, topic)]
    assert can_produce(iam_user(msk, f"until-{unique}", statements), topic) is None
    expired = {**until, "DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    late = iam_user(msk, f"late-{unique}", [{**s, "Condition": expired} for s in producer(msk, topic)])
    assert refused_authentication(late)


def test_an_unsupported_condition_fails_closed_and_is_logged(msk, unique, topic):
    statements = [allow(["Connect"], [msk.spec.arn]),
                  {"Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
                   "Resource": msk.spec.resource_arn("topic", topic),
                   "Condition": {"StringEquals": {"kafka-cluster:topicName": topic}}}]
    config = iam_user(msk, f"topicname-{unique}", statements)
    refused = can_produce(config, topic, timeout=8)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert wait_until(lambda: "condition key kafka-cluster:topicName" in broker_logs(msk)
                      and f"topicname-{unique}" in broker_logs(msk), 5)


# ---- permission boundaries, session policies, session lifetime --------------------------------
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}


def role(msk, name: str, statements: list[dict], boundary: list[dict] | None = None) -> str:
    iam = msk.boto("iam")
    args = {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(TRUST)}
    if boundary is not None:
        args["PermissionsBoundary"] = iam.create_policy(PolicyName=f"{name}-boundary", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": boundary}))["Policy"]["Arn"]
    arn = iam.create_role(**args)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="kafka", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    return arn


def session_config(msk, creds: dict) -> dict:
    return iam_config(msk, token_callback(msk.spec.region, creds["AccessKeyId"], creds["SecretAccessKey"],
                                          creds["SessionToken"]))


def test_the_permissions_boundary_limits_the_role(msk, unique, topic):
    arn = role(msk, f"bounded-{unique}", [{"Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"}],
               boundary=[allow(["Connect", "DescribeTopic"], ["*"])])
    creds = msk.boto("sts").assume_role(RoleArn=arn, RoleSessionName="app")["Credentials"]
    config = session_config(msk, creds)
    assert authentication_error(config) is None
    refused = can_produce(config, topic, timeout=8)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_the_permissions_boundary_limits_the_user(msk, unique, topic):
    iam = msk.boto("iam")
    boundary = iam.create_policy(PolicyName=f"user-boundary-{unique}", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow(["Connect", "DescribeTopic"], ["*"])]}))["Policy"]["Arn"]
    config = iam_user(msk, f"bounded-user-{unique}", [{"Effect": "Allow", "Action": "kafka-cluster:*",
                                                        "Resource": "*"}])
    assert can_produce(config, topic) is None
    iam.put_user_permissions_boundary(UserName=f"bounded-user-{unique}", PermissionsBoundary=boundary)
    assert wait_until(lambda: can_produce(config, topic, timeout=5) is not None, PROPAGATION)
    refused = can_produce(config, topic, timeout=8)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_a_session_policy_limits_the_session(msk, unique, topic):
    arn = role(msk, f"scoped-{unique}", [{"Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"}])
    sts = msk.boto("sts")
    only_connect = json.dumps({"Version": "2012-10-17", "Statement": [allow(["Connect", "DescribeTopic"], ["*"])]})
    scoped = sts.assume_role(RoleArn=arn, RoleSessionName="scoped", Policy=only_connect)["Credentials"]
    refused = can_produce(session_config(msk, scoped), topic, timeout=8)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    full = sts.assume_role(RoleArn=arn, RoleSessionName="full")["Credentials"]
    assert can_produce(session_config(msk, full), topic) is None
    # Managed session policies (PolicyArns) limit it the same way.
    managed = msk.boto("iam").create_policy(PolicyName=f"scoped-{unique}-session", PolicyDocument=only_connect)
    by_arn = sts.assume_role(RoleArn=arn, RoleSessionName="by-arn",
                             PolicyArns=[{"arn": managed["Policy"]["Arn"]}])["Credentials"]
    refused = can_produce(session_config(msk, by_arn), topic, timeout=8)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_the_session_ends_with_the_credentials(msk, unique, topic):
    arn = role(msk, f"lifetime-{unique}", producer(msk, topic))
    creds = msk.boto("sts").assume_role(RoleArn=arn, RoleSessionName=f"life-{unique}",
                                        DurationSeconds=900)["Credentials"]
    time.sleep(2)  # the token is signed later, so it outlives the credentials by ~2 s
    assert can_produce(session_config(msk, creds), topic) is None
    expiry = creds["Expiration"].astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)
    marker = f"assumed-role/lifetime-{unique}/life-{unique} (OAUTHBEARER"
    lines = [line for line in broker_logs(msk).splitlines() if marker in line]
    assert lines, "no authentication logged"
    assert all(f"session until {expiry.isoformat()}Z" in line for line in lines), lines


# ---- idempotent producers (KIP-679 as MSK documents it) --------------------------------------
def test_write_data_on_all_topics_lets_an_idempotent_producer_in(msk, unique, topic):
    statements = [allow(["Connect"], [msk.spec.arn]),
                  allow(["DescribeTopic", "WriteData"], [msk.spec.resource_arn("topic", "*")])]
    config = iam_user(msk, f"alltopics-{unique}", statements)
    assert can_produce(config | {"enable.idempotence": True}, topic) is None
