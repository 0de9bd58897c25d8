"""Per-subject keys for crypto-shredding: one random AES-256 key per subject, wrapped by KMS, in DynamoDB.

Why a table and not a KMS key per subject: a KMS key costs $1 a month, so a million subjects
would cost $1M a month (and AWS caps keys per account far below that); a wrapped key is one
~300-byte DynamoDB item (a million: ~0.3 GB, cents a month) and one kms:Decrypt to open. See
docs/protect.md for the numbers and the backup caveat.

Items are keyed by a *reference*, an HMAC of the subject id under a key derived from the
policy's KMS HMAC key: neither the table nor the record headers hold subject ids. ``forget``
deletes the item: every value encrypted under that key is then undecryptable, for good.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.hmac import HMAC

from mskctl.protect.keys import (
    SUBJECT_LABEL,
    Clock,
    KeyAccessError,
    Kms,
    MacKeys,
    Reason,
    TimedCache,
    classify,
    fetch,
)

REF_BYTES = 16


def subject_context(ref: str) -> dict[str, str]:
    return {"mskctl:subject": ref}


def subject_text(value: Any) -> str | None:
    """A subject id as text (strings and integers; anything else is no subject)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        return str(value)
    return None


@dataclass(frozen=True)
class SubjectKey:
    aead: AESGCM
    slot: dict[str, Any]


class SubjectKeys:
    """Get-or-create, open and delete per-subject keys in one DynamoDB table."""

    def __init__(self, kms: Kms, mac_keys: MacKeys, dynamodb: Any, table: str, cmk: str | None,
                 hmac_key: str | None, cache_seconds: float, clock: Clock = time.monotonic) -> None:
        self.kms = kms
        self.mac_keys = mac_keys
        self.dynamodb = dynamodb
        self.table = table
        self.cmk = cmk
        self.hmac_key = hmac_key
        self.calls: dict[str, int] = {}
        self.cache = TimedCache(max(cache_seconds, 0.001), 100_000, clock)
        self._refs = TimedCache(3600, 100_000, clock)

    # ---- producers ------------------------------------------------------------------
    def ref(self, subject: str) -> str:
        """The subject's reference: HMAC-SHA-256 of its id, 128 bits, base64url."""
        found = self._refs.get(subject)
        if found is None:
            if not self.hmac_key:
                raise KeyAccessError(Reason.key_unavailable, "subject keys need the policy's keys.hmac")
            secret, _ = self.mac_keys.derive(self.hmac_key, SUBJECT_LABEL)
            mac = HMAC(secret, SHA256())
            mac.update(subject.encode())
            found = self._refs.put(subject, base64.urlsafe_b64encode(mac.finalize()[:REF_BYTES]).decode().rstrip("="))
        return found

    def for_encrypt(self, subject: str) -> SubjectKey:
        ref = self.ref(subject)
        return fetch(self.cache, ("enc", ref), lambda: self._get_or_create(ref), failure_ttl=1.0)

    def _get_or_create(self, ref: str) -> SubjectKey:
        item = self._get(ref, consistent=False)
        if item is None:
            if not self.cmk:
                raise KeyAccessError(Reason.key_unavailable, "subject keys need subjects.kms or keys.kms")
            plaintext, wrapped, arn = self.kms.generate_data_key(self.cmk, subject_context(ref))
            item = {"ref": {"S": ref}, "key_id": {"S": os.urandom(8).hex()}, "kms": {"S": arn},
                    "wrapped": {"B": wrapped}, "created": {"S": datetime.now(UTC).isoformat(timespec="seconds")}}
            try:
                self._call("PutItem", self.dynamodb.put_item, TableName=self.table, Item=item,
                           ConditionExpression="attribute_not_exists(#r)", ExpressionAttributeNames={"#r": "ref"})
                return SubjectKey(AESGCM(plaintext), self._slot(item))
            except KeyAccessError as exc:
                if "ConditionalCheckFailed" not in exc.message:
                    raise
            item = self._get(ref, consistent=True)  # another producer made it first: use theirs
            if item is None:
                raise KeyAccessError(Reason.kms_error, f"subject key {ref} vanished while being created")
        return SubjectKey(self._unwrap(item), self._slot(item))

    def _slot(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"kind": "subject", "kms": item["kms"]["S"], "table": self.table, "ref": item["ref"]["S"],
                "id": item["key_id"]["S"]}

    # ---- consumers ------------------------------------------------------------------
    def for_decrypt(self, slot: dict[str, Any]) -> AESGCM:
        table, ref, key_id = slot.get("table") or self.table, str(slot.get("ref")), str(slot.get("id"))

        def load() -> AESGCM:
            item = self._get(ref, consistent=False, table=table)
            if item is None or item["key_id"]["S"] != key_id:
                raise KeyAccessError(Reason.forgotten, f"the subject's key {ref}/{key_id} is gone from {table} "
                                     "(`mskctl protect forget`): these values can never be decrypted")
            return self._unwrap(item)

        return fetch(self.cache, ("dec", table, ref, key_id), load)

    def _unwrap(self, item: dict[str, Any]) -> AESGCM:
        ref = item["ref"]["S"]
        return AESGCM(self.kms.decrypt(item["wrapped"]["B"], subject_context(ref), item["kms"]["S"]))

    # ---- forget ---------------------------------------------------------------------
    def forget(self, subject: str) -> tuple[str, bool]:
        """Delete the subject's key; (its reference, whether there was one)."""
        ref = self.ref(subject)
        out = self._call("DeleteItem", self.dynamodb.delete_item, TableName=self.table,
                         Key={"ref": {"S": ref}}, ReturnValues="ALL_OLD")
        self.cache.discard(lambda k: ref in k)
        return ref, bool(out.get("Attributes"))

    def create_table(self) -> bool:
        """Create the key table (on-demand capacity); False when it exists already."""
        try:
            self._call("CreateTable", self.dynamodb.create_table, TableName=self.table,
                       AttributeDefinitions=[{"AttributeName": "ref", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "ref", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        except KeyAccessError as exc:
            if "ResourceInUseException" in exc.message:
                return False
            raise
        self.dynamodb.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 1})
        return True

    # ---- DynamoDB calls ---------------------------------------------------------------
    def _get(self, ref: str, consistent: bool, table: str | None = None) -> dict[str, Any] | None:
        out = self._call("GetItem", self.dynamodb.get_item, TableName=table or self.table,
                         Key={"ref": {"S": ref}}, ConsistentRead=consistent)
        return out.get("Item")

    def _call(self, operation: str, method: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        try:
            return method(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
            if code == "ConditionalCheckFailedException":
                raise KeyAccessError(Reason.kms_error, "ConditionalCheckFailed") from None
            if code == "ResourceInUseException":
                raise KeyAccessError(Reason.kms_error, "ResourceInUseException") from None
            error = classify(exc, f"dynamodb:{operation}", f"table {kwargs.get('TableName')}")
            if code == "ResourceNotFoundException":
                error = KeyAccessError(Reason.key_unavailable, f"the subject key table {kwargs.get('TableName')} "
                                       "does not exist (create it with `mskctl protect init POLICY`)")
            raise error from None
