"""The definition of one named local cluster, fixed when it is first created.

Everything that must stay the same across ``down``/``up`` (addresses, ARN, KRaft
cluster id, enabled auth modes) lives here and is saved as ``cluster.json``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from mskctl.errors import LocalClusterError, UsageError

NAME_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,63}$")
EMULATOR_PORT = 4566
MAX_BROKERS = 6
MAX_SLOT = 24  # 127.0.0.{10*slot}..{10*slot+6} must stay within one octet


class ClientBroker(StrEnum):
    """MSK's ``EncryptionInTransit.ClientBroker``."""

    TLS = "TLS"
    TLS_PLAINTEXT = "TLS_PLAINTEXT"
    PLAINTEXT = "PLAINTEXT"


class ClientAuth(BaseModel):
    """MSK's ``ClientAuthentication``: which ways a client may prove who it is."""

    iam: bool = True
    scram: bool = True
    tls: bool = True  # mutual TLS, client certificates from the local private CA
    unauthenticated: bool = False

    @classmethod
    def parse(cls, modes: str) -> ClientAuth:
        """Parse ``iam,scram,tls,unauthenticated`` (any subset, at least one)."""
        chosen = {m.strip().lower() for m in modes.split(",") if m.strip()}
        unknown = chosen - set(cls.model_fields)
        if unknown:
            raise UsageError(
                f"Unknown client authentication mode(s): {', '.join(sorted(unknown))}.",
                hint="Choose from iam, scram, tls, unauthenticated (comma-separated).",
            )
        if not chosen:
            raise UsageError(
                "No client authentication mode given.",
                hint="Enable at least one of iam, scram, tls, unauthenticated.",
            )
        return cls(**{m: (m in chosen) for m in cls.model_fields})

    def enabled(self) -> list[str]:
        return [m for m in type(self).model_fields if getattr(self, m)]


class Listener(BaseModel):
    """One client-facing listener as MSK exposes it."""

    name: str
    port: int
    security_protocol: str
    auth_mode: str  # plaintext | tls | scram | iam


class ClusterSpec(BaseModel):
    name: str
    slot: int = Field(ge=1, le=MAX_SLOT)
    brokers: int = Field(ge=1, le=MAX_BROKERS)
    msk_kafka_version: str
    kafka_version: str
    region: str = "us-east-1"
    account_id: str = "123456789012"
    cluster_uuid: str
    kraft_cluster_id: str
    client_auth: ClientAuth = ClientAuth()
    client_broker: ClientBroker = ClientBroker.TLS
    server_properties: dict[str, str] = Field(default_factory=dict)
    created: str

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError("must start with a letter and hold only letters, digits and '-'")
        return value

    # ---- identity -------------------------------------------------------------------
    @property
    def arn(self) -> str:
        return (
            f"arn:aws:kafka:{self.region}:{self.account_id}:cluster/{self.name}/{self.cluster_uuid}"
        )

    def resource_arn(self, kind: str, resource: str) -> str:
        """ARN of a topic/group/transactional-id of this cluster, as MSK IAM names them."""
        return (
            f"arn:aws:kafka:{self.region}:{self.account_id}:{kind}/{self.name}/"
            f"{self.cluster_uuid}/{resource}"
        )

    # ---- network shape --------------------------------------------------------------
    def broker_ids(self) -> list[int]:
        return list(range(1, self.brokers + 1))

    def broker_host(self, broker_id: int) -> str:
        return f"127.0.0.{self.slot * 10 + broker_id}"

    @property
    def emulator_host(self) -> str:
        return f"127.0.0.{self.slot * 10}"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.emulator_host}:{EMULATOR_PORT}"

    def client_listeners(self) -> list[Listener]:
        """The client listeners MSK would open for this encryption and auth setting."""
        listeners: list[Listener] = []
        encrypted = self.client_broker is not ClientBroker.PLAINTEXT
        if self.client_broker is not ClientBroker.TLS:
            listeners.append(Listener(name="CLIENT", port=9092, security_protocol="PLAINTEXT",
                                      auth_mode="plaintext"))
        if encrypted and (self.client_auth.tls or self.client_auth.unauthenticated):
            listeners.append(Listener(name="CLIENT_SECURE", port=9094, security_protocol="SSL",
                                      auth_mode="tls"))
        if encrypted and self.client_auth.scram:
            listeners.append(Listener(name="CLIENT_SASL_SCRAM", port=9096,
                                      security_protocol="SASL_SSL", auth_mode="scram"))
        if encrypted and self.client_auth.iam:
            listeners.append(Listener(name="CLIENT_IAM", port=9098,
                                      security_protocol="SASL_SSL", auth_mode="iam"))
        return listeners

    def bootstrap(self, auth_mode: str) -> str:
        """``host:port,...`` for one auth mode, as ``get_bootstrap_brokers`` returns it."""
        port = next((lst.port for lst in self.client_listeners() if lst.auth_mode == auth_mode), None)
        if port is None:
            return ""
        return ",".join(f"{self.broker_host(b)}:{port}" for b in self.broker_ids())


def new_kraft_cluster_id() -> str:
    """A KRaft cluster id as Kafka makes them: URL-safe base64 of a random UUID, never starting
    with '-' (the storage tool would read it as an option: 1 new cluster in 64 failed to format)."""
    while (cluster_id := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))[0] == "-":
        pass
    return cluster_id


def new_spec(
    name: str,
    slot: int,
    brokers: int,
    msk_kafka_version: str,
    kafka_version: str,
    client_auth: ClientAuth,
    client_broker: ClientBroker,
    server_properties: dict[str, str],
    region: str,
) -> ClusterSpec:
    return ClusterSpec(
        name=name,
        slot=slot,
        brokers=brokers,
        msk_kafka_version=msk_kafka_version,
        kafka_version=kafka_version,
        region=region,
        # MSK appends a revision-like suffix to the cluster UUID in its ARNs.
        cluster_uuid=f"{uuid.uuid4()}-1",
        kraft_cluster_id=new_kraft_cluster_id(),
        client_auth=client_auth,
        client_broker=client_broker,
        server_properties=server_properties,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def validate_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise UsageError(
            f"Cluster name {name!r} is not valid.",
            hint="Use a letter followed by letters, digits or '-' (at most 64 characters).",
        )
    return name


def load_spec(path: Path) -> ClusterSpec:
    try:
        return ClusterSpec.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise LocalClusterError(
            f"The local cluster definition {path} is unreadable: {exc}",
            hint="Remove the cluster with `mskctl local down --wipe` and create it again.",
        ) from exc


def save_spec(spec: ClusterSpec, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(spec.model_dump(mode="json"), indent=2) + "\n")
    os.replace(tmp, path)
