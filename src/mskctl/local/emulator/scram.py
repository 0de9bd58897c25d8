"""SCRAM secret association, following Amazon MSK's rules, kept in step with the brokers.

The associated secret ARNs are the desired state (saved to disk); a reconciler
re-reads each secret every few seconds and makes the brokers' SCRAM-SHA-512
credentials match: new users and new passwords (``put_secret_value``) are set,
users of disassociated secrets are removed. MSK takes minutes; we take seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mskctl.local.emulator import moto_state
from mskctl.local.spec import ClusterSpec

log = logging.getLogger(__name__)

SECRET_PREFIX = "AmazonMSK_"
MAX_SECRETS_PER_CALL = 10
RECONCILE_INTERVAL = 2.0
DEFAULT_SECRETS_KEY = "alias/aws/secretsmanager"


@dataclass(frozen=True)
class Rejection:
    secret_arn: str
    code: str
    message: str


@dataclass(frozen=True)
class Credential:
    secret_arn: str
    username: str
    password: str


class BrokerScramUsers(Protocol):
    """The brokers' SCRAM-SHA-512 users, as the control plane sees them."""

    def list(self) -> list[str]: ...

    def apply(self, upserts: dict[str, str], deletes: list[str]) -> None: ...


class ScramSecretError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read_credential(spec: ClusterSpec, secret_id: str) -> Credential:
    """Apply MSK's checks to one secret and return its credential, or raise ScramSecretError."""
    try:
        secret = moto_state.secret(spec, secret_id)
    except Exception as exc:
        raise ScramSecretError("SecretNotFound", f"Secret {secret_id} does not exist.") from exc
    if getattr(secret, "deleted_date", None):
        raise ScramSecretError("SecretNotFound", f"Secret {secret.arn} is scheduled for deletion.")
    if not secret.name.startswith(SECRET_PREFIX):
        raise ScramSecretError(
            "InvalidSecretName",
            f"The secret name {secret.name!r} must start with the prefix {SECRET_PREFIX}.",
        )
    key_id = secret.kms_key_id or DEFAULT_SECRETS_KEY
    key = None if key_id == DEFAULT_SECRETS_KEY else moto_state.kms_key(spec, key_id)
    if key is None or getattr(key, "key_manager", "CUSTOMER") != "CUSTOMER":
        raise ScramSecretError(
            "InvalidKmsKey",
            "The secret must be encrypted with a customer managed KMS key; "
            "secrets that use the AWS managed key (aws/secretsmanager) cannot be used with MSK.",
        )
    if getattr(key, "key_spec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        raise ScramSecretError(
            "InvalidKmsKey", "The secret's KMS key must be a symmetric key (SYMMETRIC_DEFAULT)."
        )
    raw = moto_state.secret_string(spec, secret.arn)
    try:
        value = json.loads(raw or "")
        username, password = value["username"], value["password"]
        if not (isinstance(username, str) and isinstance(password, str) and username and password):
            raise TypeError
    except (ValueError, KeyError, TypeError) as exc:
        raise ScramSecretError(
            "InvalidSecretValue",
            'The secret value must be JSON of the form {"username": "...", "password": "..."}.',
        ) from exc
    if username.startswith("arn:"):
        # Local guard: the brokers tell IAM principals (named by ARN) from others by that prefix.
        raise ScramSecretError("InvalidSecretValue", "SCRAM user names may not start with 'arn:' "
                               "(reserved for IAM principals).")
    return Credential(secret.arn, username, password)


class ScramAssociations:
    """The cluster's associated secrets, persisted, and the loop that applies them to brokers."""

    def __init__(self, spec: ClusterSpec, state_file: Path, brokers: BrokerScramUsers) -> None:
        self.spec = spec
        self.state_file = state_file
        self._brokers = brokers
        self._lock = threading.RLock()
        self._arns: list[str] = json.loads(state_file.read_text()) if state_file.exists() else []
        self._applied: dict[str, str] = {}  # user -> fingerprint of the password on the brokers
        self._in_sync_once = False
        self._stop = threading.Event()
        self._wake = threading.Event()

    # ---- API operations ---------------------------------------------------------------
    def list(self) -> list[str]:
        with self._lock:
            return list(self._arns)

    def associate(self, secret_ids: list[str]) -> list[Rejection]:
        rejected: list[Rejection] = []
        with self._lock:
            for secret_id in secret_ids:
                try:
                    credential = read_credential(self.spec, secret_id)
                except ScramSecretError as exc:
                    rejected.append(Rejection(secret_id, exc.code, exc.message))
                    continue
                clash = self._owner_of(credential.username, exclude=credential.secret_arn)
                if clash:
                    rejected.append(Rejection(
                        secret_id, "DuplicateUsername",
                        f"User {credential.username!r} already comes from associated secret {clash}.",
                    ))
                    continue
                if credential.secret_arn not in self._arns:
                    self._arns.append(credential.secret_arn)
            self._save()
        self.reconcile_now()
        return rejected

    def disassociate(self, secret_ids: list[str]) -> list[Rejection]:
        rejected: list[Rejection] = []
        with self._lock:
            for secret_id in secret_ids:
                arn = self._resolve(secret_id)
                if arn is None:
                    rejected.append(Rejection(
                        secret_id, "SecretNotAssociated",
                        f"Secret {secret_id} is not associated with cluster {self.spec.arn}.",
                    ))
                    continue
                self._arns.remove(arn)
            self._save()
        self.reconcile_now()
        return rejected

    # ---- reconciliation ----------------------------------------------------------------
    def desired(self) -> dict[str, str]:
        users: dict[str, str] = {}
        for arn in self.list():
            try:
                credential = read_credential(self.spec, arn)
            except ScramSecretError as exc:
                log.warning("associated secret %s is unusable: %s", arn, exc.message)
                continue
            users.setdefault(credential.username, credential.password)
        return users

    def reconcile_now(self) -> bool:
        """Make the brokers match the associations; True when they do."""
        with self._lock:
            desired = self.desired()
            fingerprints = {u: _fingerprint(u, p) for u, p in desired.items()}
            try:
                # After a restart we know nothing of the brokers: ask them once.
                present = set(self._applied) if self._in_sync_once else set(self._brokers.list())
                gone = sorted(present - set(desired))
                upserts = {u: desired[u] for u in desired if self._applied.get(u) != fingerprints[u]}
                if upserts or gone:
                    self._brokers.apply(upserts, gone)
                    log.info("SCRAM users on the brokers: set %s, removed %s", sorted(upserts), gone)
            except Exception as exc:  # noqa: BLE001 - brokers may be down; retried next tick
                log.info("SCRAM credentials not applied yet (%s); will retry", exc)
                return False
            self._applied = fingerprints
            self._in_sync_once = True
            return True

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.reconcile_now()
            self._wake.wait(RECONCILE_INTERVAL)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    # ---- helpers -----------------------------------------------------------------------
    def _resolve(self, secret_id: str) -> str | None:
        if secret_id in self._arns:
            return secret_id
        try:
            arn = moto_state.secret(self.spec, secret_id).arn
        except Exception:  # noqa: BLE001 - moto's not-found types vary
            return None
        return arn if arn in self._arns else None

    def _owner_of(self, username: str, exclude: str) -> str | None:
        for arn in self._arns:
            if arn == exclude:
                continue
            try:
                if read_credential(self.spec, arn).username == username:
                    return arn
            except ScramSecretError:
                continue
        return None

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(self._arns, indent=2) + "\n")


def _fingerprint(user: str, password: str) -> str:
    # Only a fingerprint of the password stays in memory, to notice a changed secret value.
    return hashlib.sha256(f"{user}\0{password}".encode()).hexdigest()
