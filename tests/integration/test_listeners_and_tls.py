"""MSK's network shape on the real brokers: ports per auth mode, verified TLS, mTLS on 9094."""

from __future__ import annotations

import socket
import ssl

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from tests.integration.kafka_helpers import QUIET, can_produce, create_topic

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


def tls_errors(config: dict, topic: str, timeout: float = 8.0) -> list[KafkaError]:
    """What error_cb reports while a client asks for an existing topic's metadata; [] when it gets it."""
    errors: list[KafkaError] = []
    admin = AdminClient(config | QUIET | {"error_cb": errors.append})
    try:
        metadata = admin.list_topics(topic, timeout=timeout)
    except KafkaException:
        admin.poll(1.0)  # error_cb is served by poll()
        return errors or [KafkaError(KafkaError._TIMED_OUT, "nothing reported")]
    assert metadata.topics[topic].error is None
    return []


def handshake_failures(errors: list[KafkaError]) -> list[str]:
    """The SSL handshake failures among them: librdkafka's _SSL or a _TRANSPORT naming the TLS alert."""
    return [e.str() for e in errors
            if e.code() == KafkaError._SSL or (e.code() == KafkaError._TRANSPORT and "SSL" in e.str())]


def test_tls_listener_refuses_a_client_without_certificate(msk, unique):
    topic = f"nocert-{unique}"
    with_cert = msk.tls_config()
    create_topic(with_cert, topic)
    assert tls_errors(with_cert, topic) == []  # the same client, with its certificate, reads the topic
    config = dict(with_cert)
    del config["ssl.certificate.location"], config["ssl.key.location"]
    errors = tls_errors(config, topic)
    failures = handshake_failures(errors)
    assert failures, f"expected an SSL handshake failure, got {[e.str() for e in errors]}"
    assert any("alert bad certificate" in f or "certificate required" in f for f in failures), failures
    assert can_produce(config, topic, timeout=5) is not None


def test_tls_listener_sends_certificate_required_to_a_client_without_certificate(msk):
    # The broker's side of the handshake, without librdkafka: TLS 1.3 finishes the client's half of the
    # handshake first, so the refusal is the alert the broker (Java: bad_certificate) sends on the first read.
    context = ssl.create_default_context(cafile=msk.ca)
    host = msk.spec.broker_host(1)
    with (
        socket.create_connection((host, 9094), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
        pytest.raises(ssl.SSLError, match=r"ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_REQUIRED"),
    ):
        tls.sendall(b"\x00\x00\x00\x00")
        tls.recv(1)


def test_client_with_wrong_ca_cannot_connect(msk, unique, tmp_path):
    from mskctl.local.tls import LocalCA

    topic = f"wrongca-{unique}"
    create_topic(msk.tls_config(), topic)
    other = LocalCA(tmp_path / "other-ca", "other")
    config = msk.tls_config(**{"ssl.ca.location": str(other.cert_path)})
    errors = tls_errors(config, topic)
    failures = handshake_failures(errors)
    assert any("certificate verify failed" in f for f in failures), [e.str() for e in errors]
