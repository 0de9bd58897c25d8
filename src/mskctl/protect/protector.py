"""``Protector``: protect JSON records before they leave the producer, and unprotect them on the consumer.

::

    from mskctl import connect
    from mskctl.protect import Protector, load_policy

    conn = connect(profile="dev")
    protector = Protector.for_connection(conn, load_policy("policy.yaml"))
    record = protector.protect("orders", b'{"email": "a@example.com"}')
    conn.producer().produce("orders", record.value, headers=[record.header])

    result = protector.unprotect(msg.topic(), msg.value(), msg.headers())
    result.value, result.problems      # problems: fields left protected, and why

Unprotecting never raises for a record: a field whose key cannot be had (no kms:Decrypt, a
forgotten subject, an altered value) stays protected and is reported in ``problems``.
"""

from __future__ import annotations

import copy
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag

from mskctl.protect import actions, paths
from mskctl.protect.envelope import (
    DETERMINISTIC,
    ENCRYPTED,
    HEADER,
    HINT_SIZE,
    NONCE_SIZE,
    TAG,
    Envelope,
    EnvelopeError,
    associated_data,
    b64,
    decode_header,
    dumps,
    encode_header,
    fast_dumps,
    find_header,
    hint,
    parse,
    unb64,
    without_header,
)
from mskctl.protect.errors import ProtectError, RecordNotProtectable
from mskctl.protect.keys import (
    TOKEN_LABEL,
    Clock,
    DataKeys,
    KeyAccessError,
    Kms,
    MacKeys,
    OpenedKeys,
    Reason,
    TimedCache,
    fetch,
)
from mskctl.protect.policy import FieldPlan, LoadedPolicy, TopicPlan
from mskctl.protect.subjects import SubjectKeys, subject_text

DEFAULT_CACHE_SECONDS = 3600.0
_HEADER_CACHE_SIZE = 10_000


@dataclass(slots=True)
class ProtectedRecord:
    value: bytes
    header: tuple[str, bytes] | None  # None when the policy protected nothing in this record
    fields: tuple[tuple[str, str, int | None], ...] = ()  # (field, action, key index) applied

    @property
    def headers(self) -> list[tuple[str, bytes]]:
        return [self.header] if self.header else []


@dataclass(frozen=True)
class FieldProblem:
    field: str  # the policy's selector, as in the header
    path: str  # where in this record
    reason: Reason
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "path": self.path, "reason": self.reason.value, "message": self.message}


@dataclass
class UnprotectResult:
    value: bytes | None
    headers: list[tuple[str, bytes]]  # the record's headers without the protection header
    protected: bool = False  # the record carried a protection header
    decrypted: int = 0
    problems: list[FieldProblem] = field(default_factory=list)
    irreversible: list[tuple[str, str]] = field(default_factory=list)  # (field, action): tokens, masks, drops

    @property
    def complete(self) -> bool:
        return not self.problems


class Protector:
    """Field-level protection with KMS: ``protect`` needs a policy, ``unprotect`` only the record."""

    def __init__(self, policy: LoadedPolicy | None = None, *, kms: Any, dynamodb: Any | Callable[[], Any] = None,
                 cache_seconds: float = DEFAULT_CACHE_SECONDS, clock: Clock = time.monotonic) -> None:
        self.policy = policy
        self.kms = Kms(kms)
        self.clock = clock
        settings = policy.policy.data_keys if policy else None
        self.data_keys = DataKeys(self.kms, settings.ttl_seconds if settings else DEFAULT_CACHE_SECONDS,
                                  settings.max_records if settings else 1, clock)
        ttl = settings.ttl_seconds if settings else cache_seconds
        self.mac_keys = MacKeys(self.kms, ttl, clock=clock)
        self.opened = OpenedKeys(self.kms, cache_seconds, clock=clock)
        self._tokens = TimedCache(ttl, 1024, clock)
        self._dynamodb = dynamodb
        self._subjects: SubjectKeys | None = None
        self._headers: dict[Any, bytes] = {}
        self._topic_fields: dict[str, list[Any]] = {}
        self._envelopes: dict[bytes, Any] = {}

    # ---- construction from mskctl settings --------------------------------------------
    @classmethod
    def for_settings(cls, settings: Any, policy: LoadedPolicy | None = None, **kwargs: Any) -> Protector:
        """KMS and DynamoDB clients as mskctl's AWS profile and region (AWS_ENDPOINT_URL reaches the local API)."""
        from mskctl.config.discovery import aws_client

        return cls(policy, kms=aws_client(settings, "kms"), dynamodb=lambda: aws_client(settings, "dynamodb"),
                   **kwargs)

    @classmethod
    def for_connection(cls, connection: Any, policy: LoadedPolicy | None = None, **kwargs: Any) -> Protector:
        return cls.for_settings(connection.settings, policy, **kwargs)

    @property
    def subjects(self) -> SubjectKeys:
        if self._subjects is None:
            config = self.policy.policy.subjects if self.policy else None
            dynamodb = self._dynamodb() if callable(self._dynamodb) else self._dynamodb
            if dynamodb is None:
                raise KeyAccessError(Reason.key_unavailable, "no DynamoDB client for subject keys")
            keys = self.policy.policy.keys if self.policy else None
            self._subjects = SubjectKeys(
                self.kms, self.mac_keys, dynamodb, config.table if config else "",
                (config.kms or keys.kms) if config and keys else None, keys.hmac if keys else None,
                config.cache_seconds if config else 60, self.clock)
        return self._subjects

    @property
    def stats(self) -> dict[str, Any]:
        """KMS and DynamoDB calls so far, by operation, and data keys made."""
        kms = dict(self.kms.calls)
        return {"kmsCalls": kms, "kmsCallsTotal": sum(kms.values()), "dataKeysCreated": self.data_keys.created,
                "dynamodbCalls": dict(self._subjects.calls) if self._subjects else {}}

    # ---- protect ------------------------------------------------------------------------
    def protect(self, topic: str, value: bytes | str | dict[str, Any] | list[Any]) -> ProtectedRecord:
        """The record with the policy's fields protected, and the header that describes them.

        Raises ProtectError when the record cannot be protected (not JSON, no subject id,
        a key KMS refuses): nothing of it should then be sent.
        """
        if self.policy is None:
            raise ProtectError("This Protector has no policy, so it cannot protect records.",
                               hint="Create it with a policy: Protector.for_connection(conn, load_policy(path)).")
        plan = self.policy.plan_for(topic)
        if plan is None:
            data = value if isinstance(value, bytes) else (value.encode() if isinstance(value, str) else dumps(value))
            return ProtectedRecord(data, None)
        exact = False  # objects from the caller may hold what orjson cannot write (NaN, big integers)
        if isinstance(value, dict | list):
            document = copy.deepcopy(value)
        else:
            try:
                document, exact = parse(value.encode() if isinstance(value, str) else value)
            except (ValueError, UnicodeDecodeError) as exc:
                raise RecordNotProtectable(f"The record is not JSON ({exc}); topic {topic} has a protection policy.",
                                   hint="Protected topics take JSON records.") from None
        try:
            return self._protect(topic, plan, document, fast_dumps if exact else dumps)
        except KeyAccessError as exc:
            raise ProtectError(f"Cannot protect a record of {topic}: {exc.message}.",
                               hint=_producer_hint(exc)) from None

    def _fields_for(self, topic: str, plan: TopicPlan) -> list[tuple[FieldPlan, bytes, bytes, list[bytes], Any]]:
        """Per concrete topic: each field with its hint, associated data and DEK group, computed once."""
        found = self._topic_fields.get(topic)
        if found is None:
            found = self._topic_fields[topic] = [
                (f, hint(topic, f.text), associated_data(topic, f.text), [b"mskctl:1", topic.encode(), f.text.encode()],
                 plan.group_of(f) if f.action == "encrypt" and f.subject is None else None)
                for f in plan.fields]
        return found

    def _protect(self, topic: str, plan: TopicPlan, document: Any, dumps: Callable[[Any], bytes]) -> ProtectedRecord:
        slots: list[dict[str, Any]] = []
        slot_ids: list[Any] = []
        applied: list[tuple[str, str, int | None]] = []
        deks: dict[str, Any] = {}
        # Subject ids are read before any field of the record changes (the id may be protected too).
        subjects = {selector: selector.get_one(document) for selector in plan.subjects} if plan.subjects else {}
        urandom = os.urandom
        for field_plan, tag, aad, siv_aad, group in self._fields_for(topic, plan):
            found = field_plan.selector.locate(document)
            if not found:
                continue
            action = field_plan.action
            slot: int | None = None
            if group is not None:  # encrypt under the group's DEK (one per record: the record counts once)
                held = deks.get(field_plan.key)
                if held is None:
                    dek = self.data_keys.acquire(topic, field_plan.key or "", group)
                    held = deks[field_plan.key] = (dek.aead, len(slots))
                    slot_ids.append(("d", dek.uid))
                    slots.append(dek.slot)
                aead, slot = held
                for location in found:
                    nonce = urandom(NONCE_SIZE)
                    location.parent[location.key] = ENCRYPTED + b64(
                        tag + nonce + aead.encrypt(nonce, dumps(location.parent[location.key]), aad))
            elif action == "encrypt":  # with the subject's own key
                key = self._subject_key(field_plan, subjects[field_plan.subject])
                slot = _slot(slot_ids, slots, ("s", key.slot["ref"], key.slot["id"]), key.slot)
                for location in found:
                    nonce = urandom(NONCE_SIZE)
                    location.parent[location.key] = ENCRYPTED + b64(
                        tag + nonce + key.aead.encrypt(nonce, dumps(location.parent[location.key]), aad))
            elif action == "encrypt-deterministic":
                siv, arn = self.mac_keys.siv(field_plan.key or "", topic, field_plan.text)
                slot = _slot(slot_ids, slots, ("m", arn), {"kind": "mac", "kms": arn})
                for location in found:
                    location.parent[location.key] = DETERMINISTIC + b64(
                        tag + siv.encrypt(dumps(location.parent[location.key]), siv_aad))
            elif action == "tokenize":
                token_key = self._token_key(field_plan.key or "")
                for location in found:
                    location.parent[location.key] = actions.tokenize(
                        token_key, location.parent[location.key], field_plan.digits, field_plan.keep_last)
            elif action == "mask":
                for location in found:
                    location.parent[location.key] = actions.mask(
                        location.parent[location.key], field_plan.keep_first, field_plan.keep_last,
                        field_plan.pattern, field_plan.char)
            else:  # drop: array elements from the end so earlier indexes stay right
                for location in sorted(found, key=lambda loc: loc.key if isinstance(loc.key, int) else 0,
                                       reverse=True):
                    del location.parent[location.key]
            applied.append((field_plan.text, action, slot))
        if not applied:
            return ProtectedRecord(dumps(document), None)
        return ProtectedRecord(dumps(document), (HEADER, self._header(slot_ids, slots, applied)), tuple(applied))

    def _subject_key(self, field_plan: FieldPlan, found: tuple[bool, Any]) -> Any:
        present, value = found
        subject = subject_text(value) if present else None
        if subject is None:
            raise RecordNotProtectable(
                f"The record has no subject id at {field_plan.subject} (a string or an integer), "
                f"which {field_plan.text} is encrypted for.",
                hint="Every record of this topic needs its subject id, or drop `subject:` from the rule.")
        return self.subjects.for_encrypt(subject)

    def _token_key(self, key_id: str) -> Any:
        return fetch(self._tokens, key_id,
                     lambda: actions.token_key(self.mac_keys.derive(key_id, TOKEN_LABEL)[0]))

    def _header(self, slot_ids: list[Any], slots: list[dict[str, Any]],
                applied: list[tuple[str, str, int | None]]) -> bytes:
        cache_key = (tuple(slot_ids), tuple(applied))
        found = self._headers.get(cache_key)
        if found is None:
            if len(self._headers) >= _HEADER_CACHE_SIZE:
                self._headers.clear()
            found = self._headers[cache_key] = encode_header(slots, applied)
        return found

    # ---- unprotect ----------------------------------------------------------------------
    def unprotect(self, topic: str, value: bytes | None, headers: list[tuple[str, bytes]] | None) -> UnprotectResult:
        """The record with every field this identity may decrypt restored; the others reported, never raised."""
        raw = find_header(headers)
        rest = without_header(headers) if raw is not None else list(headers or [])
        if raw is None or value is None:
            return UnprotectResult(value, rest)
        result = UnprotectResult(value, rest, protected=True)
        try:
            envelope = self._envelopes.get(raw)
            if envelope is None:  # records share headers while their DEK lasts: parse each once
                if len(self._envelopes) >= _HEADER_CACHE_SIZE:
                    self._envelopes.clear()
                envelope = self._envelopes[raw] = decode_header(raw)
        except EnvelopeError as exc:
            reason = Reason.unsupported if "version" in str(exc) else Reason.malformed
            result.problems.append(FieldProblem("*", "$", reason, str(exc)))
            return result
        try:
            document, exact = parse(value)
        except (ValueError, UnicodeDecodeError):
            result.problems.append(FieldProblem("*", "$", Reason.malformed, "the protected record is not JSON"))
            return result
        inexact: list[bool] = [] if exact else [True]  # a value orjson could not read exactly: write with json
        opened: dict[Any, Any] = {}  # this record's keys: per key entry, and per field for derived (mac) keys
        for text, action, slot_index in envelope.fields:
            if slot_index is None:
                result.irreversible.append((text, action))
                continue
            try:
                selector = paths.parse(text)
            except paths.SelectorError:
                result.problems.append(FieldProblem(text, text, Reason.malformed, "the header names no valid field"))
                continue
            for location in selector.locate(document):
                problem = self._restore(topic, text, action, envelope, slot_index, opened, location, inexact)
                if problem is None:
                    result.decrypted += 1
                else:
                    result.problems.append(problem)
        if result.decrypted:
            result.value = dumps(document) if inexact else fast_dumps(document)
        return result

    def _restore(self, topic: str, text: str, action: str, envelope: Envelope, slot_index: int,
                 opened: dict[Any, Any], location: paths.Location, inexact: list[bool]) -> FieldProblem | None:
        protected = location.value
        prefix = ENCRYPTED if action == "encrypt" else DETERMINISTIC
        if not isinstance(protected, str) or not protected.startswith(prefix):
            what = "a value protected by another action" if isinstance(protected, str) and \
                protected.startswith(TAG) else "an unprotected value"
            return FieldProblem(text, location.path, Reason.tampered, f"expected a protected value, found {what}")
        try:
            payload = unb64(protected[len(prefix):])
        except EnvelopeError:
            return FieldProblem(text, location.path, Reason.tampered, "the protected value is not valid base64")
        minimum = HINT_SIZE + (NONCE_SIZE + 16 if action == "encrypt" else 16)
        if len(payload) < minimum:
            return FieldProblem(text, location.path, Reason.tampered, "the protected value is too short")
        expected = hint(topic, text)
        if payload[:2] != expected[:2]:
            return FieldProblem(text, location.path, Reason.wrong_topic,
                                f"this value was made for another topic, not {topic} (copied here?), or altered")
        if payload[2:HINT_SIZE] != expected[2:]:
            return FieldProblem(text, location.path, Reason.wrong_field,
                                f"this value was made for another field, not {text} (copied here?), or altered")
        try:
            memo = (slot_index, text) if action == "encrypt-deterministic" else slot_index
            key = opened.get(memo)
            if key is None:
                key = opened[memo] = self._open(topic, text, envelope, slot_index)
            if isinstance(key, KeyAccessError):
                raise key
            if action == "encrypt":
                plaintext = key.decrypt(payload[HINT_SIZE:HINT_SIZE + NONCE_SIZE], payload[HINT_SIZE + NONCE_SIZE:],
                                        associated_data(topic, text))
            else:
                plaintext = key.decrypt(payload[HINT_SIZE:], [b"mskctl:1", topic.encode(), text.encode()])
        except KeyAccessError as exc:
            opened[memo] = exc
            return FieldProblem(text, location.path, exc.reason, exc.message)
        except InvalidTag:
            return FieldProblem(text, location.path, Reason.tampered,
                                "authentication failed: the value (or the header's key for it) was altered")
        try:
            if len(plaintext) >= 2 and plaintext[0] == 0x22 and plaintext[-1] == 0x22 and 0x5C not in plaintext:
                location.parent[location.key], exact = plaintext[1:-1].decode(), True  # a string without escapes
            else:
                location.parent[location.key], exact = parse(plaintext)
        except (ValueError, UnicodeDecodeError):
            return FieldProblem(text, location.path, Reason.malformed, "the decrypted value is not JSON")
        if not exact:
            inexact.append(True)
        return None

    def _open(self, topic: str, text: str, envelope: Envelope, slot_index: int) -> Any:
        slot = envelope.keys[slot_index]
        kind = slot.get("kind")
        if kind == "dek":
            try:
                wrapped = unb64(str(slot.get("wrapped", "")))
            except EnvelopeError:
                raise KeyAccessError(Reason.tampered, "the header's wrapped data key is not base64") from None
            return self.opened.open(slot, topic, envelope.groups[slot_index], wrapped)
        if kind == "mac":
            # Per field: the deterministic key is derived for this topic and field.
            return self.mac_keys.siv(slot["kms"], topic, text)[0]
        return self.subjects.for_decrypt(slot)

    # ---- crypto-shredding -----------------------------------------------------------------
    def forget(self, subject: str) -> tuple[str, bool]:
        """Delete a subject's key: (its reference, whether a key was there)."""
        if self.policy is None or self.policy.policy.subjects is None:
            raise ProtectError("The policy has no `subjects:` section, so there are no subject keys to forget.")
        try:
            return self.subjects.forget(subject)
        except KeyAccessError as exc:
            raise ProtectError(f"Cannot forget the subject: {exc.message}.", hint=_producer_hint(exc)) from None

    def init_store(self) -> bool:
        """Create the subject key table when the policy uses one; True when it was created now."""
        if self.policy is None or self.policy.policy.subjects is None:
            return False
        try:
            return self.subjects.create_table()
        except KeyAccessError as exc:
            raise ProtectError(f"Cannot create the subject key table: {exc.message}.",
                               hint=_producer_hint(exc)) from None


def _slot(slot_ids: list[Any], slots: list[dict[str, Any]], identity: Any, slot: dict[str, Any]) -> int:
    """The index of a key in the record's header, adding it on first use."""
    if identity not in slot_ids:
        slot_ids.append(identity)
        slots.append(slot)
    return slot_ids.index(identity)


def _producer_hint(exc: KeyAccessError) -> str:
    if exc.reason is Reason.access_denied:
        return ("Grant the producer kms:GenerateDataKey (encrypt), kms:GenerateMac (deterministic, tokens, "
                "subjects) and, for subject keys, dynamodb:GetItem/PutItem on the key table and kms:Decrypt.")
    if exc.reason is Reason.key_unavailable:
        return "Check the key ids in the policy (`mskctl protect init POLICY` checks them) and that they are enabled."
    return "Check the AWS credentials, region and network (AWS_ENDPOINT_URL for the local API)."


def count_reasons(problems: list[FieldProblem]) -> Counter[str]:
    return Counter(p.reason.value for p in problems)
