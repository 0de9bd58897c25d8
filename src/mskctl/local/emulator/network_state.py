"""The local cluster's network in moto's EC2 backend: a VPC, one subnet and ENI per broker, the brokers' security group.

MSK reports the subnets and security groups of its brokers, and tools (``mskctl audit --aws``) look
them up in EC2; so they must exist there. They are shaped like what terraform/modules/vpc creates for
MSK: a /16 VPC, private subnets, a broker security group with one ingress rule per client listener
from the VPC CIDR, open monitoring (11001 JMX, 11002 node exporter), broker-to-broker traffic inside
the group and no other egress.

Created once, looked up afterwards by the ``mskctl:cluster`` tag: moto gives random ids, and the
saved AWS state keeps them across restarts. Rules are written only when the group is made, so what a
user changes on it (to try the audit, say) stays.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass
from typing import Any

from moto.backends import get_backend

from mskctl.local.broker_config import JMX_EXPORTER_PORT, NODE_EXPORTER_PORT
from mskctl.local.spec import ClusterSpec

CLUSTER_TAG = "mskctl:cluster"
BROKER_TAG = "mskctl:broker"
SUBNET_PREFIX = 20  # 16 subnets in the /16: room for MAX_BROKERS, one per broker
SELF = "self"  # an ingress/egress source meaning the group itself
BROKER_PORTS = (9092, 9098)  # the brokers' listeners, reachable from each other (module's msk_self)

_lock = threading.Lock()  # describes run in server threads; the network must be made once


@dataclass(frozen=True)
class Rule:
    """One security group rule: TCP ``from_port``-``to_port`` from/to a CIDR or ``SELF``."""

    from_port: int
    to_port: int
    source: str
    description: str


@dataclass(frozen=True)
class BrokerNetwork:
    vpc_id: str
    security_group_id: str
    subnets: dict[int, str]  # broker id -> subnet id
    enis: dict[int, str]  # broker id -> network interface id


# ---- the plan (pure) ------------------------------------------------------------------
def vpc_cidr(spec: ClusterSpec) -> str:
    """One /16 per cluster slot, as the module's default 10.0.0.0/16 is per VPC."""
    return f"10.{spec.slot}.0.0/16"


def subnet_cidrs(spec: ClusterSpec) -> dict[int, str]:
    blocks = list(ipaddress.ip_network(vpc_cidr(spec)).subnets(new_prefix=SUBNET_PREFIX))
    return {b: str(blocks[b - 1]) for b in spec.broker_ids()}


def eni_address(subnet_cidr: str) -> str:
    """A fixed address in the subnet (AWS keeps the first four for itself)."""
    return str(ipaddress.ip_network(subnet_cidr).network_address + 10)


def security_group_name(spec: ClusterSpec) -> str:
    return f"mskctl-local-{spec.name}-msk-brokers"


def ingress_rules(spec: ClusterSpec) -> list[Rule]:
    """Only the client listeners this cluster opens, from the VPC; open monitoring; brokers among themselves."""
    cidr = vpc_cidr(spec)
    rules = [Rule(lst.port, lst.port, cidr, f"Kafka {lst.auth_mode} ({lst.port}) from {cidr}")
             for lst in spec.client_listeners()]
    # The local brokers always run the JMX exporter (and the node exporter when installed).
    rules += [Rule(port, port, cidr, f"Prometheus open monitoring ({port}) from {cidr}")
              for port in (JMX_EXPORTER_PORT, NODE_EXPORTER_PORT)]
    rules.append(Rule(*BROKER_PORTS, SELF, "Broker to broker (9092-9098) inside the broker security group"))
    return rules


def egress_rules() -> list[Rule]:
    # Terraform drops the allow-all egress AWS adds; the module allows only broker to broker.
    return [Rule(*BROKER_PORTS, SELF, "Broker to broker (9092-9098) inside the broker security group")]


def zone_for(broker_id: int, zones: list[str]) -> str | None:
    """MSK wants each client subnet in its own zone: round-robin over the region's zones."""
    return zones[(broker_id - 1) % len(zones)] if zones else None


def node_group_info(network: BrokerNetwork) -> dict[str, Any]:
    """MSK's BrokerNodeGroupInfo, in the camelCase moto's Kafka backend stores."""
    return {
        "brokerAZDistribution": "DEFAULT",
        "clientSubnets": [network.subnets[b] for b in sorted(network.subnets)],
        "instanceType": "kafka.m7g.large",
        "securityGroups": [network.security_group_id],
        "storageInfo": {"ebsStorageInfo": {"volumeSize": 100}},
        "connectivityInfo": {"publicAccess": {"type": "DISABLED"}},
    }


# ---- moto's EC2 backend ---------------------------------------------------------------
def ec2_backend(spec: ClusterSpec) -> Any:
    return get_backend("ec2")[spec.account_id][spec.region]


def ensure_broker_network(spec: ClusterSpec) -> BrokerNetwork:
    """Find the cluster's VPC, subnets, security group and ENIs; make whichever is missing."""
    ec2 = ec2_backend(spec)
    with _lock:
        vpc = _ensure_vpc(ec2, spec)
        group = _ensure_security_group(ec2, spec, vpc.id)
        zones = [zone.name for zone in ec2.describe_availability_zones()]
        cidrs = subnet_cidrs(spec)
        subnets: dict[int, str] = {}
        enis: dict[int, str] = {}
        for b in spec.broker_ids():
            subnet = _ensure_subnet(ec2, spec, vpc.id, b, cidrs[b], zone_for(b, zones))
            subnets[b] = subnet.id
            enis[b] = _ensure_eni(ec2, spec, subnet, group.id, b).id
    return BrokerNetwork(vpc_id=vpc.id, security_group_id=group.id, subnets=subnets, enis=enis)


def _ensure_vpc(ec2: Any, spec: ClusterSpec) -> Any:
    found = ec2.describe_vpcs(filters={f"tag:{CLUSTER_TAG}": [spec.name]})
    if found:
        return found[0]
    vpc = ec2.create_vpc(vpc_cidr(spec), tags=[{"Key": "Name", "Value": f"mskctl-local-{spec.name}"},
                                               {"Key": CLUSTER_TAG, "Value": spec.name}])
    # As the module sets them: MSK broker names and endpoints' private DNS resolve in the VPC.
    ec2.modify_vpc_attribute(vpc.id, "enable_dns_support", True)
    ec2.modify_vpc_attribute(vpc.id, "enable_dns_hostnames", True)
    return vpc


def _ensure_subnet(ec2: Any, spec: ClusterSpec, vpc_id: str, broker_id: int, cidr: str,
                   zone: str | None) -> Any:
    found = ec2.describe_subnets(filters={"vpc-id": [vpc_id], f"tag:{BROKER_TAG}": [str(broker_id)]})
    if found:
        return found[0]
    tags = {"Name": f"mskctl-local-{spec.name}-private-{broker_id}", "Tier": "private",
            CLUSTER_TAG: spec.name, BROKER_TAG: str(broker_id)}
    return ec2.create_subnet(vpc_id, cidr, availability_zone=zone, tags={"subnet": tags})


def _ensure_security_group(ec2: Any, spec: ClusterSpec, vpc_id: str) -> Any:
    name = security_group_name(spec)
    found = ec2.describe_security_groups(filters={"vpc-id": [vpc_id], "group-name": [name]})
    if found:
        return found[0]
    group = ec2.create_security_group(
        name, f"MSK brokers of the local cluster {spec.name}: Kafka listeners from the VPC CIDR only",
        vpc_id=vpc_id, tags={"Name": name, "Role": "msk", CLUSTER_TAG: spec.name})
    ec2.revoke_security_group_egress(group.id, None, None, None, [],
                                     security_rule_ids=[rule.id for rule in group.egress_rules])
    for rule in ingress_rules(spec):
        ec2.authorize_security_group_ingress(**_rule_arguments(rule, group.id))
    for rule in egress_rules():
        ec2.authorize_security_group_egress(**_rule_arguments(rule, group.id))
    return group


def _rule_arguments(rule: Rule, group_id: str) -> dict[str, Any]:
    """moto's authorize_* arguments for one TCP rule."""
    ip_ranges: list[dict[str, str]] = []
    source_groups: list[dict[str, str]] = []
    if rule.source == SELF:
        source_groups.append({"GroupId": group_id, "Description": rule.description})
    else:
        ip_ranges.append({"CidrIp": rule.source, "Description": rule.description})
    return {"group_name_or_id": group_id, "ip_protocol": "tcp", "from_port": str(rule.from_port),
            "to_port": str(rule.to_port), "ip_ranges": ip_ranges, "source_groups": source_groups}


def _ensure_eni(ec2: Any, spec: ClusterSpec, subnet: Any, group_id: str, broker_id: int) -> Any:
    found = ec2.get_all_network_interfaces(filters={"subnet-id": [subnet.id],
                                                    f"tag:{BROKER_TAG}": [str(broker_id)]})
    if found:
        return found[0]
    return ec2.create_network_interface(
        subnet, eni_address(subnet.cidr_block), group_ids=[group_id],
        description=f"Broker {broker_id} of the local MSK cluster {spec.name}",
        tags={CLUSTER_TAG: spec.name, BROKER_TAG: str(broker_id)})
