"""Keys: KMS calls (counted), data keys with a TTL and a record budget, keys derived from a KMS HMAC key.

- ``encrypt``: a data key (DEK) per topic and group of fields sharing a CMK, from
  ``GenerateDataKey`` with the topic and the fields as encryption context. A producer uses a
  DEK for at most ``max_records`` records and ``ttl`` seconds, then asks for a new one (a
  re-pointed alias or a rotated key is picked up then). Consumers unwrap each DEK once
  (``Decrypt``) and keep it a while.
- ``encrypt-deterministic`` and ``tokenize`` need the same key on every producer, without
  storing one: it is derived with ``GenerateMac`` from a KMS HMAC key (the key never leaves
  KMS), per topic and field for AES-SIV, per HMAC key for tokens.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mskctl.protect.envelope import b64

Clock = Callable[[], float]
FAILURE_MEMORY = 30.0  # seconds a refused key is not asked for again (no KMS call per record when denied)


class Reason(StrEnum):
    """Why a protected value was not decrypted."""

    access_denied = "access-denied"
    tampered = "tampered"
    wrong_field = "wrong-field"
    wrong_topic = "wrong-topic"
    forgotten = "forgotten"
    key_unavailable = "key-unavailable"
    kms_error = "kms-error"
    malformed = "malformed"
    unsupported = "unsupported-version"


class KeyAccessError(Exception):
    """A key could not be had; ``reason`` is one of Reason, ``message`` says which key and what to do."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


_DENIED = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
_UNAVAILABLE = {"NotFoundException", "DisabledException", "KMSInvalidStateException", "KeyUnavailableException",
                "InvalidKeyUsageException", "ResourceNotFoundException", "IncorrectKeyException"}


def classify(exc: Exception, action: str, resource: str) -> KeyAccessError:
    """A KMS or DynamoDB failure as a reason a user can act on."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        text = exc.response.get("Error", {}).get("Message", "") or code
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        # KMS says AccessDeniedException (HTTP 400); IAM-style emulators answer 403 with an XML AccessDenied body.
        if code in _DENIED or status == 403 or "<Code>AccessDenied</Code>" in text:
            return KeyAccessError(Reason.access_denied, f"{action} on {resource} was denied")
        if code == "InvalidCiphertextException":
            return KeyAccessError(Reason.tampered, f"KMS refused the wrapped key for {resource}: the record's "
                                  "header was altered, or the record was copied from another topic")
        if code in _UNAVAILABLE:
            return KeyAccessError(Reason.key_unavailable, f"{resource} is not usable: {code}: {text}")
        return KeyAccessError(Reason.kms_error, f"{action} on {resource} failed: {code}: {text}")
    if isinstance(exc, BotoCoreError):
        return KeyAccessError(Reason.kms_error, f"{action} on {resource} failed: {exc}")
    raise exc


class Kms:
    """The three KMS operations protection uses, each call counted by operation."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: Counter[str] = Counter()

    def generate_data_key(self, key_id: str, context: dict[str, str]) -> tuple[bytes, bytes, str]:
        self.calls["GenerateDataKey"] += 1
        try:
            out = self.client.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "kms:GenerateDataKey", key_id) from None
        return out["Plaintext"], out["CiphertextBlob"], out["KeyId"]

    def decrypt(self, wrapped: bytes, context: dict[str, str], key_id: str) -> bytes:
        self.calls["Decrypt"] += 1
        try:
            return self.client.decrypt(CiphertextBlob=wrapped, EncryptionContext=context, KeyId=key_id)["Plaintext"]
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "kms:Decrypt", key_id) from None

    def generate_mac(self, key_id: str, message: bytes) -> tuple[bytes, str]:
        self.calls["GenerateMac"] += 1
        try:
            out = self.client.generate_mac(KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_256")
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "kms:GenerateMac", key_id) from None
        return out["Mac"], out["KeyId"]


def dek_context(topic: str, fields: tuple[str, ...]) -> dict[str, str]:
    """The encryption context a DEK is bound to: the topic and the fields it encrypts."""
    return {"mskctl:topic": topic, "mskctl:fields": json.dumps(list(fields), separators=(",", ":"))}


_uids = itertools.count(1)


@dataclass
class DataKey:
    aead: AESGCM
    slot: dict[str, Any]  # the header's key entry for it
    created: float
    uid: int = field(default_factory=lambda: next(_uids))
    records: int = 0


class DataKeys:
    """The producer's DEKs, one per (topic, CMK, fields); replaced after ``ttl`` s or ``max_records`` records."""

    def __init__(self, kms: Kms, ttl: float, max_records: int, clock: Clock = time.monotonic) -> None:
        self.kms = kms
        self.ttl = ttl
        self.max_records = max_records
        self.clock = clock
        self.created = 0
        self._keys: dict[tuple[str, str, tuple[str, ...]], DataKey] = {}
        self._lock = threading.Lock()

    def acquire(self, topic: str, cmk: str, fields: tuple[str, ...]) -> DataKey:
        """The DEK for one more record (this counts the record against its budget)."""
        cache_key = (topic, cmk, fields)
        with self._lock:
            key = self._keys.get(cache_key)
            if key is None or key.records >= self.max_records or self.clock() - key.created >= self.ttl:
                plaintext, wrapped, arn = self.kms.generate_data_key(cmk, dek_context(topic, fields))
                key = DataKey(AESGCM(plaintext), {"kind": "dek", "kms": arn, "wrapped": b64(wrapped),
                                                  "fields": list(fields)}, self.clock())
                self._keys[cache_key] = key
                self.created += 1
            key.records += 1
            return key


class TimedCache:
    """A bounded LRU whose entries expire; remembers failures too (as KeyAccessError values)."""

    def __init__(self, ttl: float, size: int, clock: Clock = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if self.clock() >= item[0]:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Any, value: Any, ttl: float | None = None) -> Any:
        with self._lock:
            self._items[key] = (self.clock() + (self.ttl if ttl is None else ttl), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def discard(self, predicate: Callable[[Any], bool]) -> None:
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                del self._items[key]


def fetch(cache: TimedCache, key: Any, make: Callable[[], Any], failure_ttl: float = FAILURE_MEMORY) -> Any:
    """The cached value, else ``make()``'s; a KeyAccessError is cached briefly and raised."""
    found = cache.get(key)
    if found is None:
        try:
            found = cache.put(key, make())
        except KeyAccessError as exc:
            found = cache.put(key, exc, ttl=min(failure_ttl, cache.ttl))
    if isinstance(found, KeyAccessError):
        raise found
    return found


class OpenedKeys:
    """Consumers' unwrapped DEKs, by wrapped bytes (each unwrapped once per TTL)."""

    def __init__(self, kms: Kms, ttl: float, size: int = 4096, clock: Clock = time.monotonic) -> None:
        self.kms = kms
        self.cache = TimedCache(ttl, size, clock)

    def open(self, slot: dict[str, Any], topic: str, fields: tuple[str, ...], wrapped: bytes) -> AESGCM:
        def unwrap() -> AESGCM:
            return AESGCM(self.kms.decrypt(wrapped, dek_context(topic, fields), slot["kms"]))

        return fetch(self.cache, (topic, fields, wrapped), unwrap)


SIV_LABEL = b"mskctl:1:siv\x00"
TOKEN_LABEL = b"mskctl:1:tokenize"
SUBJECT_LABEL = b"mskctl:1:subject-ref"


class MacKeys:
    """Keys derived from a KMS HMAC key with GenerateMac: the same on every producer, never stored."""

    def __init__(self, kms: Kms, ttl: float, size: int = 4096, clock: Clock = time.monotonic) -> None:
        self.kms = kms
        self.cache = TimedCache(ttl, size, clock)

    def derive(self, key_id: str, label: bytes) -> tuple[bytes, str]:
        """(32 secret bytes, the HMAC key's ARN)."""
        return fetch(self.cache, (key_id, label), lambda: self.kms.generate_mac(key_id, label))

    def siv(self, key_id: str, topic: str, field_text: str) -> tuple[AESSIV, str]:
        def make() -> tuple[AESSIV, str]:
            secret, arn = self.derive(key_id, SIV_LABEL + topic.encode() + b"\x00" + field_text.encode())
            material = HKDF(algorithm=SHA256(), length=64, salt=None, info=b"mskctl:1:aes-siv").derive(secret)
            return AESSIV(material), arn

        return fetch(self.cache, ("siv", key_id, topic, field_text), make)
