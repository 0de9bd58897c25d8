"""Kafka ACLs hold for SCRAM principals, with MSK's allow.everyone.if.no.acl.found=true default."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from tests.integration.kafka_helpers import (
    QUIET,
    can_produce,
    create_cmk,
    create_topic,
    scram_secret,
    wait_until,
)

pytestmark = pytest.mark.integration


def scram_user(msk, name: str, password: str) -> dict:
    arn = scram_secret(msk.boto("secretsmanager"), f"AmazonMSK_{name}", name, password,
                       create_cmk(msk.boto("kms")))
    assert msk.boto("kafka").batch_associate_scram_secret(
        ClusterArn=msk.spec.arn, SecretArnList=[arn])["UnprocessedScramSecrets"] == []
    return msk.scram_config(name, password)


def test_topic_with_an_acl_admits_only_its_principal(msk, unique):
    writer = scram_user(msk, f"writer{unique}", "writer-password")
    other = scram_user(msk, f"other{unique}", "other-password")
    guarded, open_topic = f"guarded-{unique}", f"open-{unique}"
    create_topic(msk.tls_config(), guarded)
    create_topic(msk.tls_config(), open_topic)
    assert wait_until(lambda: can_produce(other, open_topic, 5) is None, 15)

    acl = AclBinding(ResourceType.TOPIC, guarded, ResourcePatternType.LITERAL,
                     f"User:writer{unique}", "*", AclOperation.WRITE, AclPermissionType.ALLOW)
    admin = AdminClient(writer | QUIET)  # keep the handle alive until the futures resolve
    for future in admin.create_acls([acl]).values():
        future.result()

    assert wait_until(lambda: can_produce(writer, guarded, 5) is None, 15)
    denied = can_produce(other, guarded, timeout=5)
    assert denied is not None and denied.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # A topic without ACLs stays open to every authenticated user, as on MSK by default.
    assert can_produce(other, open_topic, timeout=5) is None


def test_deny_acl_beats_the_open_default(msk, unique):
    user = scram_user(msk, f"denied{unique}", "denied-password")
    topic = f"deny-{unique}"
    create_topic(msk.tls_config(), topic)
    acl = AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL,
                     f"User:denied{unique}", "*", AclOperation.ALL, AclPermissionType.DENY)
    admin = AdminClient(msk.tls_config() | QUIET)
    for future in admin.create_acls([acl]).values():
        future.result()
    assert wait_until(
        lambda: (e := can_produce(user, topic, 5)) is not None
        and e.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED,
        15,
    )
