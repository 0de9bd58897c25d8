from __future__ import annotations

from pathlib import Path

import pytest

from mskctl.errors import UsageError
from mskctl.local import broker_config
from mskctl.local.spec import ClientAuth, ClientBroker, new_spec


def spec_for(brokers: int = 3, auth: str = "scram,tls", overrides: dict[str, str] | None = None):
    return new_spec(
        name="c", slot=1, brokers=brokers, msk_kafka_version="4.1.x", kafka_version="4.1.1",
        client_auth=ClientAuth.parse(auth), client_broker=ClientBroker.TLS,
        server_properties=overrides or {}, region="us-east-1",
    )


def render(spec, broker_id: int = 1) -> dict[str, str]:
    return broker_config.render(spec, broker_id, keystore=Path("/k.pem"), truststore=Path("/ca.pem"),
                                data_dir=Path("/data"), super_users=["CN=b-1", "CN=op"],
                                iam_token_file=Path("/iam.token"))


def test_msk_defaults_are_applied():
    props = render(spec_for())
    assert props["auto.create.topics.enable"] == "false"
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["allow.everyone.if.no.acl.found"] == "true"
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")


def test_small_clusters_scale_replication_down_like_two_az_msk():
    props = render(spec_for(brokers=2))
    assert props["default.replication.factor"] == "2"
    assert props["min.insync.replicas"] == "1"
    assert props["offsets.topic.replication.factor"] == "2"


def test_user_overrides_win_over_defaults():
    props = render(spec_for(overrides={"allow.everyone.if.no.acl.found": "false"}))
    assert props["allow.everyone.if.no.acl.found"] == "false"


def test_inter_broker_and_controller_traffic_is_mutual_tls():
    props = render(spec_for())
    assert props["inter.broker.listener.name"] == "REPLICATION"
    assert "REPLICATION:SSL" in props["listener.security.protocol.map"]
    assert "CONTROLLER:SSL" in props["listener.security.protocol.map"]
    assert props["listener.name.replication.ssl.client.auth"] == "required"
    assert props["listener.name.controller.ssl.client.auth"] == "required"
    assert props["super.users"] == "User:CN=b-1;User:CN=op"


def test_three_voters_only_on_the_first_three_brokers():
    spec = spec_for(brokers=5)
    assert render(spec, 1)["process.roles"] == "broker,controller"
    assert render(spec, 4)["process.roles"] == "broker"
    assert "CONTROLLER://" not in render(spec, 4)["listeners"]
    assert render(spec, 4)["controller.quorum.voters"].count("@") == 3


def test_controller_listener_is_never_advertised():
    props = render(spec_for())
    assert "CONTROLLER" not in props["advertised.listeners"]
    assert "CLIENT_SASL_SCRAM://127.0.0.11:9096" in props["advertised.listeners"]


def test_tls_client_auth_is_required_for_mtls_and_requested_with_unauthenticated():
    assert render(spec_for(auth="tls"))["listener.name.client_secure.ssl.client.auth"] == "required"
    both = render(spec_for(auth="tls,unauthenticated"))
    assert both["listener.name.client_secure.ssl.client.auth"] == "requested"
    assert render(spec_for(auth="unauthenticated"))["listener.name.client_secure.ssl.client.auth"] == "none"


def test_iam_listener_uses_the_broker_plugin_never_the_unsecured_validator():
    spec = spec_for(auth="iam,scram")
    props = render(spec)
    handler = props["listener.name.client_iam.oauthbearer.sasl.server.callback.handler.class"]
    assert handler == broker_config.IAM_CALLBACK_HANDLER
    assert props["authorizer.class.name"] == broker_config.IAM_AUTHORIZER
    jaas = props["listener.name.client_iam.oauthbearer.sasl.jaas.config"]
    assert f'clusterArn="{spec.arn}"' in jaas and 'tokenFile="/iam.token"' in jaas
    assert props["mskctl.iam.listener"] == "CLIENT_IAM"


def test_clusters_without_iam_keep_the_plain_acl_authorizer():
    props = render(spec_for(auth="scram,tls"))
    assert props["authorizer.class.name"] == broker_config.ACL_AUTHORIZER
    assert not any(key.startswith("mskctl.") for key in props)


def test_managed_keys_are_rejected_as_overrides():
    assert broker_config.rejected_overrides({"listeners": "x", "ssl.keystore.location": "y",
                                             "log.retention.ms": "1"}) == ["listeners",
                                                                            "ssl.keystore.location"]


def test_properties_parser_reads_comments_separators_and_reports_bad_lines():
    parsed = broker_config.parse_properties("# c\n! c\na=1\nb : 2\n\n", "f.properties")
    assert parsed == {"a": "1", "b": "2"}
    with pytest.raises(UsageError, match=r"f.properties:2: expected 'key=value'"):
        broker_config.parse_properties("a=1\nnonsense\n", "f.properties")
