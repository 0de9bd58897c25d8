"""Checks of MSK resources: provisioned and serverless clusters, configurations, MSK Connect connectors."""

from __future__ import annotations

from mskctl.audit.properties import PROPERTY_RULES, property_fix, property_problem
from mskctl.audit.terraform.findings import Context, Findings, first, flag, none_on, strip_own_index, sure, text
from mskctl.audit.terraform.nodes import Node
from mskctl.audit.terraform.values import Val, show, where
from mskctl.audit.versions import unsupported_since

CLUSTER_RULES = (
    "client-broker-plaintext", "in-cluster-encryption-off", "at-rest-without-cmk", "unauthenticated-access",
    "no-authentication", "public-access", "broker-logs-off", "enhanced-monitoring-low", "open-monitoring-off",
    "kafka-version-unsupported", "allow-everyone-if-no-acl",
)
ALLOW_EVERYONE = "allow.everyone.if.no.acl.found"


def configurations(nodes: list[Node]) -> dict[str, list[Node]]:
    """The aws_msk_configuration resources, by the address a reference to them gives (``Node.target``)."""
    found: dict[str, list[Node]] = {}
    for node in nodes:
        if node.mode == "managed" and node.type == "aws_msk_configuration":
            found.setdefault(strip_own_index(node.address), []).append(node)
    return found


def check_cluster(node: Node, context: Context, out: Findings) -> None:
    out.evaluated(*CLUSTER_RULES)
    _encryption(node, out)
    _authentication(node, out)
    _allow_everyone_by_default(node, context, out)
    _public_access(node, out)
    _log_delivery(node, out, "broker-logs-off", "logging_info", "broker_logs", "broker")
    _monitoring(node, out)
    _kafka_version(node, out)


def _encryption(node: Node, out: Findings) -> None:
    info = first(node, "encryption_info")
    for transit in sure(info, "encryption_in_transit"):
        client_broker = transit.attr("client_broker")
        if text(client_broker) not in (None, "TLS"):
            out.report("client-broker-plaintext", node,
                       f"encryption_in_transit.client_broker = {show(client_broker)}{where(client_broker)}: brokers "
                       "also accept clients in clear text on port 9092",
                       f'Set encryption_in_transit.client_broker = "TLS" on {node.address}.', at=client_broker)
        in_cluster = transit.attr("in_cluster")
        if in_cluster is not None and in_cluster.value is False:
            out.report("in-cluster-encryption-off", node,
                       f"encryption_in_transit.in_cluster = false{where(in_cluster)}: replication between brokers "
                       "is not encrypted",
                       f"Set encryption_in_transit.in_cluster = true on {node.address} (replaces the cluster).",
                       at=in_cluster)
    fix = f"Set encryption_info.encryption_at_rest_kms_key_arn = aws_kms_key.<key>.arn on {node.address}."
    if info is None:
        out.report("at-rest-without-cmk", node,
                   "no encryption_info block: data at rest is encrypted with the AWS-managed key aws/kafka", fix)
    elif not info.maybe:
        key = info.attr("encryption_at_rest_kms_key_arn")
        if key is None:
            out.report("at-rest-without-cmk", node,
                       "encryption_info has no encryption_at_rest_kms_key_arn: data at rest is encrypted with the "
                       "AWS-managed key aws/kafka", fix, at=info)
        elif "alias/aws/" in (text(key) or ""):
            out.report("at-rest-without-cmk", node,
                       f"encryption_at_rest_kms_key_arn = {show(key)}{where(key)} is an AWS-managed key", fix, at=key)


def _authentication(node: Node, out: Findings) -> None:
    fix = f"Add client_authentication {{ sasl {{ iam = true }} }} to {node.address} (or scram = true, or tls)."
    auth = first(node, "client_authentication")
    if auth is None:
        out.report("no-authentication", node,
                   "no client_authentication block: MSK lets every client in without authentication", fix)
        return
    if auth.maybe:
        return
    unauthenticated = auth.attr("unauthenticated")
    if flag(unauthenticated, False):
        out.report("unauthenticated-access", node,
                   f"client_authentication.unauthenticated = true{where(unauthenticated)}: clients may connect "
                   "without any credentials",
                   f"Set client_authentication.unauthenticated = false on {node.address}.", at=unauthenticated)
    states: list[bool | None] = [flag(unauthenticated, False)]
    for sasl in auth.blocks("sasl"):
        states += [None] if sasl.maybe else [flag(sasl.attr("iam"), False), flag(sasl.attr("scram"), False)]
    for tls in auth.blocks("tls"):
        authorities = tls.attr("certificate_authority_arns")
        no_authority = authorities is not None and authorities.value == []
        states.append(None if tls.maybe else not no_authority)
    if none_on(states):
        out.report("no-authentication", node,
                   "client_authentication enables none of SASL/IAM, SASL/SCRAM or mutual TLS", fix, at=auth)


def _acl_users(node: Node) -> list[str]:
    """The authentication modes certainly on whose users Kafka ACLs govern: SCRAM, mTLS (IAM ignores ACLs)."""
    modes: list[str] = []
    for auth in sure(node, "client_authentication"):
        if "SCRAM" not in modes and any(flag(sasl.attr("scram"), False) for sasl in sure(auth, "sasl")):
            modes.append("SCRAM")
        for tls in sure(auth, "tls"):
            authorities = tls.attr("certificate_authority_arns")
            if "mTLS" not in modes and not (authorities is not None and authorities.value == []):
                modes.append("mTLS")
    return modes


def _allow_everyone_by_default(node: Node, context: Context, out: Findings) -> None:
    """allow.everyone.if.no.acl.found where no configuration sets it: MSK's default, true.

    Set explicitly, the configuration's own check judges it (at its line). A configuration that cannot be
    told (a literal ARN, a variable, an expression, a template) is left alone.
    """
    modes = _acl_users(node)
    if not modes:
        return
    users = " or ".join(modes)
    info = first(node, "configuration_info")
    if info is None:
        out.report("allow-everyone-if-no-acl", node,
                   f"no configuration_info block: the brokers run MSK's default configuration, where "
                   f"{ALLOW_EVERYONE} is true (MSK's default): every topic without ACLs is open to every "
                   f"{users} user",
                   f"Add an aws_msk_configuration whose server_properties sets {ALLOW_EVERYONE}=false, and "
                   f"reference it from {node.address}: configuration_info {{ arn = aws_msk_configuration.<name>.arn, "
                   f"revision = aws_msk_configuration.<name>.latest_revision }}.")
        return
    address = info.target("arn") if not info.maybe else None
    found = context.configurations.get(address or "", [])
    if len(found) != 1:
        return  # not one configuration of this module instance
    configuration = found[0]
    properties = configuration.attr("server_properties")
    if properties is None or ALLOW_EVERYONE in server_properties(properties) or not properties.known:
        return
    out.report("allow-everyone-if-no-acl", node,
               f"configuration_info.arn uses {configuration.address}, whose server_properties does not set "
               f"{ALLOW_EVERYONE}: the configuration leaves it at MSK's default, true, and every topic without ACLs "
               f"is open to every {users} user",
               f"Set {ALLOW_EVERYONE}=false in server_properties of {configuration.address}.",
               at=info.attr("arn"))


def _public_access(node: Node, out: Findings) -> None:
    for group in sure(node, "broker_node_group_info"):
        for connectivity in sure(group, "connectivity_info"):
            for public in sure(connectivity, "public_access"):
                kind = public.attr("type")
                if text(kind) not in (None, "DISABLED"):
                    out.report("public-access", node,
                               f"connectivity_info.public_access.type = {show(kind)}{where(kind)}: brokers get "
                               "public IP addresses",
                               f'Set broker_node_group_info.connectivity_info.public_access.type = "DISABLED" on '
                               f"{node.address}.", at=kind)


def _log_delivery(node: Node, out: Findings, rule_id: str, outer: str, inner: str, what: str) -> None:
    """``outer { inner { cloudwatch_logs | firehose | s3 { enabled = true } } }``: at least one destination on."""
    fix = (f"Add {outer} {{ {inner} {{ cloudwatch_logs {{ enabled = true, log_group = ... }} }} }} to "
           f"{node.address}.")
    block = first(node, outer)
    if block is None:
        out.report(rule_id, node, f"no {outer} block: {what} logs go nowhere", fix)
        return
    delivery = first(block, inner)
    if delivery is None and not block.maybe:
        out.report(rule_id, node, f"{outer} has no {inner} block", fix, at=block)
    if delivery is None or delivery.maybe:
        return
    states, disabled = _destinations(delivery)
    if none_on(states):
        out.report(rule_id, node,
                   f"no {what} log destination (cloudwatch_logs, firehose, s3) is enabled"
                   + (f": enabled = false{where(disabled)}" if disabled else ""), fix, at=disabled or delivery)


def _destinations(parent: Node) -> tuple[list[bool | None], Val | None]:
    """Whether each log destination is on, and the first ``enabled = false`` (to point at)."""
    states: list[bool | None] = []
    disabled: Val | None = None
    for destination in ("cloudwatch_logs", "firehose", "s3"):
        for block in parent.blocks(destination):
            enabled = None if block.maybe else block.attr("enabled")
            states.append(None if block.maybe else flag(enabled, False))
            if enabled is not None and enabled.value is False and disabled is None:
                disabled = enabled
    return states, disabled


def _monitoring(node: Node, out: Findings) -> None:
    level = node.attr("enhanced_monitoring")
    fix = f'Set enhanced_monitoring = "PER_TOPIC_PER_BROKER" on {node.address}.'
    if level is None:
        out.report("enhanced-monitoring-low", node,
                   "enhanced_monitoring is not set: DEFAULT, no per-topic metrics", fix)
    elif text(level) in ("DEFAULT", "PER_BROKER"):
        out.report("enhanced-monitoring-low", node, f"enhanced_monitoring = {show(level)}{where(level)}", fix,
                   at=level)
    fix = (f"Add open_monitoring {{ prometheus {{ jmx_exporter {{ enabled_in_broker = true }} node_exporter "
           f"{{ enabled_in_broker = true }} }} }} to {node.address}.")
    monitoring = first(node, "open_monitoring")
    if monitoring is None:
        out.report("open-monitoring-off", node, "no open_monitoring block: no Prometheus metrics", fix)
        return
    prometheus = first(monitoring, "prometheus")
    if prometheus is None or prometheus.maybe:
        return
    states: list[bool | None] = []
    disabled: Val | None = None
    for exporter in ("jmx_exporter", "node_exporter"):
        for block in prometheus.blocks(exporter):
            enabled = None if block.maybe else block.attr("enabled_in_broker")
            states.append(None if block.maybe else flag(enabled, False))
            if enabled is not None and enabled.value is False and disabled is None:
                disabled = enabled
    if none_on(states):
        out.report("open-monitoring-off", node,
                   "neither the JMX nor the node exporter is enabled"
                   + (f": enabled_in_broker = false{where(disabled)}" if disabled else ""), fix,
                   at=disabled or prometheus)


def _kafka_version(node: Node, out: Findings) -> None:
    version = node.attr("kafka_version")
    ended = unsupported_since(text(version) or "")
    if ended is not None:
        out.report("kafka-version-unsupported", node,
                   f"kafka_version = {show(version)}{where(version)}: MSK ended support on {ended.isoformat()}",
                   f'Set kafka_version = "3.8.x" (or later) on {node.address}.', at=version)


def check_serverless_cluster(node: Node, context: Context, out: Findings) -> None:
    # Serverless clusters are TLS-only, private and IAM-only by construction; only IAM can be switched off
    # in the code (the API refuses it, but the plan would not).
    out.evaluated("client-broker-plaintext", "in-cluster-encryption-off", "public-access", "no-authentication")
    for auth in sure(node, "client_authentication"):
        for sasl in sure(auth, "sasl"):
            for iam in sure(sasl, "iam"):
                enabled = iam.attr("enabled")
                if enabled is not None and enabled.value is False:
                    out.report("no-authentication", node,
                               f"client_authentication.sasl.iam.enabled = false{where(enabled)}",
                               f"Set client_authentication.sasl.iam.enabled = true on {node.address}.", at=enabled)


def check_configuration(node: Node, context: Context, out: Findings) -> None:
    # The same judgement of each property as the AWS and live layers (aws_properties).
    out.evaluated(*PROPERTY_RULES.values())
    properties = node.attr("server_properties")
    for key, (line, value) in server_properties(properties).items():
        problem = property_problem(key, value) if key in PROPERTY_RULES else None
        if problem:
            out.report(PROPERTY_RULES[key], node,
                       f"server_properties sets {problem}{where(properties) if properties else ''}",
                       f"Set {property_fix(key)} in server_properties of {node.address}.", at=properties, line=line)


def server_properties(val: Val | None) -> dict[str, tuple[int | None, str]]:
    """key -> (line, value) of a properties text; lines with template parts are unknown and left out."""
    found: dict[str, tuple[int | None, str]] = {}
    for line, raw in val.text_lines() if val is not None else []:
        stripped = raw.strip()
        if not stripped or stripped[0] in "#!" or "${" in stripped or "%{" in stripped:
            continue
        separator = min((index for index in (stripped.find("="), stripped.find(":")) if index > 0), default=-1)
        if separator > 0:
            found[stripped[:separator].strip()] = (line, stripped[separator + 1:].strip())  # the last one wins
    return found


def check_connector(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("connect-no-tls", "connect-no-auth", "connect-no-logs")
    encryption = first(node, "kafka_cluster_encryption_in_transit")
    fix = f'Set kafka_cluster_encryption_in_transit.encryption_type = "TLS" on {node.address}.'
    kind = encryption.attr("encryption_type") if encryption is not None else None
    if encryption is None:
        out.report("connect-no-tls", node, "no kafka_cluster_encryption_in_transit block: PLAINTEXT", fix)
    elif not encryption.maybe and kind is None:
        out.report("connect-no-tls", node, "encryption_type is not set: PLAINTEXT", fix, at=encryption)
    elif not encryption.maybe and text(kind) not in (None, "TLS"):
        out.report("connect-no-tls", node, f"encryption_type = {show(kind)}{where(kind)}", fix, at=kind)
    auth = first(node, "kafka_cluster_client_authentication")
    fix = f'Set kafka_cluster_client_authentication.authentication_type = "IAM" on {node.address}.'
    kind = auth.attr("authentication_type") if auth is not None else None
    if auth is None:
        out.report("connect-no-auth", node, "no kafka_cluster_client_authentication block: NONE", fix)
    elif not auth.maybe and (kind is None or text(kind) == "NONE"):
        out.report("connect-no-auth", node, f"authentication_type = {show(kind) if kind else 'NONE (not set)'}"
                   f"{where(kind) if kind else ''}", fix, at=kind or auth)
    _log_delivery(node, out, "connect-no-logs", "log_delivery", "worker_log_delivery", "worker")


