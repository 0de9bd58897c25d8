"""MSK IAM on port 9098: tokens from aws-msk-iam-sasl-signer-python, policies from the local IAM API."""

from __future__ import annotations

import base64
import datetime
import json
from unittest import mock

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourcePatternType,
    ResourceType,
)

from tests.integration.iam_helpers import (
    admin_iam_config,
    allow,
    authentication_error,
    authentication_refusal,
    iam_config,
    iam_user,
    put_policy,
    token_callback,
)
from tests.integration.kafka_helpers import QUIET, can_produce, consume_all, create_topic, wait_until

pytestmark = pytest.mark.integration
POLICY_PROPAGATION_SECONDS = 10


@pytest.fixture
def topics(msk, unique):
    a, b = f"iam-a-{unique}", f"iam-b-{unique}"
    for name in (a, b):
        create_topic(msk.tls_config(), name)
    return a, b


def arns(msk, topic: str, group: str = "*") -> dict[str, str]:
    return {"cluster": msk.spec.arn, "topic": msk.spec.resource_arn("topic", topic),
            "group": msk.spec.resource_arn("group", group)}


def test_admin_identity_creates_topics_produces_and_consumes(msk, unique):
    config = admin_iam_config(msk)
    topic = f"iam-admin-{unique}"
    create_topic(config, topic)
    producer = Producer(config | {"enable.idempotence": True, "acks": "all"})
    for i in range(50):
        producer.produce(topic, str(i).encode())
    assert producer.flush(30) == 0
    assert sorted(int(v) for v in consume_all(config, topic, expected=50)) == list(range(50))


def test_write_data_on_one_topic_allows_that_topic_only(msk, unique, topics):
    a, b = topics
    r = arns(msk, a)
    config = iam_user(msk, f"writer-{unique}", [
        allow(["Connect"], [r["cluster"]]), allow(["DescribeTopic", "WriteData"], [r["topic"]])])
    assert can_produce(config, a) is None
    denied = can_produce(config, b, timeout=8)
    assert denied is not None and denied.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_consumer_without_alter_group_gets_group_authorization_failed(msk, unique, topics):
    a, _ = topics
    r = arns(msk, a)
    config = iam_user(msk, f"reader-nogroup-{unique}", [
        allow(["Connect"], [r["cluster"]]),
        allow(["DescribeTopic", "ReadData"], [r["topic"]]),
        allow(["DescribeGroup"], [r["group"]])])
    with pytest.raises(Exception) as error:
        consume_all(config, a, expected=1, timeout=15)
    assert "Group authorization failed" in str(error.value) or "GROUP_AUTHORIZATION" in str(error.value)


def test_consumer_without_read_data_gets_topic_authorization_failed(msk, unique, topics):
    a, _ = topics
    r = arns(msk, a)
    config = iam_user(msk, f"reader-noread-{unique}", [
        allow(["Connect"], [r["cluster"]]),
        allow(["DescribeTopic"], [r["topic"]]),
        allow(["DescribeGroup", "AlterGroup"], [r["group"]])])
    with pytest.raises(Exception) as error:
        consume_all(config, a, expected=1, timeout=15)
    assert "Topic authorization failed" in str(error.value) or "TOPIC_AUTHORIZATION" in str(error.value)


def test_full_consumer_policy_consumes(msk, unique, topics):
    a, _ = topics
    producer = Producer(msk.tls_config(**QUIET))
    producer.produce(a, b"hello")
    producer.flush(15)
    r = arns(msk, a)
    config = iam_user(msk, f"reader-{unique}", [
        allow(["Connect"], [r["cluster"]]),
        allow(["DescribeTopic", "ReadData"], [r["topic"]]),
        allow(["DescribeGroup", "AlterGroup"], [r["group"]])])
    assert consume_all(config, a, expected=1, timeout=30) == [b"hello"]


def test_idempotent_producer_needs_write_data_idempotently(msk, unique, topics):
    a, _ = topics
    r = arns(msk, a)
    name = f"idem-{unique}"
    statements = [allow(["Connect"], [r["cluster"]]), allow(["DescribeTopic", "WriteData"], [r["topic"]])]
    config = iam_user(msk, name, statements)
    idempotent = config | {"enable.idempotence": True}
    refused = can_produce(idempotent, a, timeout=8)
    assert refused is not None
    assert refused.code() in (KafkaError.CLUSTER_AUTHORIZATION_FAILED, KafkaError._FATAL)

    put_policy(msk, name, [*statements, allow(["WriteDataIdempotently"], [r["cluster"]])])
    assert wait_until(lambda: can_produce(idempotent, a, timeout=8) is None, POLICY_PROPAGATION_SECONDS + 10)


def test_deny_statement_beats_allow(msk, unique, topics):
    a, _ = topics
    r = arns(msk, a)
    config = iam_user(msk, f"denied-{unique}", [
        {"Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kafka-cluster:WriteData", "Resource": r["topic"]}])
    denied = can_produce(config, a, timeout=8)
    assert denied is not None and denied.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_policy_change_applies_within_seconds_without_restart(msk, unique, topics):
    a, b = topics
    ra, rb = arns(msk, a), arns(msk, b)
    name = f"growing-{unique}"
    base = [allow(["Connect"], [ra["cluster"]]), allow(["DescribeTopic", "WriteData"], [ra["topic"]])]
    config = iam_user(msk, name, base)
    before = can_produce(config, b, timeout=5)
    assert before is not None and before.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    put_policy(msk, name, [*base, allow(["DescribeTopic", "WriteData"], [rb["topic"]])])
    assert wait_until(lambda: can_produce(config, b, timeout=5) is None, POLICY_PROPAGATION_SECONDS)


def test_assumed_role_session_authenticates_as_the_role(msk, unique, topics):
    a, _ = topics
    r = arns(msk, a)
    iam, sts = msk.boto("iam"), msk.boto("sts")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
    role = iam.create_role(RoleName=f"producer-{unique}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="kafka", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [allow(["Connect"], [r["cluster"]]),
                      allow(["DescribeTopic", "WriteData"], [r["topic"]])]}))
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="app")["Credentials"]
    config = iam_config(msk, token_callback(msk.spec.region, creds["AccessKeyId"], creds["SecretAccessKey"],
                                            creds["SessionToken"]))
    assert can_produce(config, a) is None
    assert can_produce(config, topics[1], timeout=5).code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_cluster_policy_grants_access_to_a_principal_without_identity_policy(msk, unique, topics):
    a, _ = topics
    r = arns(msk, a)
    iam = msk.boto("iam")
    user = iam.create_user(UserName=f"byresource-{unique}")["User"]
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    config = iam_config(msk, token_callback(msk.spec.region, key["AccessKeyId"], key["SecretAccessKey"]))
    assert authentication_refusal(config) is not None  # no Connect yet: refused, not timed out

    kafka = msk.boto("kafka")
    current = kafka.get_cluster_policy(ClusterArn=msk.spec.arn).get("CurrentVersion") or None
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": [user["Arn"]]},
        "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
        "Resource": [r["cluster"], r["topic"]]}]}
    args = {"ClusterArn": msk.spec.arn, "Policy": json.dumps(policy)}
    if current:
        args["CurrentVersion"] = current
    kafka.put_cluster_policy(**args)
    assert wait_until(lambda: can_produce(config, a, timeout=5) is None, POLICY_PROPAGATION_SECONDS)
    kafka.delete_cluster_policy(ClusterArn=msk.spec.arn)


def test_principal_without_connect_cannot_authenticate(msk, unique):
    config = iam_user(msk, f"noconnect-{unique}", [allow(["WriteData", "DescribeTopic"], ["*"])])
    error = authentication_error(config)
    assert error is not None and error.code() == KafkaError._AUTHENTICATION


def test_unknown_access_key_is_an_authentication_failure(msk):
    unknown_key = "AKIA" + "UNKNOWNKEY000000"  # well-formed, never issued
    config = iam_config(msk, token_callback(msk.spec.region, unknown_key, "x" * 40))
    error = authentication_error(config)
    assert error is not None and error.code() == KafkaError._AUTHENTICATION


def test_tampered_token_is_an_authentication_failure(msk):
    env = msk.env
    genuine = token_callback(env["AWS_REGION"], env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])

    def tampered(config: str) -> tuple[str, float]:
        token, expiry = genuine(config)
        url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        url = url.replace("X-Amz-Expires=900", "X-Amz-Expires=899")
        return base64.urlsafe_b64encode(url.encode()).decode().rstrip("="), expiry

    error = authentication_error(iam_config(msk, tampered))
    assert error is not None and error.code() == KafkaError._AUTHENTICATION


def test_expired_token_is_an_authentication_failure(msk):
    env = msk.env
    genuine = token_callback(env["AWS_REGION"], env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    signed_long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=20)

    def expired(config: str) -> tuple[str, float]:
        # Fault injection: a real signature made at a past time (the signer offers no clock).
        with mock.patch("botocore.auth.get_current_datetime", return_value=signed_long_ago):
            token, _ = genuine(config)
        return token, datetime.datetime.now(datetime.UTC).timestamp() + 60

    error = authentication_error(iam_config(msk, expired))
    assert error is not None and error.code() == KafkaError._AUTHENTICATION


def test_token_for_another_region_is_an_authentication_failure(msk):
    env = msk.env
    other_region = token_callback("eu-west-1", env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    config = iam_config(msk, other_region)
    error = authentication_error(config)
    assert error is not None and error.code() == KafkaError._AUTHENTICATION


def test_malformed_token_is_refused_and_the_broker_keeps_serving(msk, unique):
    error = authentication_error(iam_config(msk, lambda _c: ("not-a-token", 9_999_999_999.0)))
    assert error is not None and error.code() == KafkaError._AUTHENTICATION
    assert authentication_error(admin_iam_config(msk)) is None


def test_kafka_acls_do_not_apply_to_iam_principals(msk, unique, topics):
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
    )

    a, _ = topics
    r = arns(msk, a)
    name = f"aclfree-{unique}"
    config = iam_user(msk, name, [allow(["Connect"], [r["cluster"]]),
                                  allow(["DescribeTopic", "WriteData"], [r["topic"]])])
    principal = f"User:arn:aws:iam::123456789012:user/{name}"
    deny = AclBinding(ResourceType.TOPIC, a, ResourcePatternType.LITERAL, principal, "*",
                      AclOperation.ALL, AclPermissionType.DENY)
    admin = AdminClient(msk.tls_config(**QUIET))
    for future in admin.create_acls([deny]).values():
        future.result()
    assert can_produce(config, a) is None


def test_denials_are_logged_with_principal_action_and_resource(msk, unique, topics):
    _, b = topics
    name = f"logged-{unique}"
    config = iam_user(msk, name, [allow(["Connect"], [msk.spec.arn])])
    refused = can_produce(config, b, timeout=5)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    logs = "".join(msk.paths.broker_log(n).read_text() for n in msk.spec.broker_ids())
    assert f"IAM principal arn:aws:iam::123456789012:user/{name} DENIED" in logs
    assert "kafka-cluster:DescribeTopic on " + msk.spec.resource_arn("topic", b) in logs
    assert msk.env["AWS_SECRET_ACCESS_KEY"] not in logs


def test_requests_forwarded_to_the_controller_are_decided_by_iam(msk, unique):
    """KRaft brokers forward CreateTopics, config and ACL changes to the controller: still IAM, not the
    open-by-default ACLs (a principal without CreateTopic must not create topics)."""
    existing = f"iam-fwd-{unique}"
    create_topic(msk.tls_config(), existing)
    cluster = msk.spec.arn
    topics = msk.spec.resource_arn("topic", f"iam-fwd-{unique}*")
    reader = iam_user(msk, f"fwd-reader-{unique}", [allow(["Connect", "DescribeCluster"], [cluster]),
                                                    allow(["DescribeTopic"], [topics])])
    with pytest.raises(KafkaException, match="AUTHORIZATION"):
        create_topic(reader, f"iam-fwd-{unique}-new")
    admin = AdminClient(reader | QUIET)
    resource = ConfigResource(ResourceType.TOPIC, existing, incremental_configs=[
        ConfigEntry("retention.ms", "1000", incremental_operation=AlterConfigOpType.SET)])
    with pytest.raises(KafkaException, match="AUTHORIZATION"):
        admin.incremental_alter_configs([resource])[resource].result(timeout=20)
    acl = AclBinding(ResourceType.TOPIC, existing, ResourcePatternType.LITERAL, "User:someone", "*",
                     AclOperation.READ, AclPermissionType.ALLOW)
    with pytest.raises(KafkaException, match="AUTHORIZATION"):
        for future in admin.create_acls([acl]).values():
            future.result(timeout=20)

    creator = iam_user(msk, f"fwd-creator-{unique}", [allow(["Connect"], [cluster]),
                                                      allow(["DescribeTopic", "CreateTopic"], [topics])])
    create_topic(creator, f"iam-fwd-{unique}-made")
