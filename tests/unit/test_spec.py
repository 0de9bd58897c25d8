from __future__ import annotations

import pytest

from mskctl.errors import UsageError
from mskctl.local.spec import ClientAuth, ClientBroker, new_spec
from mskctl.local.versions import resolve_kafka_version


def make(client_auth: str = "scram,tls", client_broker: str = "TLS", brokers: int = 3, slot: int = 1):
    return new_spec(
        name="demo", slot=slot, brokers=brokers, msk_kafka_version="4.1.x", kafka_version="4.1.1",
        client_auth=ClientAuth.parse(client_auth), client_broker=ClientBroker(client_broker),
        server_properties={}, region="eu-west-1",
    )


def test_arn_has_msk_shape_with_name_and_uuid():
    spec = make()
    prefix = "arn:aws:kafka:eu-west-1:123456789012:cluster/demo/"
    assert spec.arn.startswith(prefix)
    assert spec.arn.removeprefix(prefix).endswith("-1")


def test_resource_arns_follow_msk_iam_format():
    spec = make()
    assert spec.resource_arn("topic", "orders") == (
        f"arn:aws:kafka:eu-west-1:123456789012:topic/demo/{spec.cluster_uuid}/orders"
    )


def test_each_broker_has_its_own_loopback_address_per_slot():
    assert [make(slot=1).broker_host(b) for b in (1, 2, 3)] == ["127.0.0.11", "127.0.0.12", "127.0.0.13"]
    assert make(slot=2).broker_host(6) == "127.0.0.26"
    assert make(slot=2).endpoint_url == "http://127.0.0.20:4566"


def test_default_tls_cluster_opens_9094_and_9096_only():
    ports = {lst.port: lst.auth_mode for lst in make().client_listeners()}
    assert ports == {9094: "tls", 9096: "scram"}


def test_iam_adds_9098_and_tls_plaintext_adds_9092():
    ports = {lst.port for lst in make("iam,scram", "TLS_PLAINTEXT").client_listeners()}
    assert ports == {9092, 9096, 9098}


def test_scram_only_cluster_has_no_tls_port():
    assert [lst.port for lst in make("scram").client_listeners()] == [9096]


def test_bootstrap_string_lists_every_broker_for_the_mode():
    spec = make(brokers=2)
    assert spec.bootstrap("scram") == "127.0.0.11:9096,127.0.0.12:9096"
    assert spec.bootstrap("iam") == ""


def test_client_auth_parse_rejects_unknown_and_empty():
    with pytest.raises(UsageError, match="kerberos"):
        ClientAuth.parse("scram,kerberos")
    with pytest.raises(UsageError):
        ClientAuth.parse(" , ")


def test_kafka_versions_accept_msk_names_and_exact_releases():
    assert resolve_kafka_version(None) == ("4.1.x", "4.1.1")
    assert resolve_kafka_version("3.7.x.kraft") == ("3.7.x.kraft", "3.7.2")
    assert resolve_kafka_version("4.0.1") == ("4.0.x", "4.0.1")


@pytest.mark.parametrize("version", ["2.8.1", "3.6.0", "latest", "4.1.x.tiered"])
def test_zookeeper_era_or_unknown_versions_are_refused(version):
    with pytest.raises(UsageError, match="not one the local MSK runs"):
        resolve_kafka_version(version)


def test_iam_plugin_needs_kafka_41_or_newer():
    from mskctl.local.cluster import supports_iam_plugin

    assert supports_iam_plugin("4.1.1") and supports_iam_plugin("4.2.0")
    assert not supports_iam_plugin("4.0.1") and not supports_iam_plugin("3.9.1")


def test_kraft_cluster_ids_never_start_with_a_dash_the_storage_tool_would_read_as_an_option():
    from mskctl.local.spec import new_kraft_cluster_id

    ids = [new_kraft_cluster_id() for _ in range(5000)]
    assert not [i for i in ids if i.startswith("-")]
    assert all(len(i) == 22 for i in ids) and len(set(ids)) == len(ids)
