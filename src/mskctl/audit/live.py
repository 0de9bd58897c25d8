"""The live layer of ``mskctl audit``: what the brokers run, read through the Kafka admin API.

Requests: one metadata request, one DescribeConfigs per broker (librdkafka allows one BROKER resource per
call; each answer carries the cluster-wide dynamic defaults as DYNAMIC_DEFAULT_BROKER_CONFIG entries),
one DescribeConfigs per ``CONFIG_BATCH`` topics and one DescribeAcls for every binding. The judging is in
``live_rules.py``, which also documents the finding locations.
"""

from __future__ import annotations

from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import ConfigResource, ConfigSource, ResourceType

from mskctl.access.live import CONFIG_BATCH, chunks, kafka_call, read_acls
from mskctl.audit.live_rules import (
    BROKER_KEYS,
    HIDDEN,
    TOPIC_KEYS,
    ConfigValue,
    LiveCluster,
    LiveTopic,
    evaluate,
)
from mskctl.audit.model import LayerResult

LISTENER_KEYS = ("advertised.listeners", "listener.security.protocol.map", "inter.broker.listener.name",
                 "controller.listener.names", "sasl.enabled.mechanisms", "ssl.client.auth")


def audit_live(connection: Any, cluster: str) -> LayerResult:
    """Audit the cluster behind ``connection`` (its admin client); ``cluster`` names it in kafka:// locations."""
    return evaluate(cluster, read_cluster(connection.admin()))


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
