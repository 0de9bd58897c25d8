"""What KMS says about a key (who manages it, whether it rotates), read once per key per audit."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from mskctl.audit.aws.calls import AwsCalls

DEFAULT_SECRETS_KEY = "alias/aws/secretsmanager"


@dataclass(frozen=True)
class KeyFacts:
    """``manager`` is None when the key could not be read (a note says why)."""

    arn: str
    manager: str | None  # "AWS" | "CUSTOMER"
    rotation: bool | None = None  # read for customer keys only


class KeyReader:
    def __init__(self, calls: AwsCalls) -> None:
        self.calls = calls
        self._known: dict[str, KeyFacts] = {}
        self._lock = threading.Lock()

    def facts(self, key_id: str) -> KeyFacts:
        with self._lock:
            if key_id in self._known:
                return self._known[key_id]
        facts = self._read(key_id)
        with self._lock:
            self._known[key_id] = facts
        return facts

    def _read(self, key_id: str) -> KeyFacts:
        kms = self.calls.client("kms")
        described = self.calls.optional(f"KMS key {key_id}", "kms:DescribeKey",
                                        lambda: kms.describe_key(KeyId=key_id))
        if described is None:
            return KeyFacts(key_id, None)
        metadata = described["KeyMetadata"]
        arn, manager = metadata.get("Arn", key_id), metadata.get("KeyManager", "CUSTOMER")
        if manager != "CUSTOMER":
            return KeyFacts(arn, manager)
        status = self.calls.optional(f"rotation of KMS key {arn}", "kms:GetKeyRotationStatus",
                                     lambda: kms.get_key_rotation_status(KeyId=arn))
        return KeyFacts(arn, manager, None if status is None else bool(status.get("KeyRotationEnabled")))


def is_default_secrets_key(key_id: str | None) -> bool:
    """No key (Secrets Manager then uses aws/secretsmanager) or that alias by name or ARN."""
    return not key_id or key_id == DEFAULT_SECRETS_KEY or key_id.endswith(":" + DEFAULT_SECRETS_KEY)
