"""The local cluster's network in moto's EC2 backend: the plan, and making it once."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.backends import get_backend

from mskctl.local.emulator import moto_state, network_state
from mskctl.local.spec import ClientAuth, ClientBroker, new_spec


def make(client_auth: str = "iam,scram,tls", client_broker: str = "TLS", brokers: int = 3, slot: int = 2):
    return new_spec(
        name="demo", slot=slot, brokers=brokers, msk_kafka_version="4.1.x", kafka_version="4.1.1",
        client_auth=ClientAuth.parse(client_auth), client_broker=ClientBroker(client_broker),
        server_properties={}, region="eu-west-1",
    )


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():  # fresh backends for each test
        yield


def cidr_ports(rules: list[network_state.Rule]) -> set[int]:
    return {r.from_port for r in rules if r.source != network_state.SELF}


def test_each_slot_has_its_own_vpc_and_each_broker_a_subnet_in_it():
    spec = make(brokers=6, slot=7)
    assert network_state.vpc_cidr(spec) == "10.7.0.0/16"
    assert network_state.subnet_cidrs(spec) == {b: f"10.7.{16 * (b - 1)}.0/20" for b in range(1, 7)}
    assert network_state.eni_address("10.7.16.0/20") == "10.7.16.10"


def test_ingress_is_the_client_listeners_and_monitoring_from_the_vpc_and_brokers_among_themselves():
    spec = make()
    rules = network_state.ingress_rules(spec)
    assert cidr_ports(rules) == {9094, 9096, 9098, 11001, 11002}
    assert {r.source for r in rules if r.source != network_state.SELF} == {"10.2.0.0/16"}
    assert [(r.from_port, r.to_port) for r in rules if r.source == network_state.SELF] == [(9092, 9098)]
    assert all(r.description for r in rules)
    plaintext = network_state.ingress_rules(make(client_auth="iam", client_broker="TLS_PLAINTEXT"))
    assert cidr_ports(plaintext) == {9092, 9098, 11001, 11002}


def test_brokers_take_the_zones_in_turn():
    zones = ["z-a", "z-b", "z-c"]
    assert [network_state.zone_for(b, zones) for b in range(1, 7)] == ["z-a", "z-b", "z-c"] * 2
    assert network_state.zone_for(1, []) is None


def test_the_network_is_made_once_and_shaped_like_the_vpc_module(aws):
    spec = make()
    network = network_state.ensure_broker_network(spec)
    assert network_state.ensure_broker_network(spec) == network
    ec2 = boto3.client("ec2", region_name=spec.region)
    vpc = ec2.describe_vpcs(VpcIds=[network.vpc_id])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.2.0.0/16"
    assert {"Key": network_state.CLUSTER_TAG, "Value": "demo"} in vpc["Tags"]
    subnets = ec2.describe_subnets(SubnetIds=list(network.subnets.values()))["Subnets"]
    assert {s["VpcId"] for s in subnets} == {network.vpc_id}
    assert len({s["AvailabilityZone"] for s in subnets}) == 3
    group = ec2.describe_security_groups(GroupIds=[network.security_group_id])["SecurityGroups"][0]
    assert group["VpcId"] == network.vpc_id
    ingress = {(p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]}
    assert ingress == {(port, "10.2.0.0/16") for port in (9094, 9096, 9098, 11001, 11002)}
    assert all(r.get("Description") for p in group["IpPermissions"]
               for r in p["IpRanges"] + p["UserIdGroupPairs"])
    # No allow-all egress: brokers reach only each other.
    assert [(p["FromPort"], p["ToPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]], p["IpRanges"])
            for p in group["IpPermissionsEgress"]] == [(9092, 9098, [network.security_group_id], [])]
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=list(network.enis.values()))["NetworkInterfaces"]
    assert {e["SubnetId"] for e in enis} == set(network.subnets.values())
    assert all(e["Groups"][0]["GroupId"] == network.security_group_id for e in enis)


def test_the_ids_survive_a_save_and_restore(tmp_path):
    spec = make()
    with mock_aws():
        network = network_state.ensure_broker_network(spec)
        moto_state.ensure_cluster_record(spec)
        moto_state.save(tmp_path / "aws.pickle")
    with mock_aws():  # a new process: empty backends, so a network of its own
        assert network_state.ensure_broker_network(spec).vpc_id != network.vpc_id
    with mock_aws():
        moto_state.restore(tmp_path / "aws.pickle")
        assert network_state.ensure_broker_network(spec) == network
        # A record saved before the network existed names made-up ids; the next start replaces them.
        kafka_backend = get_backend("kafka")[spec.account_id][spec.region]
        kafka_backend.clusters[spec.arn].broker_node_group_info = {"securityGroups": ["sg-local-demo"]}
        moto_state.ensure_cluster_record(spec)
        kafka = boto3.client("kafka", region_name=spec.region)
        info = kafka.list_clusters_v2()["ClusterInfoList"][0]["Provisioned"]["BrokerNodeGroupInfo"]
        assert info["SecurityGroups"] == [network.security_group_id]
        assert info["ClientSubnets"] == [network.subnets[b] for b in spec.broker_ids()]


def test_a_slot_whose_brokers_still_listen_is_not_free_even_with_its_aws_api_down():
    import socket

    from mskctl.local import broker_config
    from mskctl.local.cluster import slot_is_free

    slot = 23  # high: the test suite's own clusters take the low slots
    assert slot_is_free(slot)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind((f"127.0.0.{slot * 10 + 2}", broker_config.REPLICATION_PORT))
        squatter.listen()
        assert not slot_is_free(slot)
