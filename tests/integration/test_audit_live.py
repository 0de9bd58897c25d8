"""The live layer of the audit against local MSK clusters: the session one, a weak one, a strict one and a
hardened state.

"Hardened" locally: the session cluster's 3 brokers (MSK's defaults for 3 AZs: replication factor 3,
min.insync.replicas 2, no topic auto-creation, TLS-only listeners) with unclean leader election turned
off on every broker for the test (MSK's default is on; removed again after), and a topic of its own with
RF 3 and an ACL. super.users cannot be judged live (the brokers hide it), nor, with IAM,
allow.everyone.if.no.acl.found, so "no findings" covers everything else. allow.everyone.if.no.acl.found is
probed as a SCRAM user or with the local client certificate (CN=mskctl-local-client, not a super user:
only the brokers and the operator identity are) on the weak cluster (true) and the strict one (false).
"""

from __future__ import annotations

import os
import time

import boto3
import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    ResourcePatternType,
    ResourceType,
)

from mskctl.audit.aws import audit_aws
from mskctl.audit.live import audit_live
from mskctl.audit.live.rules import PROBE_TOPIC
from mskctl.audit.model import LayerResult, Severity
from mskctl.clients.connection import Connection, connect
from mskctl.config.settings import Settings
from mskctl.local import cluster, operator
from mskctl.local.paths import ClusterPaths
from tests.integration.kafka_helpers import create_cmk, create_topic, scram_secret, wait_until

pytestmark = pytest.mark.integration

WEAK = """\
allow.everyone.if.no.acl.found=true
auto.create.topics.enable=true
unclean.leader.election.enable=true
min.insync.replicas=1
"""
STRICT = "allow.everyone.if.no.acl.found=false\n"
CLIENT_CERT = "User:CN=mskctl-local-client,O=mskctl local MSK"  # MSK_TLS_CLIENT_CERT's principal
IAM_NOTE = ("allow.everyone.if.no.acl.found: not checked (connected with IAM, which ignores ACLs; audit with a "
            "SCRAM or mTLS identity to probe it)")


def connection_to(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, arn: str, auth: str = "iam",
                  **extra: str) -> Connection:
    """A connection as the local administrator with IAM (its policy allows every kafka-cluster action), or
    as whoever ``auth`` and ``extra`` (environment variables: MSK_SCRAM_SECRET_ARN) name."""
    for key in [k for k in os.environ if k.startswith("MSK_")]:
        monkeypatch.delenv(key)
    for key, value in (env | extra).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MSKCTL_CONFIG", "/nonexistent/config.toml")
    return connect(cluster_arn=arn, auth=auth)


def client_connection(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, arn: str, auth: str,
                      unique: str) -> tuple[Connection, str]:
    """A SCRAM user of its own (a new secret associated with the cluster) or the local client certificate,
    once the broker authenticates it; and its principal."""
    if auth == "mtls":
        return connection_to(env, monkeypatch, arn, "mtls"), CLIENT_CERT
    session = {"endpoint_url": env["AWS_ENDPOINT_URL"], "region_name": env["AWS_REGION"],
               "aws_access_key_id": env["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"]}
    kms, sm, kafka = (boto3.client(s, **session) for s in ("kms", "secretsmanager", "kafka"))
    user = f"auditor{unique}"
    secret = scram_secret(sm, f"AmazonMSK_{user}", user, f"pw-{unique}", create_cmk(kms))
    assert kafka.batch_associate_scram_secret(ClusterArn=arn, SecretArnList=[secret])[
        "UnprocessedScramSecrets"] == []
    conn = connection_to(env, monkeypatch, arn, "scram", MSK_SCRAM_SECRET_ARN=secret)
    assert wait_until(lambda: sees(conn), 30)  # the credentials reach the broker through the metadata log
    return conn, f"User:{user}"


def sees(conn: Connection, topic: str | None = None) -> bool:
    """Whether the broker authenticates ``conn`` (and shows it ``topic``: its ACLs have arrived)."""
    try:
        topics = conn.admin(log_level=0).list_topics(timeout=5).topics
    except KafkaException:
        return False
    return topic is None or topic in topics


def located(result: LayerResult) -> set[tuple[str, str]]:
    return {(f.rule.id, str(f.location.name)) for f in result.findings}


def acl(principal: str, restype: ResourceType, name: str, operation: AclOperation) -> AclBinding:
    return AclBinding(restype, name, ResourcePatternType.LITERAL, principal, "*", operation,
                      AclPermissionType.ALLOW)


def remove(admin, bindings: list[AclBinding]) -> None:
    filters = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
                                b.permission_type) for b in bindings]
    for future in admin.delete_acls(filters, request_timeout=30).values():
        future.result()


def delete_topics(admin, topics: list[str]) -> None:
    for future in admin.delete_topics(topics, operation_timeout=30).values():
        future.result()


def test_topic_without_acls_open_acls_and_wildcards_are_reported_where_they_are(msk, unique, monkeypatch):
    admin = operator.admin(msk.spec, msk.paths)
    bare, shared = f"audit-bare-{unique}", f"audit-open-{unique}"
    for topic in (bare, shared):
        create_topic(operator.operator_config(msk.spec, msk.paths), topic, partitions=1, replication=3)
    bindings = [acl("User:*", ResourceType.TOPIC, shared, AclOperation.ALL),
                acl(f"User:app-{unique}", ResourceType.GROUP, "*", AclOperation.READ)]
    for future in admin.create_acls(bindings, request_timeout=30).values():
        future.result()
    try:
        conn = connection_to(msk.env, monkeypatch, msk.spec.arn)
        started = time.monotonic()
        result = audit_live(conn, "itest")
        elapsed = time.monotonic() - started
        found = located(result)
        assert ("topic-without-acls", f"kafka://itest/topic/{bare}") in found
        assert ("topic-without-acls", f"kafka://itest/topic/{shared}") not in found  # User:* ALL covers it
        open_acl = f"kafka://itest/acl/User:*/TOPIC:LITERAL:{shared}"
        assert {("acl-all-operations", open_acl), ("acl-any-principal", open_acl)} <= found
        assert ("acl-wildcard-resource", f"kafka://itest/acl/User:app-{unique}/GROUP:LITERAL:*") in found
        bare_finding = next(f for f in result.findings if f.location.name == f"kafka://itest/topic/{bare}")
        assert "SCRAM" in bare_finding.message and "mTLS" in bare_finding.message
        assert elapsed < 10, elapsed
        print(f"audit_live on the session cluster: {elapsed:.2f} s, {len(result.findings)} findings")
    finally:
        remove(admin, bindings)
        delete_topics(admin, [bare, shared])


@pytest.fixture(scope="module")
def weak(msk, tmp_path_factory):
    config = tmp_path_factory.mktemp("audit-weak") / "server.properties"
    config.write_text(WEAK)
    spec = cluster.up(cluster.UpRequest(name="audit-weak", brokers=1, configuration=config,
                                        client_broker="TLS_PLAINTEXT"))
    paths = ClusterPaths.for_name("audit-weak")
    try:
        yield spec, cluster.environment(spec, paths)
    finally:
        cluster.down("audit-weak", wipe=True)


def test_an_insecure_configuration_is_reported_broker_by_broker(weak, monkeypatch):
    spec, env = weak
    result = audit_live(connection_to(env, monkeypatch, spec.arn), "audit-weak")
    broker = "kafka://audit-weak/broker"
    expected = {
        ("client-broker-plaintext", f"{broker}/1/config/advertised.listeners"),
        ("auto-create-topics", f"{broker}/1/config/auto.create.topics.enable"),
        ("unclean-leader-election", f"{broker}/1/config/unclean.leader.election.enable"),
        ("replication-factor-low", f"{broker}/1/config/default.replication.factor"),  # 1 broker: RF 1
    }
    assert expected <= located(result)
    # Kafka 4 keeps min.insync.replicas as a cluster-wide dynamic default: one finding at broker "default".
    isr = [f for f in result.findings if f.rule.id == "min-insync-replicas-low"]
    assert [str(f.location.name) for f in isr] in (
        [f"{broker}/default/config/min.insync.replicas"], [f"{broker}/1/config/min.insync.replicas"])
    assert "min.insync.replicas=1" in isr[0].message
    plaintext = next(f for f in result.findings if f.rule.id == "client-broker-plaintext")
    assert f"CLIENT://{spec.broker_host(1)}:9092" in plaintext.message
    # Set to true in the configuration, but the brokers do not reveal it and IAM cannot probe it: not judged.
    assert "allow-everyone-if-no-acl" not in result.checked
    assert IAM_NOTE in result.scanned


@pytest.mark.parametrize("auth", ["scram", "mtls"])
def test_a_client_identity_finds_allow_everyone_by_its_probe(weak, monkeypatch, unique, auth):
    spec, env = weak
    conn, principal = client_connection(env, monkeypatch, spec.arn, auth, unique)
    result = audit_live(conn, "audit-weak")
    allow = [f for f in result.findings if f.rule.id == "allow-everyone-if-no-acl"]
    assert [str(f.location.name) for f in allow] == [
        "kafka://audit-weak/broker/*/config/allow.everyone.if.no.acl.found"]
    kind = {"scram": "SCRAM user", "mtls": "mTLS certificate"}[auth]
    assert f"{kind} {principal}" in allow[0].message
    assert f"a topic no ACL covers ({PROBE_TOPIC}" in allow[0].message
    assert "was authorized for DESCRIBE_CONFIGS" in allow[0].message


def test_the_aws_layer_judges_the_configuration_the_brokers_run(weak, monkeypatch):
    """The emulator serves the cluster's --configuration as revision 1, as MSK serves aws_msk_configuration."""
    spec, env = weak
    for key, value in env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    result = audit_aws(Settings(region=env["AWS_REGION"]), [spec.arn])
    configured = {f.rule.id: f for f in result.findings if ":configuration/" in (f.location.arn or "")}
    assert {"allow-everyone-if-no-acl", "auto-create-topics", "unclean-leader-election",
            "min-insync-replicas-low"} <= set(configured)
    allow = configured["allow-everyone-if-no-acl"]
    assert allow.location.name.endswith("#server.properties:allow.everyone.if.no.acl.found")
    assert "MSK's default" not in allow.message  # read from the revision, not assumed
    assert any(f.rule.id == "client-broker-plaintext" and f.location.arn == spec.arn for f in result.findings)


@pytest.fixture(scope="module")
def strict(msk, tmp_path_factory):
    config = tmp_path_factory.mktemp("audit-strict") / "server.properties"
    config.write_text(STRICT)
    spec = cluster.up(cluster.UpRequest(name="audit-strict", brokers=1, configuration=config))
    paths = ClusterPaths.for_name("audit-strict")
    try:
        yield spec, paths, cluster.environment(spec, paths)
    finally:
        cluster.down("audit-strict", wipe=True)


def prefixed(principal: str, name: str, operation: AclOperation) -> AclBinding:
    return AclBinding(ResourceType.TOPIC, name, ResourcePatternType.PREFIXED, principal, "*", operation,
                      AclPermissionType.ALLOW)


@pytest.mark.parametrize("auth", ["scram", "mtls"])
def test_a_client_identity_with_only_describe_acls_sees_allow_everyone_off(strict, monkeypatch, unique, auth):
    spec, paths, env = strict
    conn, principal = client_connection(env, monkeypatch, spec.arn, auth, unique)
    admin = operator.admin(spec, paths)
    topic = f"mskctl-strict-{unique}"
    create_topic(operator.operator_config(spec, paths), topic, partitions=1, replication=1)
    # What describing the cluster, its topics and its ACLs needs. The "mskctl-" prefix also matches the plain
    # probe name, and grants DESCRIBE_CONFIGS on it: the probe must pick another name or be allowed.
    grants = [acl(principal, ResourceType.BROKER, "kafka-cluster", op)
              for op in (AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS)]
    grants += [prefixed(principal, "mskctl-", op) for op in (AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS)]
    for future in admin.create_acls(grants, request_timeout=30).values():
        future.result()
    try:
        assert wait_until(lambda: sees(conn, topic), 30)
        result = audit_live(conn, "audit-strict")
        assert "allow-everyone-if-no-acl" in result.checked
        assert [f.message for f in result.findings if f.rule.id == "allow-everyone-if-no-acl"] == []
        probed = [s for s in result.scanned if s.startswith("allow.everyone.if.no.acl.found: probed as")]
        assert len(probed) == 1 and probed[0].endswith("(denied)"), result.scanned
        assert f" with DescribeConfigs on topic {PROBE_TOPIC}" not in probed[0]  # "mskctl-" covers the plain name
        # It saw the topic (replication factor 1 on one broker): the ACLs it was given were enough.
        assert ("replication-factor-low", f"kafka://audit-strict/topic/{topic}") in located(result)
    finally:
        remove(admin, grants)
        delete_topics(admin, [topic])


def test_with_iam_allow_everyone_is_noted_not_probed(strict, monkeypatch):
    """The local administrator's IAM policy allows everything: a probe as it would wrongly say "allowed"."""
    spec, _, env = strict
    result = audit_live(connection_to(env, monkeypatch, spec.arn), "audit-strict")
    assert "allow-everyone-if-no-acl" not in result.checked
    assert IAM_NOTE in result.scanned


def set_unclean_election(admin, brokers: list[int], value: str | None) -> None:
    """Set (or, with None, remove) unclean.leader.election.enable on each broker, and wait until it runs."""
    operation = AlterConfigOpType.DELETE if value is None else AlterConfigOpType.SET
    for broker in brokers:
        resource = ConfigResource(ResourceType.BROKER, str(broker), incremental_configs=[
            ConfigEntry("unclean.leader.election.enable", value, incremental_operation=operation)])
        admin.incremental_alter_configs([resource], request_timeout=30)[resource].result()

    def applied() -> bool:
        for broker in brokers:
            resource = ConfigResource(ResourceType.BROKER, str(broker))
            entry = admin.describe_configs([resource], request_timeout=30)[resource].result()[
                "unclean.leader.election.enable"]
            if (value is None and entry.source == ConfigSource.DYNAMIC_BROKER_CONFIG.value) or (
                    value is not None and entry.value != value):
                return False
        return True

    assert wait_until(applied, 30)


def test_a_hardened_cluster_has_no_findings_of_medium_or_more(msk, unique, monkeypatch):
    admin = operator.admin(msk.spec, msk.paths)
    brokers = msk.spec.broker_ids()
    topic = f"audit-hard-{unique}"
    create_topic(operator.operator_config(msk.spec, msk.paths), topic, partitions=3, replication=3,
                 configs={"min.insync.replicas": "2", "unclean.leader.election.enable": "false"})
    grant = [acl(f"User:hard-{unique}", ResourceType.TOPIC, topic, AclOperation.READ)]
    for future in admin.create_acls(grant, request_timeout=30).values():
        future.result()
    set_unclean_election(admin, brokers, "false")
    try:
        result = audit_live(connection_to(msk.env, monkeypatch, msk.spec.arn), "itest")
        # Other tests of the session may leave topics and ACLs behind: judge the brokers and what this test made.
        ours = [f for f in result.findings if "/broker/" in str(f.location.name)
                or str(f.location.name) == f"kafka://itest/topic/{topic}"
                or f"/acl/User:hard-{unique}/" in str(f.location.name)]
        assert [f"{f.rule.id} {f.location}: {f.message}" for f in ours
                if f.severity.at_least(Severity.medium)] == []
        assert {"client-broker-plaintext", "auto-create-topics", "unclean-leader-election", "min-insync-replicas-low",
                "replication-factor-low", "topic-without-acls", "acl-all-operations", "acl-any-principal",
                "acl-wildcard-resource"} <= result.checked
    finally:
        set_unclean_election(admin, brokers, None)
        remove(admin, grant)
        delete_topics(admin, [topic])
