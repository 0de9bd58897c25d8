"""The brokers' VPC, subnets, ENIs and security group, as MSK reports them, exist in the local EC2 API."""

from __future__ import annotations

from typing import Any

import pytest

from mskctl.audit.aws import audit_aws
from mskctl.config.settings import Settings
from mskctl.local import cluster, processes

pytestmark = pytest.mark.integration

MONITORING_PORTS = {11001, 11002}


@pytest.fixture
def aws_env(msk, monkeypatch):
    """boto3 in the audit reaches the local MSK's AWS API as its administrator."""
    for key, value in msk.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return Settings(region=msk.env["AWS_REGION"])


def node_group(msk) -> dict[str, Any]:
    info = msk.boto("kafka").describe_cluster_v2(ClusterArn=msk.spec.arn)["ClusterInfo"]
    return info["Provisioned"]["BrokerNodeGroupInfo"]


def cidr_rules(group: dict[str, Any]) -> set[tuple[int, str]]:
    return {(p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]}


def test_msk_names_a_vpc_subnets_and_security_group_that_exist_in_ec2(msk):
    ec2, kafka = msk.boto("ec2"), msk.boto("kafka")
    info = node_group(msk)
    (group_id,) = info["SecurityGroups"]
    subnets = ec2.describe_subnets(SubnetIds=info["ClientSubnets"])["Subnets"]
    assert len(subnets) == msk.spec.brokers
    (vpc_id,) = {s["VpcId"] for s in subnets}
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    cidr = f"10.{msk.spec.slot}.0.0/16"
    assert vpc["CidrBlock"] == cidr
    assert {"Key": "mskctl:cluster", "Value": msk.spec.name} in vpc["Tags"]
    assert len({s["AvailabilityZone"] for s in subnets}) == msk.spec.brokers  # one zone per client subnet

    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["VpcId"] == vpc_id
    listener_ports = {lst.port for lst in msk.spec.client_listeners()}
    kafka_ports = {port for port, _ in cidr_rules(group)} - MONITORING_PORTS
    assert kafka_ports == listener_ports
    assert {source for _, source in cidr_rules(group)} == {cidr}  # never 0.0.0.0/0
    assert all(r.get("Description") for p in group["IpPermissions"] for r in p["IpRanges"] + p["UserIdGroupPairs"])
    # Besides the VPC's clients, only the brokers themselves (one group-to-group rule, as the module's msk_self).
    own = [(p["FromPort"], p["ToPort"]) for p in group["IpPermissions"]
           if any(g["GroupId"] == group_id for g in p["UserIdGroupPairs"])]
    assert own == [(9092, 9098)]

    # The other ways MSK names them agree: describe_cluster, list_clusters_v2, list_nodes.
    v1 = kafka.describe_cluster(ClusterArn=msk.spec.arn)["ClusterInfo"]["BrokerNodeGroupInfo"]
    assert (v1["SecurityGroups"], v1["ClientSubnets"]) == (info["SecurityGroups"], info["ClientSubnets"])
    listed = next(c for c in kafka.list_clusters_v2()["ClusterInfoList"] if c["ClusterArn"] == msk.spec.arn)
    assert listed["Provisioned"]["BrokerNodeGroupInfo"]["SecurityGroups"] == [group_id]
    assert listed["Provisioned"]["BrokerNodeGroupInfo"]["ClientSubnets"] == info["ClientSubnets"]
    nodes = kafka.list_nodes(ClusterArn=msk.spec.arn)["NodeInfoList"]
    assert [n["BrokerNodeInfo"]["ClientSubnet"] for n in nodes] == info["ClientSubnets"]
    enis = ec2.describe_network_interfaces(
        NetworkInterfaceIds=[n["BrokerNodeInfo"]["AttachedENIId"] for n in nodes])["NetworkInterfaces"]
    assert [e["SubnetId"] for e in enis] == info["ClientSubnets"]
    assert all([g["GroupId"] for g in e["Groups"]] == [group_id] for e in enis)


def test_the_ids_stay_when_the_emulator_restarts(msk):
    before = node_group(msk)
    assert processes.stop(msk.paths.emulator_pid, str(msk.paths.root), timeout=20)
    cluster.start_emulator(msk.spec, msk.paths)
    after = node_group(msk)
    assert (after["SecurityGroups"], after["ClientSubnets"]) == (before["SecurityGroups"], before["ClientSubnets"])
    vpcs = msk.boto("ec2").describe_vpcs(Filters=[{"Name": "tag:mskctl:cluster", "Values": [msk.spec.name]}])
    assert len(vpcs["Vpcs"]) == 1


def test_the_audit_checks_the_brokers_security_group(msk, aws_env):
    group_id = node_group(msk)["SecurityGroups"][0]
    result = audit_aws(aws_env, [msk.spec.arn])
    assert {"security-group-open", "security-group-plaintext-port"} <= result.checked
    assert f"security group {group_id}" in result.scanned
    assert not [s for s in result.scanned if s.startswith("security group") and s.endswith("not found")]
    plaintext = 9092 in {lst.port for lst in msk.spec.client_listeners()}
    assert bool([f for f in result.findings if f.rule.id == "security-group-plaintext-port"]) is plaintext
    assert not [f for f in result.findings if f.rule.id == "security-group-open"]


def test_a_rule_a_user_opens_to_the_internet_is_found_and_kept(msk, aws_env):
    ec2 = msk.boto("ec2")
    group_id = node_group(msk)["SecurityGroups"][0]
    rule = {"IpProtocol": "tcp", "FromPort": 9094, "ToPort": 9094, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[rule])
    try:
        result = audit_aws(aws_env, [msk.spec.arn])
        assert [f.location.name for f in result.findings if f.rule.id == "security-group-open"] == [
            f"{group_id} (mskctl-local-{msk.spec.name}-msk-brokers)"]
        # A describe does not put the group back the way the emulator made it.
        node_group(msk)
        group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        assert (9094, "0.0.0.0/0") in cidr_rules(group)
    finally:
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[rule])
