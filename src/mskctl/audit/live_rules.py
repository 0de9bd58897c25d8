"""The live layer's judgements, on plain data read from the brokers (see ``live.py`` for the reading).

Locations (``Location.name``), exactly:
  kafka://<cluster>/broker/<id>/config/<key>       a broker's effective config (``<id>`` is ``default``
                                                   for a cluster-wide dynamic default)
  kafka://<cluster>/topic/<name>                   a topic
  kafka://<cluster>/acl/<principal>/<resourceType>:<patternType>:<name>   the ACL bindings of one
                                                   principal on one resource pattern (TOPIC:LITERAL:*)

Topic configs are judged only where the topic sets them: an inherited value is one finding at the broker,
not one per topic. ``allow.everyone.if.no.acl.found`` and ``super.users`` are judged only when the
brokers reveal them: Kafka hides the value of every config it does not define itself (it reports them
as sensitive), which includes both, so on MSK and on the local MSK they are noted as not checked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from mskctl.access.permissions import Acl
from mskctl.audit.aws_properties import PROPERTY_RULES, property_fix, property_problem, report
from mskctl.audit.model import Layer, LayerResult, Location

DYNAMIC_DEFAULT = "DYNAMIC_DEFAULT_BROKER_CONFIG"
DYNAMIC_BROKER = "DYNAMIC_BROKER_CONFIG"
DYNAMIC_TOPIC = "DYNAMIC_TOPIC_CONFIG"
HIDDEN = ("allow.everyone.if.no.acl.found", "super.users")
BROKER_KEYS = tuple(key for key in PROPERTY_RULES if key not in HIDDEN)
TOPIC_KEYS = ("min.insync.replicas", "unclean.leader.election.enable")
PLAINTEXT_PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT")
# Listeners brokers use among themselves: MSK's REPLICATION(_SECURE), KRaft's CONTROLLER.
INTERNAL_LISTENER = re.compile(r"^(REPLICATION|CONTROLLER)", re.IGNORECASE)
# Principals of the service itself: brokers (MSK and the local MSK name them b-<n>.<cluster>...) and the
# local MSK's control plane. MSK does not let users set super.users.
SERVICE_PRINCIPAL = re.compile(r"^User:(CN=b-\d+\.|CN=mskctl-operator,)", re.IGNORECASE)


@dataclass(frozen=True)
class ConfigValue:
    value: str | None  # None when the broker hides it
    source: str = "STATIC_BROKER_CONFIG"  # confluent_kafka ConfigSource name
    sensitive: bool = False

    @property
    def readable(self) -> bool:
        return self.value is not None and not self.sensitive


@dataclass
class LiveTopic:
    name: str
    replication_factor: int
    configs: dict[str, ConfigValue] = field(default_factory=dict)


@dataclass
class LiveCluster:
    brokers: dict[int, dict[str, ConfigValue]]
    topics: list[LiveTopic]
    acls: set[Acl]


def evaluate(cluster: str, live: LiveCluster) -> LayerResult:
    result = LayerResult(Layer.live)
    result.scanned += [f"kafka://{cluster}/broker/{b}" for b in sorted(live.brokers)]
    result.scanned.append(f"kafka://{cluster}: {len(live.topics)} topics, {len(live.acls)} ACL bindings")
    check_broker_properties(result, cluster, live.brokers)
    check_hidden(result, cluster, live.brokers)
    secured = check_listeners(result, cluster, live.brokers)
    check_topics(result, cluster, live.topics)
    check_acls(result, cluster, live.acls)
    if secured:
        check_topic_coverage(result, cluster, live.topics, live.acls, secured)
    elif secured is not None:
        result.checked.add("topic-without-acls")  # no SCRAM or mTLS listener: nothing to require
    return result


def broker_location(cluster: str, broker: int | str, key: str) -> Location:
    return Location(name=f"kafka://{cluster}/broker/{broker}/config/{key}")


def _where(broker: int, value: ConfigValue) -> int | str:
    return "default" if value.source == DYNAMIC_DEFAULT else broker


def _broker_fix(key: str, broker: int | str, value: ConfigValue) -> str:
    setting = property_fix(key)
    if value.source == DYNAMIC_DEFAULT:
        return (f"Set {setting} in the cluster configuration's server_properties, and now: kafka-configs.sh "
                f"--alter --entity-type brokers --entity-default --add-config {setting}")
    if value.source == DYNAMIC_BROKER:
        return (f"kafka-configs.sh --alter --entity-type brokers --entity-name {broker} "
                f"--delete-config {key} (then set {setting} in the cluster configuration)")
    return f"Set {setting} in the cluster configuration's server_properties (aws_msk_configuration)."


def check_broker_properties(result: LayerResult, cluster: str, brokers: dict[int, dict[str, ConfigValue]]) -> None:
    reported: set[str] = set()
    for broker, configs in sorted(brokers.items()):
        for key in BROKER_KEYS:
            value = configs.get(key)
            if value is None or not value.readable:
                continue
            result.checked.add(PROPERTY_RULES[key])
            problem = property_problem(key, value.value)
            where = broker_location(cluster, _where(broker, value), key)
            if problem is None or where.name in reported:
                continue
            reported.add(str(where.name))
            report(result, PROPERTY_RULES[key], where, f"Broker {_where(broker, value)} runs {problem} "
                   f"({value.source}).", _broker_fix(key, _where(broker, value), value))


def check_hidden(result: LayerResult, cluster: str, brokers: dict[int, dict[str, ConfigValue]]) -> None:
    """allow.everyone.if.no.acl.found and super.users, when the brokers reveal them (Kafka hides both)."""
    for key in HIDDEN:
        values = {b: c[key] for b, c in brokers.items() if key in c}
        if not values or not all(v.readable for v in values.values()):
            elsewhere = ("the AWS layer reads it from the cluster configuration" if key in PROPERTY_RULES
                         else "MSK does not let users set it")
            result.scanned.append(f"{key}: not checked (the brokers do not reveal it: Kafka reports configs it "
                                  f"does not define as sensitive; {elsewhere})")
            continue
        if key == "super.users":
            check_super_users(result, cluster, {b: str(v.value) for b, v in values.items()})
            continue
        rule_id = PROPERTY_RULES[key]
        result.checked.add(rule_id)
        for broker, value in sorted(values.items()):
            if (problem := property_problem(key, value.value)) is not None:
                where = _where(broker, value)
                report(result, rule_id, broker_location(cluster, where, key),
                       f"Broker {where} runs {problem}.", _broker_fix(key, where, value))


def check_super_users(result: LayerResult, cluster: str, values: dict[int, str]) -> None:
    result.checked.add("super-users-extra")
    for broker, text in sorted(values.items()):
        extra = [p.strip() for p in text.split(";") if p.strip() and not SERVICE_PRINCIPAL.match(p.strip())]
        if extra:
            report(result, "super-users-extra", broker_location(cluster, broker, "super.users"),
                   f"Broker {broker} makes {', '.join(extra)} super users (they bypass every ACL).")


@dataclass(frozen=True)
class Listener:
    name: str
    url: str
    protocol: str


def client_listeners(configs: dict[str, ConfigValue]) -> list[Listener]:
    """The advertised listeners clients use (not the brokers' own replication and controller ones)."""
    def text(key: str) -> str:
        value = configs.get(key)
        return str(value.value) if value is not None and value.readable else ""

    protocols = dict(pair.split(":", 1) for pair in text("listener.security.protocol.map").split(",") if ":" in pair)
    internal = {text("inter.broker.listener.name").upper(), *text("controller.listener.names").upper().split(",")}
    found = []
    for url in filter(None, (u.strip() for u in text("advertised.listeners").split(","))):
        name = url.split("://", 1)[0].upper()
        if name in internal or INTERNAL_LISTENER.match(name):
            continue
        found.append(Listener(name, url, protocols.get(name, name).upper()))
    return found


def _listener_setting(configs: dict[str, ConfigValue], listener: str, key: str) -> str:
    for candidate in (f"listener.name.{listener.lower()}.{key}", key):
        value = configs.get(candidate)
        if value is not None and value.readable:
            return str(value.value)
    return ""


def check_listeners(result: LayerResult, cluster: str,
                    brokers: dict[int, dict[str, ConfigValue]]) -> list[str] | None:
    """Report plaintext client listeners; return the SCRAM and mTLS ones (``topic-without-acls`` needs them).

    None when no broker shows its listeners: then neither rule is judged.
    """
    readable = {b: c for b, c in brokers.items()
                if (value := c.get("advertised.listeners")) is not None and value.readable}
    if not readable:
        result.scanned.append("listeners: not checked (no broker shows advertised.listeners)")
        return None
    secured: set[str] = set()
    result.checked.add("client-broker-plaintext")
    for broker, configs in sorted(readable.items()):
        listeners = client_listeners(configs)
        plaintext = [lst.url for lst in listeners if lst.protocol in PLAINTEXT_PROTOCOLS]
        if plaintext:
            report(result, "client-broker-plaintext", broker_location(cluster, broker, "advertised.listeners"),
                   f"Broker {broker} advertises plaintext listener(s) {', '.join(plaintext)}.",
                   "Set encryption_info.encryption_in_transit.client_broker = \"TLS\" (update_security: "
                   "EncryptionInfo.EncryptionInTransit.ClientBroker=TLS); MSK then closes 9092.")
        for lst in listeners:
            if lst.protocol.startswith("SASL") and "SCRAM" in _listener_setting(
                    configs, lst.name, "sasl.enabled.mechanisms").upper():
                secured.add(f"{lst.name} (SCRAM)")
            if lst.protocol == "SSL" and _listener_setting(configs, lst.name, "ssl.client.auth").lower() in (
                    "required", "requested"):
                secured.add(f"{lst.name} (mTLS)")
    return sorted(secured)


def topic_location(cluster: str, topic: str) -> Location:
    return Location(name=f"kafka://{cluster}/topic/{topic}")


def check_topics(result: LayerResult, cluster: str, topics: Iterable[LiveTopic]) -> None:
    result.checked.update({"replication-factor-low", "min-insync-replicas-low", "unclean-leader-election"})
    for topic in topics:
        where = topic_location(cluster, topic.name)
        if topic.replication_factor < 3:
            report(result, "replication-factor-low", where,
                   f"Topic {topic.name} has replication factor {topic.replication_factor}.",
                   "Reassign its partitions to 3 replicas (kafka-reassign-partitions.sh), or recreate it with "
                   "replication_factor: 3 in access.yaml.")
        for key in TOPIC_KEYS:
            value = topic.configs.get(key)
            if value is None or value.source != DYNAMIC_TOPIC:
                continue  # inherited: judged once, at the broker
            if (problem := property_problem(key, value.value)) is None:
                continue
            report(result, PROPERTY_RULES[key], where, f"Topic {topic.name} sets {problem}.",
                   f"kafka-configs.sh --alter --entity-type topics --entity-name {topic.name} "
                   f"--add-config {property_fix(key)} (or set it in access.yaml and mskctl apply).")


def acl_location(cluster: str, acl: Acl) -> Location:
    return Location(name=f"kafka://{cluster}/acl/{acl.principal}/{acl.resource_type}:{acl.pattern_type}:"
                         f"{acl.resource_name}")


def check_acls(result: LayerResult, cluster: str, acls: Iterable[Acl]) -> None:
    result.checked.update({"acl-all-operations", "acl-any-principal", "acl-wildcard-resource"})
    grouped: dict[tuple[str, str], list[Acl]] = defaultdict(list)
    for acl in acls:
        if acl.permission != "ALLOW":
            continue  # a DENY narrows access
        where = acl_location(cluster, acl)
        if acl.operation == "ALL":
            grouped[("acl-all-operations", str(where.name))].append(acl)
        if acl.principal == "User:*":
            grouped[("acl-any-principal", str(where.name))].append(acl)
        if acl.pattern_type == "LITERAL" and acl.resource_name == "*":
            grouped[("acl-wildcard-resource", str(where.name))].append(acl)
    for (rule_id, name), bindings in sorted(grouped.items()):
        first = bindings[0]
        operations = sorted({b.operation for b in bindings})
        hosts = ", ".join(sorted({b.host for b in bindings}))
        report(result, rule_id, Location(name=name),
               f"{first.principal} is allowed {', '.join(operations)} on {first.resource_type} "
               f"{first.pattern_type} {first.resource_name!r} from host {hosts}.",
               f"Remove it ({_remove_command(first, operations)}) and grant named principals only the "
               "operations they need (mskctl apply -f access.yaml).")


def _remove_command(acl: Acl, operations: list[str]) -> str:
    resource = "--cluster" if acl.resource_type == "CLUSTER" else (
        f"--{acl.resource_type.lower().replace('_', '-')} '{acl.resource_name}'")
    pattern = " --resource-pattern-type prefixed" if acl.pattern_type == "PREFIXED" else ""
    return (f"kafka-acls.sh --remove --allow-principal '{acl.principal}' "
            + " ".join(f"--operation {op}" for op in operations) + f" {resource}{pattern}")


def check_topic_coverage(result: LayerResult, cluster: str, topics: Iterable[LiveTopic], acls: Iterable[Acl],
                         secured: list[str]) -> None:
    """Every topic needs an ALLOW ACL that matches it (literal name, prefix or ``*``)."""
    result.checked.add("topic-without-acls")
    literal: set[str] = set()
    prefixes: set[str] = set()
    for acl in acls:
        if acl.permission == "ALLOW" and acl.resource_type == "TOPIC":
            (prefixes if acl.pattern_type == "PREFIXED" else literal).add(acl.resource_name)
    if "*" in literal:
        return
    for topic in topics:
        name = topic.name
        if name in literal or any(name[:end] in prefixes for end in range(1, len(name) + 1)):
            continue
        report(result, "topic-without-acls", topic_location(cluster, name),
               f"Topic {name} has no ALLOW ACL while {', '.join(secured)} clients connect.",
               f"Grant its producers and consumers (kafka-acls.sh --add --allow-principal User:<name> "
               f"--operation READ --topic {name}, or mskctl apply -f access.yaml).")
