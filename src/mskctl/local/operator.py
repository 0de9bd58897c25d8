"""The local control plane's own Kafka access: what MSK's service does on its brokers.

It connects to the internal REPLICATION listener with the operator certificate
(a super user), so it works whatever the cluster's client auth or ACLs are.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)

from mskctl.local import broker_config
from mskctl.local.paths import ClusterPaths
from mskctl.local.spec import ClusterSpec

SCRAM_ITERATIONS = 4096


def operator_config(spec: ClusterSpec, paths: ClusterPaths) -> dict[str, Any]:
    return {
        "bootstrap.servers": ",".join(
            f"{spec.broker_host(b)}:{broker_config.REPLICATION_PORT}" for b in spec.broker_ids()
        ),
        "security.protocol": "SSL",
        "ssl.ca.location": str(paths.ca_bundle),
        "ssl.certificate.location": str(paths.tls / "operator.crt"),
        "ssl.key.location": str(paths.tls / "operator.key"),
        "ssl.endpoint.identification.algorithm": "https",
        "socket.timeout.ms": 5000,
        "log_level": 0,
        "logger": _silent_logger(),
    }


def _silent_logger():
    import logging

    logger = logging.getLogger("mskctl.local.operator.librdkafka")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


def admin(spec: ClusterSpec, paths: ClusterPaths) -> AdminClient:
    return AdminClient(operator_config(spec, paths))


def broker_ids_in_metadata(client: AdminClient, timeout: float = 3.0) -> set[int]:
    try:
        return set(client.list_topics(timeout=timeout).brokers)
    except KafkaException:
        return set()


def tls_handshake_ok(host: str, port: int, paths: ClusterPaths, timeout: float = 2.0) -> bool:
    """A real TLS handshake with hostname (IP SAN) verification against the cluster CA.

    It presents the operator certificate, so mTLS listeners accept it without logging
    a failed authentication for every health check.
    """
    context = ssl.create_default_context(cafile=str(paths.ca_bundle))
    context.load_cert_chain(paths.tls / "operator.crt", paths.tls / "operator.key")
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ssl.SSLError):
        return False


def upsert_scram_users(client: AdminClient, users: dict[str, str], timeout: float = 15.0) -> None:
    """Set SCRAM-SHA-512 credentials (user -> password) on the brokers."""
    if not users:
        return
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
    changes = [UserScramCredentialUpsertion(u, info, p.encode()) for u, p in users.items()]
    for future in client.alter_user_scram_credentials(changes, request_timeout=timeout).values():
        future.result()


def delete_scram_users(client: AdminClient, users: list[str], timeout: float = 15.0) -> None:
    if not users:
        return
    changes = [UserScramCredentialDeletion(u, ScramMechanism.SCRAM_SHA_512) for u in users]
    for user, future in client.alter_user_scram_credentials(changes, request_timeout=timeout).items():
        try:
            future.result()
        except KafkaException as exc:
            # Already gone is what we wanted.
            if "RESOURCE_NOT_FOUND" not in str(exc) and user:
                raise


def list_scram_users(client: AdminClient, timeout: float = 15.0) -> list[str]:
    described = client.describe_user_scram_credentials(request_timeout=timeout).result()
    return sorted(described)


class OperatorScramUsers:
    """``BrokerScramUsers`` over the operator's admin connection."""

    def __init__(self, spec: ClusterSpec, paths: ClusterPaths) -> None:
        self._admin = admin(spec, paths)

    def list(self) -> list[str]:
        return list_scram_users(self._admin)

    def apply(self, upserts: dict[str, str], deletes: list[str]) -> None:
        upsert_scram_users(self._admin, upserts)
        delete_scram_users(self._admin, deletes)
