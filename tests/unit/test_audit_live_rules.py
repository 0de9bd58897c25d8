"""The live layer's judgements on plain data: broker configs, listeners, topics and ACLs."""

from __future__ import annotations

import string
import time
from concurrent.futures import Future
from types import SimpleNamespace

import pytest
from confluent_kafka import KafkaError, KafkaException

from mskctl.access.permissions import Acl
from mskctl.audit.live import client_identity, probe
from mskctl.audit.live.rules import (
    DYNAMIC_DEFAULT,
    DYNAMIC_TOPIC,
    IAM_NOTE,
    PROBE_TOPIC,
    AclProbe,
    ClientIdentity,
    ConfigValue,
    LiveCluster,
    LiveTopic,
    client_listeners,
    evaluate,
    plan_probe,
    probe_answer,
)
from mskctl.config.settings import AuthMode
from mskctl.local.tls import LocalCA

SCRAM_BROKER = {
    "advertised.listeners": ConfigValue("CLIENT_SASL_SCRAM://b1:9096,CLIENT_IAM://b1:9098,REPLICATION://b1:9093"),
    "listener.security.protocol.map": ConfigValue(
        "CLIENT_SASL_SCRAM:SASL_SSL,CLIENT_IAM:SASL_SSL,REPLICATION:SSL,CONTROLLER:SSL"),
    "inter.broker.listener.name": ConfigValue("REPLICATION"),
    "controller.listener.names": ConfigValue("CONTROLLER"),
    "listener.name.client_sasl_scram.sasl.enabled.mechanisms": ConfigValue("SCRAM-SHA-512"),
    "listener.name.client_iam.sasl.enabled.mechanisms": ConfigValue("OAUTHBEARER"),
    "auto.create.topics.enable": ConfigValue("false"),
    "unclean.leader.election.enable": ConfigValue("false"),
    "min.insync.replicas": ConfigValue("2", DYNAMIC_DEFAULT),
    "default.replication.factor": ConfigValue("3"),
    "allow.everyone.if.no.acl.found": ConfigValue(None, sensitive=True),
    "super.users": ConfigValue(None, sensitive=True),
}


def hardened(topics: list[LiveTopic] | None = None, acls: set[Acl] | None = None) -> LiveCluster:
    return LiveCluster({1: dict(SCRAM_BROKER), 2: dict(SCRAM_BROKER)}, topics or [], acls or set())


def found(result) -> set[tuple[str, str]]:
    return {(f.rule.id, str(f.location.name)) for f in result.findings}


def test_a_hardened_cluster_has_no_findings_and_says_what_it_could_not_read():
    topic = LiveTopic("orders", 3, {"min.insync.replicas": ConfigValue("2", DYNAMIC_TOPIC)})
    result = evaluate("prod", hardened([topic], {Acl("User:app", "TOPIC", "LITERAL", "orders", "READ")}))
    assert result.findings == []
    assert {"topic-without-acls", "client-broker-plaintext", "min-insync-replicas-low",
            "replication-factor-low", "unclean-leader-election", "auto-create-topics"} <= result.checked
    # Hidden by the brokers: not judged, and said so.
    assert "allow-everyone-if-no-acl" not in result.checked and "super-users-extra" not in result.checked
    assert any(s.startswith("allow.everyone.if.no.acl.found: not checked") for s in result.scanned)
    assert any(s.startswith("super.users: not checked") for s in result.scanned)


def test_weak_broker_settings_are_reported_where_they_are_set():
    weak = dict(SCRAM_BROKER) | {
        "auto.create.topics.enable": ConfigValue("true"),
        "unclean.leader.election.enable": ConfigValue("true"),
        "min.insync.replicas": ConfigValue("1", DYNAMIC_DEFAULT),
        "default.replication.factor": ConfigValue("1"),
    }
    result = evaluate("dev", LiveCluster({1: weak, 2: weak}, [], set()))
    assert found(result) == {
        ("auto-create-topics", "kafka://dev/broker/1/config/auto.create.topics.enable"),
        ("auto-create-topics", "kafka://dev/broker/2/config/auto.create.topics.enable"),
        ("unclean-leader-election", "kafka://dev/broker/1/config/unclean.leader.election.enable"),
        ("unclean-leader-election", "kafka://dev/broker/2/config/unclean.leader.election.enable"),
        # a cluster-wide dynamic default is one finding, at broker "default"
        ("min-insync-replicas-low", "kafka://dev/broker/default/config/min.insync.replicas"),
        ("replication-factor-low", "kafka://dev/broker/1/config/default.replication.factor"),
        ("replication-factor-low", "kafka://dev/broker/2/config/default.replication.factor"),
    }
    default = next(f for f in result.findings if "broker/default" in str(f.location.name))
    assert "--entity-default" in default.remedy and "min.insync.replicas=1" in default.message


def test_revealed_allow_everyone_and_extra_super_users_are_judged():
    broker = dict(SCRAM_BROKER) | {
        "allow.everyone.if.no.acl.found": ConfigValue("true"),
        "super.users": ConfigValue("User:CN=b-1.prod.abc.kafka.us-east-1.amazonaws.com;User:alice"),
    }
    result = evaluate("prod", LiveCluster({1: broker}, [], set()))
    assert found(result) == {
        ("allow-everyone-if-no-acl", "kafka://prod/broker/1/config/allow.everyone.if.no.acl.found"),
        ("super-users-extra", "kafka://prod/broker/1/config/super.users"),
    }
    extra = next(f for f in result.findings if f.rule.id == "super-users-extra")
    assert "User:alice" in extra.message and "b-1" not in extra.message


def test_plaintext_listeners_are_client_ones_only():
    broker = dict(SCRAM_BROKER) | {
        "advertised.listeners": ConfigValue("CLIENT://b1:9092,CLIENT_SECURE://b1:9094,REPLICATION://b1:9093"),
        "listener.security.protocol.map": ConfigValue("CLIENT:PLAINTEXT,CLIENT_SECURE:SSL,REPLICATION:PLAINTEXT"),
        "listener.name.client_secure.ssl.client.auth": ConfigValue("required"),
    }
    assert [lst.name for lst in client_listeners(broker)] == ["CLIENT", "CLIENT_SECURE"]
    result = evaluate("dev", LiveCluster({1: broker}, [LiveTopic("t", 3)], set()))
    plaintext = [f for f in result.findings if f.rule.id == "client-broker-plaintext"]
    assert [str(f.location.name) for f in plaintext] == ["kafka://dev/broker/1/config/advertised.listeners"]
    assert "CLIENT://b1:9092" in plaintext[0].message and "REPLICATION" not in plaintext[0].message
    # mTLS (ssl.client.auth=required) makes ACLs necessary.
    assert ("topic-without-acls", "kafka://dev/topic/t") in found(result)


def test_topics_are_judged_on_what_they_set_not_on_what_they_inherit():
    topics = [
        LiveTopic("rf1", 1),
        LiveTopic("own-isr", 3, {"min.insync.replicas": ConfigValue("1", DYNAMIC_TOPIC),
                                 "unclean.leader.election.enable": ConfigValue("true", DYNAMIC_TOPIC)}),
        LiveTopic("inherits", 3, {"min.insync.replicas": ConfigValue("1", DYNAMIC_DEFAULT)}),
    ]
    acls = {Acl("User:app", "TOPIC", "LITERAL", t.name, "READ") for t in topics}
    result = evaluate("c", hardened(topics, acls))
    assert found(result) == {
        ("replication-factor-low", "kafka://c/topic/rf1"),
        ("min-insync-replicas-low", "kafka://c/topic/own-isr"),
        ("unclean-leader-election", "kafka://c/topic/own-isr"),
    }


def test_acl_rules_and_their_locations():
    acls = {
        Acl("User:*", "TOPIC", "LITERAL", "*", "ALL"),
        Acl("User:*", "TOPIC", "LITERAL", "*", "READ"),
        Acl("User:bob", "GROUP", "PREFIXED", "app-", "ALL"),
        Acl("User:eve", "TOPIC", "LITERAL", "*", "READ", permission="DENY"),  # a DENY narrows: fine
    }
    result = evaluate("c", hardened([LiveTopic("t", 3)], acls))
    assert found(result) == {
        ("acl-all-operations", "kafka://c/acl/User:*/TOPIC:LITERAL:*"),
        ("acl-any-principal", "kafka://c/acl/User:*/TOPIC:LITERAL:*"),
        ("acl-wildcard-resource", "kafka://c/acl/User:*/TOPIC:LITERAL:*"),
        ("acl-all-operations", "kafka://c/acl/User:bob/GROUP:PREFIXED:app-"),
    }
    anyone = next(f for f in result.findings if f.rule.id == "acl-any-principal")
    assert "ALL, READ" in anyone.message  # one finding per principal and pattern, operations listed
    assert "--operation ALL --operation READ --topic '*'" in anyone.remedy


def test_topic_coverage_by_literal_prefix_and_wildcard():
    topics = [LiveTopic(name, 3) for name in ("orders", "payments.eu", "logs")]
    acls = {Acl("User:a", "TOPIC", "LITERAL", "orders", "WRITE"),
            Acl("User:a", "TOPIC", "PREFIXED", "payments.", "READ"),
            Acl("User:a", "GROUP", "LITERAL", "logs", "READ"),  # a group ACL does not cover the topic
            Acl("User:a", "TOPIC", "LITERAL", "logs", "READ", permission="DENY")}
    result = evaluate("c", hardened(topics, acls))
    assert found(result) == {("topic-without-acls", "kafka://c/topic/logs")}
    wildcard = acls | {Acl("User:ops", "TOPIC", "LITERAL", "*", "DESCRIBE")}
    assert not [f for f in evaluate("c", hardened(topics, wildcard)).findings if f.rule.id == "topic-without-acls"]


def test_without_scram_or_mtls_listeners_topics_need_no_acls():
    iam_only = dict(SCRAM_BROKER) | {
        "advertised.listeners": ConfigValue("CLIENT_IAM://b1:9098"),
        "listener.security.protocol.map": ConfigValue("CLIENT_IAM:SASL_SSL"),
    }
    result = evaluate("c", LiveCluster({1: iam_only}, [LiveTopic("t", 3)], set()))
    assert result.findings == [] and "topic-without-acls" in result.checked


def test_a_thousand_topics_and_five_thousand_acls_are_judged_quickly():
    topics = [LiveTopic(f"topic-{i:04d}", 3) for i in range(1000)]
    acls = {Acl(f"User:u{i}", "TOPIC", "LITERAL", f"topic-{i % 999:04d}", op)
            for i in range(1000) for op in ("READ", "WRITE", "DESCRIBE", "CREATE", "ALTER")}
    started = time.process_time()  # CPU time of this process: a busy CI machine does not inflate it
    result = evaluate("big", hardened(topics, acls))
    assert time.process_time() - started < 1.0
    assert found(result) == {("topic-without-acls", "kafka://big/topic/topic-0999")}


def test_hidden_listeners_judge_neither_plaintext_nor_acl_coverage():
    hidden = dict(SCRAM_BROKER) | {"advertised.listeners": ConfigValue(None, sensitive=True)}
    result = evaluate("c", LiveCluster({1: hidden}, [LiveTopic("t", 3)], set()))
    assert result.findings == []
    assert "client-broker-plaintext" not in result.checked and "topic-without-acls" not in result.checked
    assert "listeners: not checked (no broker shows advertised.listeners)" in result.scanned


ALICE = ClientIdentity("SCRAM user", "User:alice")
ALLOW_EVERYONE = "kafka://prod/broker/*/config/allow.everyone.if.no.acl.found"


def probed(answer: AclProbe) -> LiveCluster:
    return LiveCluster({1: dict(SCRAM_BROKER), 2: dict(SCRAM_BROKER)}, [], set(), answer)


def test_a_probe_authorized_on_a_topic_no_acl_covers_is_a_finding_for_the_cluster():
    planned = plan_probe(ALICE, set(), "ab12")
    assert planned.topic == f"{PROBE_TOPIC}ab12" and planned.allowed is None
    result = evaluate("prod", probed(probe_answer(planned, "UNKNOWN_TOPIC_OR_PART")))
    assert found(result) == {("allow-everyone-if-no-acl", ALLOW_EVERYONE)}
    finding = result.findings[0]
    assert "SCRAM user User:alice" in finding.message
    assert f"a topic no ACL covers ({PROBE_TOPIC}ab12) was authorized for DESCRIBE_CONFIGS" in finding.message
    assert "super user" in finding.message and "allow.everyone.if.no.acl.found=false" in finding.remedy
    assert any(s.startswith("allow.everyone.if.no.acl.found: probed as SCRAM user User:alice") and
               s.endswith("(allowed)") for s in result.scanned)
    # An empty, successful answer was authorized too.
    assert probe_answer(planned, None).allowed is True


def test_a_probe_denied_checks_the_rule_without_a_finding():
    result = evaluate("prod", probed(probe_answer(plan_probe(ALICE, set(), "ab12"), "TOPIC_AUTHORIZATION_FAILED")))
    assert result.findings == [] and "allow-everyone-if-no-acl" in result.checked
    assert not any("allow.everyone.if.no.acl.found: not checked" in s for s in result.scanned)
    assert any(s.endswith("(denied)") for s in result.scanned)


@pytest.mark.parametrize(("planned", "note"), [
    (plan_probe(None, set(), "ab12"), IAM_NOTE),
    (probe_answer(plan_probe(ALICE, set(), "ab12"), "CLUSTER_AUTHORIZATION_FAILED", "Cluster authorization failed"),
     f"the probe, DescribeConfigs on topic {PROBE_TOPIC}ab12, failed: CLUSTER_AUTHORIZATION_FAILED "
     "(Cluster authorization failed)"),
])
def test_a_probe_that_tells_nothing_is_noted_not_judged(planned, note):
    result = evaluate("prod", probed(planned))
    assert result.findings == [] and "allow-everyone-if-no-acl" not in result.checked
    assert f"allow.everyone.if.no.acl.found: not checked ({note})" in result.scanned


def test_the_iam_note_says_why_and_what_to_do():
    assert plan_probe(None, set(), "ab12").reason == (
        "connected with IAM, which ignores ACLs; audit with a SCRAM or mTLS identity to probe it")


def test_the_probe_topic_escapes_every_prefixed_acl_of_any_principal_and_permission():
    acls = {Acl("User:bob", "TOPIC", "PREFIXED", "mskctl-", "READ"),
            Acl("User:eve", "TOPIC", "PREFIXED", "a-", "WRITE", permission="DENY"),
            Acl("User:bob", "GROUP", "PREFIXED", "b", "READ")}  # not a topic ACL: does not matter
    assert plan_probe(ALICE, acls, "ab12").topic == f"b-{PROBE_TOPIC}ab12"
    leads = "m" + string.ascii_lowercase + string.digits
    everything = {Acl("User:bob", "TOPIC", "PREFIXED", lead, "READ") for lead in leads}
    blocked = plan_probe(ALICE, everything, "ab12")
    assert blocked.topic == "" and "prefixed TOPIC ACLs match every probe name" in blocked.reason


@pytest.mark.parametrize("principal", ["User:alice", "User:*", "User:bob"])
def test_a_literal_wildcard_topic_acl_of_any_principal_makes_the_probe_meaningless(principal):
    """The authorizer falls back to the setting only when no ACL of anyone matches: '*' always matches."""
    planned = plan_probe(ALICE, {Acl(principal, "TOPIC", "LITERAL", "*", "DESCRIBE")}, "ab12")
    assert planned.topic == "" and planned.allowed is None
    assert f"literal '*' TOPIC ACLs (of {principal})" in planned.reason
    result = evaluate("prod", probed(planned))
    assert "allow-everyone-if-no-acl" not in result.checked
    assert any(s.startswith("allow.everyone.if.no.acl.found: not checked (literal '*' TOPIC ACLs")
               for s in result.scanned)


def test_a_service_super_user_is_not_used_to_probe():
    operator = ClientIdentity("mTLS certificate", "User:CN=mskctl-operator,O=mskctl local MSK")
    planned = plan_probe(operator, set(), "ab12")
    assert planned.topic == "" and "super user of the service" in planned.reason


def test_a_revealed_value_is_judged_rather_than_the_probe():
    broker = dict(SCRAM_BROKER) | {"allow.everyone.if.no.acl.found": ConfigValue("false")}
    answer = probe_answer(plan_probe(ALICE, set(), "ab12"), "UNKNOWN_TOPIC_OR_PART")
    result = evaluate("prod", LiveCluster({1: broker}, [], set(), answer))
    assert result.findings == [] and "allow-everyone-if-no-acl" in result.checked


def test_the_client_identity_follows_the_auth_mode(tmp_path):
    client = LocalCA(tmp_path, "unit").issue("client", "app-client")

    def connection(mode: AuthMode, cert: str | None = None) -> SimpleNamespace:
        return SimpleNamespace(mode=mode, scram_user="alice", settings=SimpleNamespace(tls_client_cert=cert))

    assert client_identity(connection(AuthMode.iam)) is None
    assert client_identity(connection(AuthMode.scram)) == ClientIdentity("SCRAM user", "User:alice")
    mtls = ClientIdentity("mTLS certificate", "User:CN=app-client,O=mskctl local MSK")
    assert client_identity(connection(AuthMode.mtls, str(client.cert))) == mtls
    assert client_identity(connection(AuthMode.tls, str(client.cert))) == mtls
    assert client_identity(connection(AuthMode.tls)) == ClientIdentity("unauthenticated client", "User:ANONYMOUS")


class OneAnswerAdmin:
    """An admin client whose DescribeConfigs answers with ``error`` (or configs when None)."""

    def __init__(self, error: int | None) -> None:
        self.error = error
        self.asked: list[tuple[str, str]] = []

    def describe_configs(self, resources, request_timeout: float):
        (resource,) = resources
        self.asked.append((resource.restype.name, resource.name))
        future: Future = Future()
        if self.error is None:
            future.set_result({})
        else:
            future.set_exception(KafkaException(KafkaError(self.error)))
        return {resource: future}


@pytest.mark.parametrize(("error", "allowed"), [
    (KafkaError.TOPIC_AUTHORIZATION_FAILED, False), (KafkaError.UNKNOWN_TOPIC_OR_PART, True), (None, True),
    (KafkaError.CLUSTER_AUTHORIZATION_FAILED, None)])
def test_the_probe_maps_the_brokers_answer(error, allowed):
    admin = OneAnswerAdmin(error)
    answer = probe(admin, plan_probe(ALICE, set(), "ab12"))
    assert admin.asked == [("TOPIC", f"{PROBE_TOPIC}ab12")]
    assert answer.allowed is allowed
    if allowed is None:
        assert "CLUSTER_AUTHORIZATION_FAILED" in answer.reason


def test_nothing_is_sent_when_the_probe_would_tell_nothing():
    admin = OneAnswerAdmin(None)
    assert probe(admin, plan_probe(None, set(), "ab12")).reason == IAM_NOTE
    assert admin.asked == []


def test_cluster_acls_are_named_as_kafka_names_them_in_locations_and_fixes():
    from mskctl.audit.live.rules import acl_location, check_acls
    from mskctl.audit.model import Layer, LayerResult

    acl = Acl("User:*", "BROKER", "LITERAL", "kafka-cluster", "ALL")  # confluent-kafka's name for CLUSTER
    assert acl_location("c", acl).name == "kafka://c/acl/User:*/CLUSTER:LITERAL:kafka-cluster"
    result = LayerResult(Layer.live)
    check_acls(result, "c", [acl])
    fixes = {f.remedy for f in result.findings}
    assert fixes and all("--cluster" in fix and "--broker" not in fix for fix in fixes)
