"""The live layer's judgements, on plain data read from the brokers (see ``live/__init__.py`` for the reading).

Locations (``Location.name``), exactly:
  kafka://<cluster>/broker/<id>/config/<key>       a broker's effective config (``<id>`` is ``default``
                                                   for a cluster-wide dynamic default, ``*`` for a setting
                                                   observed through a probe, not read from one broker)
  kafka://<cluster>/topic/<name>                   a topic
  kafka://<cluster>/acl/<principal>/<resourceType>:<patternType>:<name>   the ACL bindings of one
                                                   principal on one resource pattern (TOPIC:LITERAL:*)

Topic configs are judged only where the topic sets them: an inherited value is one finding at the broker,
not one per topic. Kafka hides the value of every config it does not define itself (it reports them as
sensitive), which includes ``allow.everyone.if.no.acl.found`` and ``super.users``. ``super.users`` is
judged only when the brokers reveal it. ``allow.everyone.if.no.acl.found`` is judged from the value when
revealed, else from a probe (``AclProbe``): the audit's own SCRAM, mTLS or unauthenticated principal asks
DescribeConfigs on a topic that does not exist and that no ACL matches. Kafka authorizes before it
looks the topic up, and with no ACL on the resource only the setting decides: TOPIC_AUTHORIZATION_FAILED
means false, UNKNOWN_TOPIC_OR_PARTITION true (unless the principal is a super user, which MSK never
makes a SCRAM or mTLS principal). IAM principals are decided by IAM policies, so IAM cannot probe it.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from mskctl.access.permissions import Acl
from mskctl.audit.model import Layer, LayerResult, Location
from mskctl.audit.properties import PROPERTY_RULES, property_fix, property_problem, report

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
ALLOW_EVERYONE = "allow.everyone.if.no.acl.found"
PROBE_TOPIC = "mskctl-audit-probe-"
# Tried in order when prefixed ACLs match the plain name ("mskctl-", "m"): "a-mskctl-audit-probe-...".
PROBE_LEADS = ("", *(f"{c}-" for c in string.ascii_lowercase + string.digits))
PROBE_DENIED = "TOPIC_AUTHORIZATION_FAILED"
PROBE_ALLOWED = "UNKNOWN_TOPIC_OR_PART"  # librdkafka's name for UNKNOWN_TOPIC_OR_PARTITION
IAM_NOTE = "connected with IAM, which ignores ACLs; audit with a SCRAM or mTLS identity to probe it"


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


@dataclass(frozen=True)
class ClientIdentity:
    """Who the audit connects as, where Kafka ACLs decide (not IAM)."""

    kind: str  # "SCRAM user", "mTLS certificate", "unauthenticated client"
    principal: str  # User:alice, User:CN=app,O=corp, User:ANONYMOUS

    def __str__(self) -> str:
        return f"{self.kind} {self.principal}"


@dataclass(frozen=True)
class AclProbe:
    """The probe of allow.everyone.if.no.acl.found: planned (``topic`` set), answered or not sent.

    ``allowed`` is None when it tells nothing; ``reason`` then says why.
    """

    identity: ClientIdentity | None = None
    topic: str = ""
    allowed: bool | None = None
    reason: str = ""


@dataclass
class LiveCluster:
    brokers: dict[int, dict[str, ConfigValue]]
    topics: list[LiveTopic]
    acls: set[Acl]
    probe: AclProbe | None = None  # None: not attempted (the value is judged only when revealed)


def evaluate(cluster: str, live: LiveCluster) -> LayerResult:
    result = LayerResult(Layer.live)
    result.scanned += [f"kafka://{cluster}/broker/{b}" for b in sorted(live.brokers)]
    result.scanned.append(f"kafka://{cluster}: {len(live.topics)} topics, {len(live.acls)} ACL bindings")
    check_broker_properties(result, cluster, live.brokers)
    check_hidden(result, cluster, live.brokers, live.probe)
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


def check_hidden(result: LayerResult, cluster: str, brokers: dict[int, dict[str, ConfigValue]],
                 probe: AclProbe | None = None) -> None:
    """allow.everyone.if.no.acl.found and super.users, when the brokers reveal them (Kafka hides both);
    allow.everyone.if.no.acl.found otherwise from the probe, when it tells."""
    for key in HIDDEN:
        values = {b: c[key] for b, c in brokers.items() if key in c}
        if not values or not all(v.readable for v in values.values()):
            if key == ALLOW_EVERYONE and probe is not None:
                check_probe(result, cluster, probe)
                continue
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


def plan_probe(identity: ClientIdentity | None, acls: Iterable[Acl], token: str) -> AclProbe:
    """The topic to probe with (``token``: random hex), or why no answer would tell the setting.

    Kafka's authorizer falls back to allow.everyone.if.no.acl.found only when no ACL of any principal
    matches the resource, so the name must escape every literal and prefixed TOPIC ACL (ALLOW or DENY).
    """
    if identity is None:
        return AclProbe(reason=IAM_NOTE)
    if SERVICE_PRINCIPAL.match(identity.principal):
        return AclProbe(identity, reason=f"the audit connects as {identity}, a super user of the service: "
                                         "the authorizer allows it everything; audit with a client identity")
    topic_acls = [acl for acl in acls if acl.resource_type == "TOPIC"]
    wildcard = sorted({acl.principal for acl in topic_acls
                       if acl.pattern_type == "LITERAL" and acl.resource_name == "*"})
    if wildcard:
        return AclProbe(identity, reason=f"literal '*' TOPIC ACLs (of {', '.join(wildcard)}) match every topic, "
                                         "so the authorizer never falls back to the setting for topics")
    literal = {acl.resource_name for acl in topic_acls if acl.pattern_type == "LITERAL"}
    prefixes = {acl.resource_name for acl in topic_acls if acl.pattern_type == "PREFIXED"}
    for lead in PROBE_LEADS:
        name = f"{lead}{PROBE_TOPIC}{token}"
        if name not in literal and not any(name.startswith(prefix) for prefix in prefixes):
            return AclProbe(identity, name)
    return AclProbe(identity, reason=f"prefixed TOPIC ACLs match every probe name ({PROBE_TOPIC}... with "
                                     "any leading character)")


def probe_answer(planned: AclProbe, error: str | None, detail: str = "") -> AclProbe:
    """Judge the broker's answer to the planned probe: librdkafka's error name, None when it succeeded."""
    if error == PROBE_DENIED:
        return AclProbe(planned.identity, planned.topic, allowed=False)
    if error in (None, PROBE_ALLOWED):  # authorized, then looked up (or created meanwhile: still authorized)
        return AclProbe(planned.identity, planned.topic, allowed=True)
    return AclProbe(planned.identity, planned.topic,
                    reason=f"the probe, DescribeConfigs on topic {planned.topic}, failed: {error}"
                           + (f" ({detail})" if detail and detail != error else ""))


def check_probe(result: LayerResult, cluster: str, probe: AclProbe) -> None:
    """allow.everyone.if.no.acl.found as the probe observed it: one finding for the cluster, at broker ``*``."""
    if probe.allowed is None:
        result.scanned.append(f"{ALLOW_EVERYONE}: not checked ({probe.reason or 'no probe sent'})")
        return
    rule_id = PROPERTY_RULES[ALLOW_EVERYONE]
    result.checked.add(rule_id)
    answer = "allowed" if probe.allowed else "denied"
    result.scanned.append(f"{ALLOW_EVERYONE}: probed as {probe.identity} with DescribeConfigs on topic "
                          f"{probe.topic}, which no ACL matches ({answer})")
    if not probe.allowed:
        return
    principal = probe.identity.principal if probe.identity else "the audit's principal"
    report(result, rule_id, broker_location(cluster, "*", ALLOW_EVERYONE),
           f"The brokers run {ALLOW_EVERYONE}=true: a topic no ACL covers ({probe.topic}) was authorized for "
           f"DESCRIBE_CONFIGS to the audit's {probe.identity}, so any principal may use any resource that has "
           f"no ACLs. (Not so if {principal} is a super user: possible on self-managed Kafka and for the local "
           "MSK's operator identity, never for SCRAM or mTLS users on MSK, which does not let users set "
           "super.users.)",
           f"Grant ACLs to the principals that rely on it, then set {property_fix(ALLOW_EVERYONE)} in the "
           "cluster configuration's server_properties (aws_msk_configuration).")


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


def resource_kind(acl: Acl) -> str:
    """Kafka's resource type name: confluent-kafka calls the cluster resource BROKER."""
    return "CLUSTER" if acl.resource_type in ("BROKER", "CLUSTER") else acl.resource_type


def acl_location(cluster: str, acl: Acl) -> Location:
    return Location(name=f"kafka://{cluster}/acl/{acl.principal}/{resource_kind(acl)}:{acl.pattern_type}:"
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
               f"{first.principal} is allowed {', '.join(operations)} on {resource_kind(first)} "
               f"{first.pattern_type} {first.resource_name!r} from host {hosts}.",
               f"Remove it ({_remove_command(first, operations)}) and grant named principals only the "
               "operations they need (mskctl apply -f access.yaml).")


def _remove_command(acl: Acl, operations: list[str]) -> str:
    kind = resource_kind(acl)
    resource = "--cluster" if kind == "CLUSTER" else f"--{kind.lower().replace('_', '-')} '{acl.resource_name}'"
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
