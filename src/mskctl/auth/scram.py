"""SASL/SCRAM-SHA-512 (9096) with the user's credentials read from Secrets Manager, as MSK keeps them."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from mskctl.errors import InputError, MskctlError, PermissionDenied, UsageError
from mskctl.service_errors import translate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScramCredentials:
    username: str
    password: SecretStr
    secret_id: str | None  # where they came from, for messages (never the password)


# What to do when the secret cannot be read, beyond the generic AWS hint.
_SECRET_HINTS: dict[type[MskctlError], str] = {
    UsageError: "Check the secret name/ARN (MSK_SCRAM_SECRET_ARN / MSK_SCRAM_SECRET_NAME) "
    "and the region.",
    PermissionDenied: "Your identity needs secretsmanager:GetSecretValue on the secret and kms:Decrypt on "
    "its KMS key (kms:ViaService secretsmanager).",
}


class SecretReader:
    """Reads (and caches) SCRAM credentials from a Secrets Manager secret."""

    def __init__(self, secret_id: str, region: str | None, aws_profile: str | None = None) -> None:
        self.secret_id = secret_id
        self._region = region
        self._aws_profile = aws_profile
        self._cached: ScramCredentials | None = None
        self._lock = threading.Lock()

    def credentials(self, *, refresh: bool = False) -> ScramCredentials:
        with self._lock:
            if self._cached is None or refresh:
                self._cached = self._read()
            return self._cached

    def _read(self) -> ScramCredentials:
        try:
            session = boto3.Session(profile_name=self._aws_profile) if self._aws_profile else boto3.Session()
            client = session.client("secretsmanager", region_name=self._region)
            raw = client.get_secret_value(SecretId=self.secret_id)["SecretString"]
        except (ClientError, BotoCoreError) as exc:
            error = translate(exc, f"read SCRAM secret {self.secret_id}")
            error.hint = _SECRET_HINTS.get(type(error), error.hint)
            raise error from None
        try:
            value = json.loads(raw)
            return ScramCredentials(value["username"], SecretStr(value["password"]), self.secret_id)
        except (ValueError, KeyError, TypeError):
            raise InputError(
                f"SCRAM secret {self.secret_id} is not JSON with username and password.",
                hint='MSK expects {"username": "...", "password": "..."}.',
            ) from None


def follow_rotation(reader: SecretReader, clients: list[Any]) -> Callable[[Any], None]:
    """An ``error_cb`` that, on an authentication failure, re-reads the secret once and hands the
    new credentials to the running clients (``set_sasl_credentials``): a rotation is followed
    without a restart."""
    state = {"retried_for": None}

    def on_error(error) -> None:
        from confluent_kafka import KafkaError

        if error.code() != KafkaError._AUTHENTICATION or not clients:
            return
        fresh = reader.credentials(refresh=True)
        fingerprint = hash(fresh.password.get_secret_value())
        if state["retried_for"] == fingerprint:
            return  # same password already failed: do not loop
        state["retried_for"] = fingerprint
        log.info("SCRAM authentication failed; re-read %s and retrying", reader.secret_id)
        username, password = fresh.username, fresh.password.get_secret_value()

        def apply() -> None:
            for client in list(clients):
                client.set_sasl_credentials(username, password)

        # Not from inside librdkafka's callback (it aborts there): from a thread of our own.
        threading.Thread(target=apply, name="mskctl-scram-rotation", daemon=True).start()

    return on_error
