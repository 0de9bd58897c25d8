"""The live layer's judgements on plain data: broker configs, listeners, topics and ACLs."""

from __future__ import annotations

import time

from mskctl.access.permissions import Acl
from mskctl.audit.live_rules import (
    DYNAMIC_DEFAULT,
    DYNAMIC_TOPIC,
    ConfigValue,
    LiveCluster,
    LiveTopic,
    client_listeners,
    evaluate,
)

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
    started = time.perf_counter()
    result = evaluate("big", hardened(topics, acls))
    assert time.perf_counter() - started < 1.0
    assert found(result) == {("topic-without-acls", "kafka://big/topic/topic-0999")}


def test_hidden_listeners_judge_neither_plaintext_nor_acl_coverage():
    hidden = dict(SCRAM_BROKER) | {"advertised.listeners": ConfigValue(None, sensitive=True)}
    result = evaluate("c", LiveCluster({1: hidden}, [LiveTopic("t", 3)], set()))
    assert result.findings == []
    assert "client-broker-plaintext" not in result.checked and "topic-without-acls" not in result.checked
    assert "listeners: not checked (no broker shows advertised.listeners)" in result.scanned
