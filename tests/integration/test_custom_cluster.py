"""A second, differently shaped local cluster: a custom configuration, plaintext allowed, 1 broker."""

from __future__ import annotations

import socket

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from mskctl.errors import UsageError
from mskctl.local import cluster, operator
from mskctl.local.paths import ClusterPaths
from tests.integration.kafka_helpers import (
    QUIET,
    can_produce,
    create_cmk,
    create_topic,
    scram_secret,
    wait_until,
)

pytestmark = pytest.mark.integration

HARDENED = """\
# like an aws_msk_configuration's server_properties
allow.everyone.if.no.acl.found=false
auto.create.topics.enable=false
unclean.leader.election.enable=false
log.retention.hours=24
"""


@pytest.fixture(scope="module")
def hardened(msk, tmp_path_factory):
    config = tmp_path_factory.mktemp("cfg") / "server.properties"
    config.write_text(HARDENED)
    spec = cluster.up(cluster.UpRequest(
        name="hardened", brokers=1, configuration=config,
        client_auth="scram,unauthenticated", client_broker="TLS_PLAINTEXT",
    ))
    paths = ClusterPaths.for_name("hardened")
    yield spec, paths, cluster.environment(spec, paths)
    cluster.down("hardened", wipe=True)


def test_custom_configuration_is_what_the_broker_runs(hardened):
    spec, paths, _ = hardened
    admin = operator.admin(spec, paths)
    resource = ConfigResource(ResourceType.BROKER, "1")
    configs = admin.describe_configs([resource])[resource].result()
    # allow.everyone.if.no.acl.found is the authorizer's, not a broker config Kafka describes:
    # the next test shows it in effect.
    assert configs["log.retention.hours"].value == "24"
    assert configs["unclean.leader.election.enable"].value == "false"
    # MSK's defaults for a one-broker cluster still apply underneath.
    assert configs["default.replication.factor"].value == "1"


def test_without_acls_a_scram_user_is_denied_when_allow_everyone_is_false(hardened, unique):
    spec, paths, env = hardened
    import boto3

    session = dict(endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                   aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                   aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    kms, sm, kafka = (boto3.client(s, **session) for s in ("kms", "secretsmanager", "kafka"))
    arn = scram_secret(sm, f"AmazonMSK_h{unique}", f"h{unique}", "hardened-pw", create_cmk(kms))
    assert kafka.batch_associate_scram_secret(ClusterArn=spec.arn, SecretArnList=[arn])[
        "UnprocessedScramSecrets"] == []
    topic = f"locked-{unique}"
    create_topic(operator.operator_config(spec, paths), topic, partitions=1, replication=1)
    config = {
        "bootstrap.servers": env["MSK_BOOTSTRAP_SERVERS_SCRAM"], "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": f"h{unique}",
        "sasl.password": "hardened-pw", "ssl.ca.location": env["MSK_CA_BUNDLE"],
    }
    assert wait_until(
        lambda: (e := can_produce(config, topic, 5)) is not None
        and e.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED,
        20,
    )


def test_iam_port_is_closed_when_iam_auth_is_off(hardened):
    spec, _, env = hardened
    with pytest.raises(OSError):
        socket.create_connection((spec.broker_host(1), 9098), timeout=2).close()
    assert "MSK_BOOTSTRAP_SERVERS_IAM" not in env


def test_tls_plaintext_opens_9092_and_reports_it_in_bootstrap_brokers(hardened):
    spec, _, env = hardened
    socket.create_connection((spec.broker_host(1), 9092), timeout=5).close()
    assert env["MSK_BOOTSTRAP_SERVERS"] == f"{spec.broker_host(1)}:9092"
    import boto3

    kafka = boto3.client("kafka", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                         aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                         aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    result = kafka.get_bootstrap_brokers(ClusterArn=spec.arn)
    assert result["BootstrapBrokerString"] == f"{spec.broker_host(1)}:9092"
    assert result["BootstrapBrokerStringTls"] == f"{spec.broker_host(1)}:9094"


def test_unauthenticated_tls_client_connects_as_anonymous_and_is_authorized_by_acls(hardened, unique):
    spec, paths, env = hardened
    topic = f"anon-{unique}"
    create_topic(operator.operator_config(spec, paths), topic, partitions=1, replication=1)
    config = {"bootstrap.servers": env["MSK_BOOTSTRAP_SERVERS_TLS"], "security.protocol": "SSL",
              "ssl.ca.location": env["MSK_CA_BUNDLE"]}
    # Connected without a certificate, then refused by the authorizer (no ACL for ANONYMOUS).
    metadata = AdminClient(config | QUIET).list_topics(timeout=10)
    assert set(metadata.brokers) == {1}
    error = can_produce(config, topic, timeout=5)
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_existing_cluster_refuses_conflicting_flags(hardened):
    with pytest.raises(UsageError) as error:
        cluster.up(cluster.UpRequest(name="hardened", brokers=3))
    assert "--brokers 3 (it has 1)" in error.value.message
    assert "down --wipe" in (error.value.hint or "")
