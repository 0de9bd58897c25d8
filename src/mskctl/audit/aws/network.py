"""The brokers' security groups: ingress from the internet, and plaintext Kafka or ZooKeeper ports open."""

from __future__ import annotations

from typing import Any

from mskctl.audit.aws.calls import AwsCalls
from mskctl.audit.model import LayerResult, Location
from mskctl.audit.properties import report

OPEN_CIDRS = ("0.0.0.0/0", "::/0")
PLAINTEXT_PORTS = {9092: "Kafka plaintext", 2181: "ZooKeeper plaintext"}


def read_security_groups(calls: AwsCalls, group_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The groups that exist, by id (a filter, unlike GroupIds, does not fail on a missing id)."""
    if not group_ids:
        return {}
    groups = calls.required("ec2:DescribeSecurityGroups", lambda: calls.pages(
        "ec2", "describe_security_groups", "SecurityGroups",
        Filters=[{"Name": "group-id", "Values": sorted(group_ids)}]))
    return {group["GroupId"]: group for group in groups}


def check_security_group(result: LayerResult, group: dict[str, Any], arn: str, clusters: list[str]) -> None:
    """Judge one group's ingress rules; ``clusters`` are the names of the clusters it guards."""
    where = Location(arn=arn, name=f"{group['GroupId']} ({group.get('GroupName', '')})")
    used_by = f"guards {', '.join(clusters)}"
    result.checked.update({"security-group-open", "security-group-plaintext-port"})
    for permission in group.get("IpPermissions", []):
        ports = _ports(permission)
        open_to = [r["CidrIp"] for r in permission.get("IpRanges", []) if r.get("CidrIp") in OPEN_CIDRS]
        open_to += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if r.get("CidrIpv6") in OPEN_CIDRS]
        if open_to:
            report(result, "security-group-open", where,
                   f"Ingress {ports} from {', '.join(open_to)} ({used_by}).",
                   f"Revoke that rule (ec2 revoke_security_group_ingress on {group['GroupId']}) and admit the "
                   "clients' security group or CIDR instead.")
        sources = _sources(permission, group["GroupId"])
        exposed = [f"{port} ({what})" for port, what in PLAINTEXT_PORTS.items() if _covers(permission, port)]
        if exposed and sources:
            report(result, "security-group-plaintext-port", where,
                   f"Ingress {ports} opens {', '.join(exposed)} to {', '.join(sources)} ({used_by}).",
                   f"Revoke ingress to {', '.join(str(p) for p in PLAINTEXT_PORTS)} on {group['GroupId']}; "
                   "open only 9094 (TLS), 9096 (SCRAM) or 9098 (IAM) to known clients.")


def _ports(permission: dict[str, Any]) -> str:
    protocol = str(permission.get("IpProtocol", "-1"))
    if protocol == "-1":
        return "all traffic"
    low, high = permission.get("FromPort"), permission.get("ToPort")
    return f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"


def _covers(permission: dict[str, Any], port: int) -> bool:
    protocol = str(permission.get("IpProtocol", "-1"))
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
        return False
    low, high = permission.get("FromPort"), permission.get("ToPort")
    return low is not None and high is not None and int(low) <= port <= int(high)


def _sources(permission: dict[str, Any], own_group: str) -> list[str]:
    """Who a rule admits, leaving out the group itself (brokers reaching each other)."""
    sources = [r["CidrIp"] for r in permission.get("IpRanges", []) if r.get("CidrIp")]
    sources += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if r.get("CidrIpv6")]
    sources += [p["PrefixListId"] for p in permission.get("PrefixListIds", []) if p.get("PrefixListId")]
    sources += [pair["GroupId"] for pair in permission.get("UserIdGroupPairs", [])
                if pair.get("GroupId") and pair["GroupId"] != own_group]
    return sources


def group_arn(partition: str, region: str, group: dict[str, Any]) -> str:
    return f"arn:{partition}:ec2:{region}:{group.get('OwnerId', '')}:security-group/{group['GroupId']}"
