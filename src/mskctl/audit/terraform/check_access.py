"""Checks of what guards an MSK cluster: KMS keys, security groups, SCRAM secrets and IAM policies."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mskctl.audit.terraform.findings import Context, Findings, items, strip_index, sure, text
from mskctl.audit.terraform.nodes import Node
from mskctl.audit.terraform.values import Unknown, Val, json_value, show, where

MSK_SECRET_PREFIX = "AmazonMSK_"


def check_kms_key(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("kms-rotation-off")
    spec = node.attr("customer_master_key_spec") or node.attr("key_spec")
    if text(spec) not in (None, "SYMMETRIC_DEFAULT"):
        return  # asymmetric and HMAC keys cannot rotate
    rotation = node.attr("enable_key_rotation")
    fix = f"Set enable_key_rotation = true on {node.address}."
    if rotation is None:
        out.report("kms-rotation-off", node, "enable_key_rotation is not set (rotation is off)", fix)
    elif rotation.value is False:
        out.report("kms-rotation-off", node, f"enable_key_rotation = false{where(rotation)}", fix, at=rotation)


# ---- security groups ---------------------------------------------------------------------------------------

PLAINTEXT_PORTS = {9092: "Kafka plaintext", 2181: "ZooKeeper"}


def check_security_group(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("security-group-open", "security-group-plaintext-port")
    for ingress in sure(node, "ingress"):
        _ingress(node, ingress, out, ("cidr_blocks", "ipv6_cidr_blocks"), "protocol")


def check_security_group_rule(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("security-group-open", "security-group-plaintext-port")
    if text(node.attr("type")) == "ingress":
        _ingress(node, node, out, ("cidr_blocks", "ipv6_cidr_blocks"), "protocol")


def check_ingress_rule(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("security-group-open", "security-group-plaintext-port")
    _ingress(node, node, out, ("cidr_ipv4", "cidr_ipv6"), "ip_protocol")


def _ingress(node: Node, rule: Node, out: Findings, cidr_names: tuple[str, str], protocol_name: str) -> None:
    cidrs = [cidr for name in cidr_names for cidr in items(rule.attr(name)) if isinstance(cidr.value, str)]
    ports = _ports(rule, protocol_name)
    described = _describe_ports(ports)
    for cidr in cidrs:
        if _anywhere(cidr.value):
            out.report("security-group-open", node, f"ingress from {cidr.value}{where(cidr)} to {described}",
                       f"Replace {cidr.value} with the clients' security group or CIDR in {node.address}.", at=cidr)
            break
    covered = sorted(port for port in PLAINTEXT_PORTS if ports is not None and ports[1] <= port <= ports[2])
    if cidrs and covered:
        names = ", ".join(f"{port} ({PLAINTEXT_PORTS[port]})" for port in covered)
        sources = ", ".join(str(cidr.value) for cidr in cidrs)
        out.report("security-group-plaintext-port", node, f"ingress from {sources} to {described} covers {names}",
                   f"Open only 9094/9096/9098 to known clients in {node.address}.", at=ports[0])


def _ports(rule: Node, protocol_name: str) -> tuple[Val | Node, int, int] | None:
    """(what to point at, first port, last port) of an ingress rule, None when not known or not TCP."""
    protocol = rule.attr(protocol_name)
    kind = str(protocol.value).lower() if protocol is not None and protocol.known else None
    if kind in ("-1", "all"):
        return protocol or rule, 0, 65535
    if kind not in ("tcp", "6"):
        return None
    low, high = rule.attr("from_port"), rule.attr("to_port")
    if low is None or high is None or not isinstance(low.value, int) or not isinstance(high.value, int):
        return None
    return low, low.value, high.value


def _describe_ports(ports: tuple[Val | Node, int, int] | None) -> str:
    if ports is None:
        return "its ports"
    return "every port" if (ports[1], ports[2]) == (0, 65535) else (
        f"port {ports[1]}" if ports[1] == ports[2] else f"ports {ports[1]}-{ports[2]}")


def _anywhere(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


# ---- SCRAM secrets -----------------------------------------------------------------------------------------

ASSOCIATIONS = {"aws_msk_scram_secret_association": "secret_arn_list",
                "aws_msk_single_scram_secret_association": "secret_arn"}


def scram_context(nodes: list[Node]) -> Context:
    """Which secrets are SCRAM secrets: associated with a cluster, or named for MSK."""
    context = Context()
    for node in nodes:
        attribute = ASSOCIATIONS.get(node.type) if node.mode == "managed" else None
        if attribute:
            context.associated_secrets |= {strip_index(ref) for ref in node.references(attribute)
                                           if ref.rsplit(".", 2)[-2] == "aws_secretsmanager_secret"}
    context.msk_secrets |= context.associated_secrets
    for node in nodes:
        if node.mode == "managed" and node.type == "aws_secretsmanager_secret" and _named_for_msk(node):
            context.msk_secrets.add(strip_index(node.address))
    return context


def _named_for_msk(node: Node) -> bool:
    return any(_name_start(node.attr(name)).startswith(MSK_SECRET_PREFIX) for name in ("name", "name_prefix"))


def _name_start(val: Val | None) -> str:
    """The known beginning of a name: all of it, or a template's literal prefix."""
    if val is None:
        return ""
    return val.value if isinstance(val.value, str) else val.value.prefix if isinstance(val.value, Unknown) else ""


def check_secret(node: Node, context: Context, out: Findings) -> None:
    address = strip_index(node.address)
    if address not in context.msk_secrets:
        return
    out.evaluated("scram-secret-default-key")
    if address in context.associated_secrets:
        out.evaluated("scram-secret-name")
        _secret_name(node, out)
    key = node.attr("kms_key_id")
    fix = f"Set kms_key_id = aws_kms_key.<key>.arn on {node.address}."
    if key is None:
        out.report("scram-secret-default-key", node,
                   "no kms_key_id: the secret is encrypted with aws/secretsmanager, which MSK cannot read", fix)
    elif "alias/aws/" in (text(key) or ""):
        out.report("scram-secret-default-key", node,
                   f"kms_key_id = {show(key)}{where(key)}: MSK cannot read secrets under an AWS-managed key", fix,
                   at=key)


def _secret_name(node: Node, out: Findings) -> None:
    given = node.attr("name") or node.attr("name_prefix")
    attribute = "name" if node.attr("name") is not None else "name_prefix"
    fix = f'Set name = "{MSK_SECRET_PREFIX}<user>" on {node.address}.'
    if given is None:
        out.report("scram-secret-name", node,
                   f"no name: Terraform picks a random one, and MSK associates only {MSK_SECRET_PREFIX}* secrets", fix)
        return
    start = _name_start(given)
    if start.startswith(MSK_SECRET_PREFIX) or MSK_SECRET_PREFIX.startswith(start):
        return  # right, or not known far enough to tell
    shown = show(given) if given.known else f'"{start}..."'
    out.report("scram-secret-name", node, f"{attribute} = {shown}{where(given)} does not start with "
               f"{MSK_SECRET_PREFIX}", fix, at=given)


PASSWORD_KEYS = {"password", "passwd", "pass"}


def check_secret_version(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("scram-password-in-code")
    document = _json_document(node.literal("secret_string"))
    if document is None or not isinstance(document.value, dict):
        return
    secret = {strip_index(ref) for ref in node.references("secret_id")}
    scram_like = "username" in document.value or bool(secret & context.msk_secrets)
    for key, value in document.value.items():
        if key.lower() in PASSWORD_KEYS and isinstance(value.value, str) and value.value and scram_like:
            out.report("scram-password-in-code", node, f"secret_string holds a literal {key}{where(value)}",
                       f"Generate the {key} (random_password or aws_secretsmanager_random_password) instead of "
                       f"writing it in {node.address}.", at=value)
            return


# ---- IAM policies ------------------------------------------------------------------------------------------

WILDCARD_ACTION = re.compile(r"\*|kafka(-cluster)?\*?:\*")


@dataclass
class Statement:
    effect: Val | None
    actions: list[Val]
    resources: list[Val]
    negated: bool  # NotAction / NotResource: left alone


def check_policy(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("iam-kafka-wildcard-action", "iam-kafka-wildcard-resource")
    for statement in _json_statements(_json_document(node.attr("policy"))):
        _statement(node, statement, out)


def check_policy_document(node: Node, context: Context, out: Findings) -> None:
    out.evaluated("iam-kafka-wildcard-action", "iam-kafka-wildcard-resource")
    for block in sure(node, "statement"):
        negated = bool(items(block.attr("not_actions")) or items(block.attr("not_resources")))
        _statement(node, Statement(block.attr("effect"), items(block.attr("actions")),
                                   items(block.attr("resources")), negated), out)


def _statement(node: Node, statement: Statement, out: Findings) -> None:
    if statement.negated or text(statement.effect) not in (None, "Allow") or (
            statement.effect is not None and not statement.effect.known):
        return
    actions = [action for action in statement.actions if isinstance(action.value, str)]
    for action in actions:
        if WILDCARD_ACTION.fullmatch(action.value.lower()):
            out.report("iam-kafka-wildcard-action", node, f"Action {show(action)}{where(action)} grants every "
                       "Kafka action", f"List the kafka-cluster actions needed instead of {action.value} in "
                       f"{node.address}.", at=action)
            break
    kafka = [action for action in actions if action.value == "*" or action.value.lower().startswith("kafka-cluster:")]
    for resource in statement.resources:
        if kafka and resource.value == "*":
            out.report("iam-kafka-wildcard-resource", node,
                       f"Resource \"*\"{where(resource)} with {kafka[0].value}: every cluster, topic and group",
                       f"Scope Resource to the cluster, topic and group ARNs in {node.address}.", at=resource)
            break


def _json_document(val: Val | None) -> Val | None:
    """A policy or secret as a tree of values: jsonencode({...}) already is one; a JSON string is parsed."""
    if val is None or not val.known:
        return None
    if isinstance(val.value, dict | list):
        return val
    return json_value(val) if isinstance(val.value, str) else None


def _json_statements(document: Val | None) -> list[Statement]:
    if document is None or not isinstance(document.value, dict):
        return []
    found = document.value.get("Statement")
    statements = items(found)
    result = []
    for statement in statements:
        if not isinstance(statement.value, dict):
            continue
        fields = statement.value
        result.append(Statement(fields.get("Effect"), items(fields.get("Action")), items(fields.get("Resource")),
                                "NotAction" in fields or "NotResource" in fields))
    return result

