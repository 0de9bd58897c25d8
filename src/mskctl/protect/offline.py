"""A stand-in for KMS, in memory, for `mskctl protect check --offline`: see a policy work without AWS.

Its keys live only in this process: nothing it protects can be decrypted anywhere else.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.hmac import HMAC

OFFLINE_ARN = "arn:aws:kms:offline:000000000000:key/"


class OfflineKms:
    """generate_data_key, decrypt and generate_mac with boto3's shapes, keys made up per key id."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}

    def _key(self, key_id: str) -> tuple[str, bytes]:
        arn = key_id if key_id.startswith(OFFLINE_ARN) else OFFLINE_ARN + key_id.replace("/", "-")
        return arn, self._keys.setdefault(arn, os.urandom(32))

    def generate_data_key(self, KeyId: str, KeySpec: str, EncryptionContext: dict[str, str]) -> dict[str, Any]:
        arn, key = self._key(KeyId)
        plaintext, nonce = os.urandom(32), os.urandom(12)
        blob = nonce + AESGCM(key).encrypt(nonce, plaintext, repr(sorted(EncryptionContext.items())).encode())
        return {"Plaintext": plaintext, "CiphertextBlob": blob, "KeyId": arn}

    def decrypt(self, CiphertextBlob: bytes, EncryptionContext: dict[str, str], KeyId: str) -> dict[str, Any]:
        _, key = self._key(KeyId)
        context = repr(sorted(EncryptionContext.items())).encode()
        return {"Plaintext": AESGCM(key).decrypt(CiphertextBlob[:12], CiphertextBlob[12:], context), "KeyId": KeyId}

    def generate_mac(self, KeyId: str, Message: bytes, MacAlgorithm: str) -> dict[str, Any]:
        arn, key = self._key(KeyId)
        mac = HMAC(key, SHA256())
        mac.update(Message)
        return {"Mac": mac.finalize(), "KeyId": arn, "MacAlgorithm": MacAlgorithm}


class OfflineTable:
    """get_item / put_item / delete_item of one in-memory DynamoDB table, enough for subject keys."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}

    def get_item(self, TableName: str, Key: dict[str, Any], ConsistentRead: bool = False) -> dict[str, Any]:
        item = self._items.get(Key["ref"]["S"])
        return {"Item": item} if item else {}

    def put_item(self, TableName: str, Item: dict[str, Any], **_: Any) -> dict[str, Any]:
        self._items.setdefault(Item["ref"]["S"], Item)
        return {}

    def delete_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        item = self._items.pop(Key["ref"]["S"], None)
        return {"Attributes": item} if item else {}
