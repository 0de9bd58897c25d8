"""MSK's network shape on the real brokers: ports per auth mode, verified TLS, mTLS on 9094."""

from __future__ import annotations

import socket
import ssl

import pytest
from confluent_kafka import KafkaError

from tests.integration.kafka_helpers import can_produce, create_topic

pytestmark = pytest.mark.integration


def handshake(host: str, port: int, context: ssl.SSLContext, server_hostname: str) -> None:
    with (
        socket.create_connection((host, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=server_hostname),
    ):
        pass


@pytest.mark.parametrize("port", [9094, 9096, 9098])
def test_client_listeners_present_a_certificate_that_verifies_against_the_ca(msk, port):
    context = ssl.create_default_context(cafile=msk.ca)
    for broker in msk.spec.broker_ids():
        handshake(msk.spec.broker_host(broker), port, context, msk.spec.broker_host(broker))


def test_tls_without_the_local_ca_is_rejected(msk):
    context = ssl.create_default_context()  # system trust store only
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(msk.spec.broker_host(1), 9096, context, msk.spec.broker_host(1))


def test_certificate_of_one_broker_does_not_verify_for_another_address(msk):
    context = ssl.create_default_context(cafile=msk.ca)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(msk.spec.broker_host(1), 9096, context, msk.spec.broker_host(2))


def test_plaintext_port_is_closed_when_client_broker_encryption_is_tls(msk):
    with pytest.raises(OSError):
        socket.create_connection((msk.spec.broker_host(1), 9092), timeout=2).close()


def test_mutual_tls_client_produces_with_hostname_verification(msk, unique):
    topic = f"mtls-{unique}"
    config = msk.tls_config(**{"ssl.endpoint.identification.algorithm": "https"})
    create_topic(config, topic)
    assert can_produce(config, topic) is None


def test_tls_listener_refuses_a_client_without_certificate(msk, unique):
    config = msk.tls_config()
    del config["ssl.certificate.location"], config["ssl.key.location"]
    error = can_produce(config | {"socket.timeout.ms": 3000}, f"nocert-{unique}", timeout=6)
    assert error is not None
    assert error.code() in (KafkaError._MSG_TIMED_OUT, KafkaError._TRANSPORT, KafkaError._SSL,
                            KafkaError._ALL_BROKERS_DOWN)


def test_client_with_wrong_ca_cannot_connect(msk, unique, tmp_path):
    from mskctl.local.tls import LocalCA

    other = LocalCA(tmp_path / "other-ca", "other")
    config = msk.tls_config(**{"ssl.ca.location": str(other.cert_path)})
    error = can_produce(config, f"wrongca-{unique}", timeout=6)
    assert error is not None
