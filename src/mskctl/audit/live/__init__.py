"""The live layer of ``mskctl audit``: what the brokers run, read through the Kafka admin API.

Requests: one metadata request, one DescribeConfigs per broker (librdkafka allows one BROKER resource per
call; each answer carries the cluster-wide dynamic defaults as DYNAMIC_DEFAULT_BROKER_CONFIG entries),
one DescribeConfigs per ``CONFIG_BATCH`` topics, one DescribeAcls for every binding, and, unless the
audit connects with IAM, one DescribeConfigs on a topic that does not exist (the probe of
allow.everyone.if.no.acl.found; brokers may log it as denied). The judging is in ``live/rules.py``, which
also documents the finding locations and the probe.
"""

from __future__ import annotations

import secrets
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import ConfigResource, ConfigSource, ResourceType
from cryptography import x509

from mskctl.access.live import CONFIG_BATCH, chunks, kafka_call, read_acls
from mskctl.audit.live.rules import (
    BROKER_KEYS,
    HIDDEN,
    TOPIC_KEYS,
    AclProbe,
    ClientIdentity,
    ConfigValue,
    LiveCluster,
    LiveTopic,
    evaluate,
    plan_probe,
    probe_answer,
)
from mskctl.audit.model import LayerResult
from mskctl.config.settings import AuthMode

LISTENER_KEYS = ("advertised.listeners", "listener.security.protocol.map", "inter.broker.listener.name",
                 "controller.listener.names", "sasl.enabled.mechanisms", "ssl.client.auth")


def audit_live(connection: Any, cluster: str) -> LayerResult:
    """Audit the cluster behind ``connection`` (its admin client); ``cluster`` names it in kafka:// locations."""
    admin = connection.admin()
    live = read_cluster(admin)
    live.probe = probe(admin, plan_probe(client_identity(connection), live.acls, secrets.token_hex(8)))
    return evaluate(cluster, live)


def client_identity(connection: Any) -> ClientIdentity | None:
    """The principal the brokers see for ``connection``; None with IAM (IAM policies decide, not ACLs)."""
    mode = connection.mode
    if mode is AuthMode.iam:
        return None
    if mode is AuthMode.scram:
        return ClientIdentity("SCRAM user", f"User:{connection.scram_user}")
    certificate = connection.settings.tls_client_cert
    if mode is AuthMode.mtls or (mode is AuthMode.tls and certificate):
        return ClientIdentity("mTLS certificate", f"User:{_subject(certificate)}")
    return ClientIdentity("unauthenticated client", "User:ANONYMOUS")


def _subject(certificate: str) -> str:
    """The certificate's subject DN, as Kafka's default principal builder names it."""
    try:
        with open(certificate, "rb") as handle:
            return x509.load_pem_x509_certificate(handle.read()).subject.rfc4514_string()
    except (OSError, ValueError):
        return f"<subject of {certificate}>"  # only for messages: the connection already used it


def probe(admin: Any, planned: AclProbe) -> AclProbe:
    """Send the planned probe; every answer, error or time-out is judged, never raised."""
    if not planned.topic:
        return planned
    resource = ConfigResource(ResourceType.TOPIC, planned.topic)
    try:
        admin.describe_configs([resource], request_timeout=30)[resource].result(timeout=60)
    except KafkaException as exc:
        error = exc.args[0] if exc.args else None
        if isinstance(error, KafkaError):
            return probe_answer(planned, error.name(), error.str())
        return probe_answer(planned, type(exc).__name__, str(exc))
    except FutureTimeout:
        return probe_answer(planned, "TIMED_OUT", "no answer within 60 s")
    return probe_answer(planned, None)


def read_cluster(admin: Any) -> LiveCluster:
    metadata = kafka_call("read the cluster metadata", lambda: admin.list_topics(timeout=30))
    brokers = _broker_configs(admin, sorted(metadata.brokers))
    topics = [LiveTopic(name, min(len(p.replicas) for p in topic.partitions.values()))
              for name, topic in metadata.topics.items()
              if not name.startswith("__") and topic.error is None and topic.partitions]
    _topic_configs(admin, {topic.name: topic for topic in topics})
    return LiveCluster(brokers, topics, read_acls(admin))


def _value(entry: Any) -> ConfigValue:
    return ConfigValue(entry.value, ConfigSource(entry.source).name, bool(entry.is_sensitive))


def _wanted_broker_key(key: str) -> bool:
    return key in BROKER_KEYS or key in HIDDEN or key in LISTENER_KEYS or (
        key.startswith("listener.name.") and key.endswith((".sasl.enabled.mechanisms", ".ssl.client.auth")))


def _broker_configs(admin: Any, broker_ids: list[int]) -> dict[int, dict[str, ConfigValue]]:
    futures = {}
    for broker in broker_ids:  # sent together, answered in parallel
        resource = ConfigResource(ResourceType.BROKER, str(broker))
        futures[broker] = admin.describe_configs([resource], request_timeout=60)[resource]
    return {broker: {key: _value(entry) for key, entry in
                     kafka_call(f"describe the configs of broker {broker}", lambda f=future: f).items()
                     if _wanted_broker_key(key)}
            for broker, future in futures.items()}


def _topic_configs(admin: Any, topics: dict[str, LiveTopic]) -> None:
    pending = []
    for chunk in chunks(sorted(topics), CONFIG_BATCH):
        pending.append(admin.describe_configs([ConfigResource(ResourceType.TOPIC, name) for name in chunk],
                                              request_timeout=60))
    for futures in pending:
        for resource, future in futures.items():
            entries = kafka_call(f"describe the configs of topic {resource.name}", lambda f=future: _unless_gone(f))
            topics[resource.name].configs = {key: _value(entries[key]) for key in TOPIC_KEYS if key in entries}


def _unless_gone(future: Any) -> dict[str, Any]:
    """A topic deleted since the metadata request has no configs (and nothing to judge)."""
    try:
        return future.result(timeout=60)
    except KafkaException as exc:
        if exc.args and getattr(exc.args[0], "code", lambda: None)() == KafkaError.UNKNOWN_TOPIC_OR_PART:
            return {}
        raise
