"""Protect and unprotect against a real moto server: every action, keys, tampering, access, forgetting."""

from __future__ import annotations

import base64
import json

import pytest

from mskctl.protect import HEADER, ProtectError, Protector, Reason, load_text
from mskctl.protect.envelope import ENCRYPTED, HINT_SIZE, decode_header, hint
from tests.unit.test_protect_helpers import Aws, Clock, aws_fixture, iam_enforced, moto_endpoint_fixture  # noqa: F401

ORDER = {
    "order_id": 17,
    "customer": {"id": "c-42", "email": "alice@example.com", "ssn": "123-45-6789", "phone": "+1 555-0100",
                 "vip": True, "score": 9.5, "address": {"city": "Lyon", "zip": "69001"}},
    "card": {"number": "4111-1111-1111-1111", "cvv": 737, "pin": 1234},
    "items": [{"sku": "a", "note": "gift"}, {"sku": "b"}, {"sku": "c", "note": {"to": "Bob", "lines": [1, None]}}],
    "secret": None,
}
PLAINTEXTS = ["alice@example.com", "123-45-6789", "555-0100", "4111-1111-1111-1111", "gift", "Bob", "Lyon"]


def record(doc: dict | None = None) -> bytes:
    return json.dumps(doc or ORDER).encode()


def round_trip(aws: Aws, fields: str, doc: dict | None = None, topic: str = "orders"):
    protector = aws.protector(fields)
    protected = protector.protect(topic, record(doc))
    result = aws.protector().unprotect(topic, protected.value, protected.headers)
    return protected, result


# ---- every action round-trips (or is irreversible by design) -------------------------------
@pytest.mark.parametrize("path", ["$.customer.email", "$.customer.score", "$.customer.vip", "$.customer.address",
                                  "$.items", "$.secret", "$.order_id", "$.items[*].note", "$.items[2].note.lines",
                                  "$.customer.*", "$.items[*].sku"])
@pytest.mark.parametrize("action", ["encrypt", "encrypt-deterministic"])
def test_encrypted_values_of_any_json_type_round_trip(aws, path, action):
    protected, result = round_trip(aws, f"      - {{path: '{path}', action: {action}}}\n")
    assert json.loads(protected.value) != ORDER
    assert result.problems == []
    assert json.loads(result.value) == ORDER
    assert result.decrypted >= 1


def test_protected_values_stay_json_strings_and_hide_the_plaintext(aws):
    fields = ("      - {path: $.customer.email, action: encrypt}\n"
              "      - {path: $.customer.ssn, action: encrypt-deterministic}\n"
              "      - {path: '$.items[*].note', action: encrypt}\n"
              "      - {path: $.customer.address, action: encrypt}\n"
              "      - {path: $.customer.phone, action: tokenize}\n"
              "      - {path: $.card.number, action: mask, keep_last: 4}\n"
              "      - {path: $.card.cvv, action: drop}\n")
    protected = aws.protector(fields).protect("orders", record())
    doc = json.loads(protected.value)
    assert doc["customer"]["email"].startswith(ENCRYPTED)
    assert doc["customer"]["ssn"].startswith("mskctl:1:d:")
    assert doc["card"]["number"] == "***************1111"
    assert "cvv" not in doc["card"]
    assert doc["customer"]["phone"].startswith("tok_")
    assert doc["order_id"] == 17 and doc["items"][1] == {"sku": "b"}  # untouched
    for plaintext in PLAINTEXTS:
        assert plaintext not in protected.value.decode() and plaintext not in protected.header[1].decode()


def test_header_names_version_keys_wrapped_dek_and_fields(aws):
    fields = ("      - {path: $.customer.email, action: encrypt}\n"
              "      - {path: $.card.number, action: encrypt}\n"
              "      - {path: $.customer.ssn, action: encrypt-deterministic}\n"
              "      - {path: $.card.cvv, action: drop}\n")
    protected = aws.protector(fields).protect("orders", record())
    name, raw = protected.header
    assert name == HEADER
    envelope = decode_header(raw)
    assert envelope.version == 1
    dek, mac = envelope.keys
    assert dek["kind"] == "dek" and dek["kms"] == aws.cmk and base64.b64decode(dek["wrapped"])
    assert "fields" not in dek  # the data key serves exactly the fields that name it
    assert envelope.groups == {0: ("$.card.number", "$.customer.email")}
    assert mac["kind"] == "mac"
    assert envelope.fields == [("$.customer.email", "encrypt", 0), ("$.card.number", "encrypt", 0),
                               ("$.customer.ssn", "encrypt-deterministic", 1), ("$.card.cvv", "drop", None)]


def test_data_key_lists_its_fields_when_the_record_lacks_some_of_them(aws):
    fields = "      - {path: $.customer.email, action: encrypt}\n      - {path: $.absent, action: encrypt}\n"
    protected, result = round_trip(aws, fields)
    assert json.loads(protected.header[1])["keys"][0]["fields"] == ["$.absent", "$.customer.email"]
    assert result.complete and json.loads(result.value) == ORDER


def test_irreversible_actions_are_reported_not_failed(aws):
    fields = ("      - {path: $.customer.phone, action: tokenize}\n"
              "      - {path: $.card.number, action: mask}\n"
              "      - {path: $.card.cvv, action: drop}\n")
    protected, result = round_trip(aws, fields)
    assert result.problems == [] and result.decrypted == 0
    assert result.irreversible == [("$.customer.phone", "tokenize"), ("$.card.number", "mask"),
                                   ("$.card.cvv", "drop")]
    assert json.loads(result.value) == json.loads(protected.value)


def test_records_without_policy_fields_or_topics_pass_unchanged(aws):
    protector = aws.protector("      - {path: $.nothing.here, action: encrypt}\n")
    unchanged = protector.protect("orders", record())
    assert unchanged.header is None and json.loads(unchanged.value) == ORDER
    other_topic = protector.protect("payments", b"not even json")
    assert other_topic.value == b"not even json" and other_topic.header is None
    result = aws.protector().unprotect("orders", b"plain", [("source", b"x")])
    assert result.value == b"plain" and not result.protected and result.headers == [("source", b"x")]


def test_non_json_record_on_a_protected_topic_is_refused(aws):
    with pytest.raises(ProtectError, match="not JSON"):
        aws.protector("      - {path: $.a, action: encrypt}\n").protect("orders", b"{broken")


# ---- tokenize and mask ----------------------------------------------------------------------
def test_tokens_are_stable_per_key_and_format_preserving_for_digits(aws):
    fields = ("      - {path: $.card.number, action: tokenize, format: digits, keep_last: 4}\n"
              "      - {path: $.card.pin, action: tokenize, format: digits}\n"
              "      - {path: $.customer.email, action: tokenize}\n")
    first = json.loads(aws.protector(fields).protect("orders", record()).value)
    again = json.loads(aws.protector(fields).protect("orders-2", record()).value)
    assert first == again  # another producer, another topic: the same tokens (joins)
    number = first["card"]["number"]
    assert len(number) == 19 and number[4] == "-" and number.endswith("1111") and number != ORDER["card"]["number"]
    assert isinstance(first["card"]["pin"], int) and len(str(first["card"]["pin"])) == 4
    assert first["customer"]["email"].startswith("tok_") and "alice" not in first["customer"]["email"]


def test_masks_keep_what_the_rule_says(aws):
    fields = ("      - {path: $.customer.email, action: mask, pattern: '^[^@]+', char: '#'}\n"
              "      - {path: $.card.number, action: mask, keep_first: 4, keep_last: 4}\n"
              "      - {path: $.customer.address, action: mask}\n")
    doc = json.loads(aws.protector(fields).protect("orders", record()).value)
    assert doc["customer"]["email"] == "#####@example.com"
    assert doc["card"]["number"] == "4111***********1111"
    assert doc["customer"]["address"] == "********"


# ---- integrity: tampering, moved values ---------------------------------------------------------
def flip(protected_value: str, position: int) -> str:
    payload = bytearray(base64.b64decode(protected_value[len(ENCRYPTED):]))
    payload[position] ^= 0x01
    return ENCRYPTED + base64.b64encode(bytes(payload)).decode()


@pytest.mark.parametrize("position", [4, 10, 16, 20, -1])
def test_one_flipped_byte_is_an_error_naming_the_field_and_never_plaintext(aws, position):
    fields = "      - {path: $.customer.email, action: encrypt}\n      - {path: $.card.number, action: encrypt}\n"
    protected = aws.protector(fields).protect("orders", record())
    doc = json.loads(protected.value)
    doc["customer"]["email"] = flip(doc["customer"]["email"], position)
    result = aws.protector().unprotect("orders", json.dumps(doc).encode(), protected.headers)
    assert [(p.field, p.reason) for p in result.problems] == [("$.customer.email", Reason.tampered)]
    restored = json.loads(result.value)
    assert restored["card"]["number"] == ORDER["card"]["number"]  # the intact field still decrypts
    assert restored["customer"]["email"] == doc["customer"]["email"]  # the altered one stays protected


def test_altered_wrapped_key_in_the_header_fails_without_crashing(aws):
    protected = aws.protector("      - {path: $.customer.email, action: encrypt}\n").protect("orders", record())
    header = json.loads(protected.header[1])
    wrapped = bytearray(base64.b64decode(header["keys"][0]["wrapped"]))
    wrapped[-3] ^= 0xFF
    header["keys"][0]["wrapped"] = base64.b64encode(bytes(wrapped)).decode()
    result = aws.protector().unprotect("orders", protected.value, [(HEADER, json.dumps(header).encode())])
    assert [(p.field, p.reason) for p in result.problems] == [("$.customer.email", Reason.tampered)]
    assert "alice" not in (result.value or b"").decode()


def test_ciphertext_copied_to_another_field_fails(aws):
    fields = "      - {path: $.customer.email, action: encrypt}\n      - {path: $.customer.ssn, action: encrypt}\n"
    protected = aws.protector(fields).protect("orders", record())
    doc = json.loads(protected.value)
    doc["customer"]["ssn"] = doc["customer"]["email"]
    result = aws.protector().unprotect("orders", json.dumps(doc).encode(), protected.headers)
    assert [(p.field, p.reason) for p in result.problems] == [("$.customer.ssn", Reason.wrong_field)]
    assert json.loads(result.value)["customer"]["email"] == "alice@example.com"


@pytest.mark.parametrize("action", ["encrypt", "encrypt-deterministic"])
def test_record_copied_to_another_topic_fails(aws, action):
    protected = aws.protector(f"      - {{path: $.customer.email, action: {action}}}\n").protect("orders",
                                                                                               record())
    result = aws.protector().unprotect("orders-copy", protected.value, protected.headers)
    assert [(p.field, p.reason) for p in result.problems] == [("$.customer.email", Reason.wrong_topic)]


def test_value_moved_with_its_hint_rewritten_still_fails_authentication(aws):
    # The hint only explains failures; the associated data is what binds a value to its field.
    fields = "      - {path: $.customer.email, action: encrypt}\n      - {path: $.customer.ssn, action: encrypt}\n"
    protected = aws.protector(fields).protect("orders", record())
    doc = json.loads(protected.value)
    email = bytearray(base64.b64decode(doc["customer"]["email"][len(ENCRYPTED):]))
    ssn = base64.b64decode(doc["customer"]["ssn"][len(ENCRYPTED):])
    email[:4] = ssn[:4]
    doc["customer"]["ssn"] = ENCRYPTED + base64.b64encode(bytes(email)).decode()
    result = aws.protector().unprotect("orders", json.dumps(doc).encode(), protected.headers)
    assert [(p.field, p.reason) for p in result.problems] == [("$.customer.ssn", Reason.tampered)]


def test_malformed_or_future_headers_are_reported(aws):
    result = aws.protector().unprotect("orders", b"{}", [(HEADER, b"{not json")])
    assert [p.reason for p in result.problems] == [Reason.malformed] and result.value == b"{}"
    result = aws.protector().unprotect("orders", b"{}", [(HEADER, b'{"v": 2, "keys": [], "fields": []}')])
    assert [p.reason for p in result.problems] == [Reason.unsupported]
    assert "upgrade mskctl" in result.problems[0].message


def test_plaintext_put_in_place_of_a_protected_value_is_flagged(aws):
    protected = aws.protector("      - {path: $.customer.email, action: encrypt}\n").protect("orders", record())
    doc = json.loads(protected.value)
    doc["customer"]["email"] = "mallory@example.com"
    result = aws.protector().unprotect("orders", json.dumps(doc).encode(), protected.headers)
    assert [(p.field, p.reason) for p in result.problems] == [("$.customer.email", Reason.tampered)]
    assert "unprotected value" in result.problems[0].message


# ---- deterministic encryption ---------------------------------------------------------------------
def test_deterministic_is_equal_within_topic_and_field_and_different_across(aws):
    fields = ("      - {path: $.a, action: encrypt-deterministic}\n"
              "      - {path: $.b, action: encrypt-deterministic}\n")
    doc = {"a": "same", "b": "same"}
    first = aws.protector(fields).protect("orders", record(doc))
    assert json.loads(aws.protector().unprotect("orders", first.value, first.headers).value) == doc
    one = json.loads(first.value)
    two = json.loads(aws.protector(fields).protect("orders", record(doc)).value)  # another producer
    other_topic = json.loads(aws.protector(fields).protect("orders-eu", record(doc)).value)
    assert one["a"] == two["a"] and one["b"] == two["b"]
    assert one["a"] != one["b"]  # other field
    assert one["a"] != other_topic["a"]  # other topic
    different = json.loads(aws.protector(fields).protect("orders", record({"a": "other", "b": "x"})).value)
    assert different["a"] != one["a"]


def test_randomized_encryption_differs_every_time(aws):
    protector = aws.protector("      - {path: $.a, action: encrypt}\n")
    values = {json.loads(protector.protect("orders", b'{"a": "same"}').value)["a"] for _ in range(5)}
    assert len(values) == 5


# ---- data keys: cache, rotation, KMS calls -----------------------------------------------------
def test_one_data_key_serves_many_records_and_kms_calls_are_counted(aws):
    fields = ("      - {path: $.customer.email, action: encrypt}\n"
              "      - {path: $.card.number, action: encrypt}\n"
              "      - {path: $.customer.ssn, action: encrypt}\n")
    producer = aws.protector(fields)
    protected = [producer.protect("orders", record()) for _ in range(200)]
    assert producer.stats["kmsCalls"] == {"GenerateDataKey": 1}
    consumer = aws.protector()
    assert all(consumer.unprotect("orders", p.value, p.headers).complete for p in protected)
    assert consumer.stats["kmsCalls"] == {"Decrypt": 1}


def test_data_key_is_replaced_after_max_records(aws):
    clock = Clock()
    policy = load_text(aws.policy("      - {path: $.a, action: encrypt}\n",
                                  extra="data_keys: {max_records: 3, ttl_seconds: 3600}\n"))
    producer = Protector(policy, kms=aws.client("kms"), clock=clock)
    headers = [producer.protect("orders", b'{"a": 1}').header[1] for _ in range(7)]
    wrapped = [json.loads(h)["keys"][0]["wrapped"] for h in headers]
    assert wrapped[0] == wrapped[1] == wrapped[2] != wrapped[3] == wrapped[4] == wrapped[5] != wrapped[6]
    assert producer.stats["kmsCalls"]["GenerateDataKey"] == 3 and producer.stats["dataKeysCreated"] == 3


def test_data_key_is_replaced_after_its_ttl_and_old_records_still_decrypt(aws):
    clock = Clock()
    policy = load_text(aws.policy("      - {path: $.a, action: encrypt}\n",
                                  extra="data_keys: {max_records: 1000000, ttl_seconds: 60}\n"))
    producer = Protector(policy, kms=aws.client("kms"), clock=clock)
    first = producer.protect("orders", b'{"a": "first"}')
    clock.advance(59)
    second = producer.protect("orders", b'{"a": "second"}')
    clock.advance(2)
    third = producer.protect("orders", b'{"a": "third"}')
    assert first.header == second.header != third.header
    consumer = aws.protector()
    assert [json.loads(consumer.unprotect("orders", p.value, p.headers).value)["a"]
            for p in (first, second, third)] == ["first", "second", "third"]


def test_a_new_kms_key_behind_the_alias_is_used_for_new_records_and_old_ones_still_decrypt(aws):
    kms = aws.client("kms")
    alias = f"alias/protect-{aws.table}"
    kms.create_alias(AliasName=alias, TargetKeyId=aws.cmk)
    clock = Clock()
    text = aws.policy("      - {path: $.a, action: encrypt}\n", extra="data_keys: {ttl_seconds: 10}\n")
    producer = Protector(load_text(text.replace(f"kms: {aws.cmk}", f"kms: {alias}")), kms=kms, clock=clock)
    old = producer.protect("orders", b'{"a": "old"}')
    new_key = kms.create_key()["KeyMetadata"]["Arn"]
    kms.update_alias(AliasName=alias, TargetKeyId=new_key)
    clock.advance(11)
    new = producer.protect("orders", b'{"a": "new"}')
    assert json.loads(old.header[1])["keys"][0]["kms"] == aws.cmk
    assert json.loads(new.header[1])["keys"][0]["kms"] == new_key
    consumer = aws.protector()
    assert json.loads(consumer.unprotect("orders", old.value, old.headers).value) == {"a": "old"}
    assert json.loads(consumer.unprotect("orders", new.value, new.headers).value) == {"a": "new"}


# ---- no permission ---------------------------------------------------------------------------------
def test_consumer_without_kms_decrypt_sees_protected_values_and_why(aws):
    fields = ("      - {path: $.customer.email, action: encrypt}\n"
              "      - {path: $.customer.ssn, action: encrypt-deterministic}\n"
              "      - {path: $.customer.phone, action: encrypt, subject: $.customer.id}\n")
    producer = aws.protector(fields)
    protected = [producer.protect("orders", record()) for _ in range(3)]
    reader = aws.user(f"reader-{aws.table}", ["dynamodb:GetItem"])
    consumer = aws.protector(key=reader)
    with iam_enforced():
        results = [consumer.unprotect("orders", p.value, p.headers) for p in protected]
    for result in results:
        assert {(p.field, p.reason) for p in result.problems} == {
            ("$.customer.email", Reason.access_denied), ("$.customer.ssn", Reason.access_denied),
            ("$.customer.phone", Reason.access_denied)}
        assert "kms:Decrypt" in result.problems[0].message
        shown = (result.value or b"").decode()
        assert all(text not in shown for text in ("alice@example.com", "123-45-6789", "555-0100"))
    # A refused key is not asked for again for every record.
    assert consumer.stats["kmsCalls"]["Decrypt"] <= 2


def test_producer_without_kms_permission_sends_nothing(aws):
    writer = aws.user(f"writer-{aws.table}", ["kms:Decrypt"])
    producer = aws.protector("      - {path: $.customer.email, action: encrypt}\n", key=writer)
    with iam_enforced(), pytest.raises(ProtectError, match="kms:GenerateDataKey") as caught:
        producer.protect("orders", record())
    assert "Grant the producer" in caught.value.hint


# ---- crypto-shredding --------------------------------------------------------------------------------
SUBJECT_FIELDS = ("      - {path: $.customer.email, action: encrypt, subject: $.customer.id}\n"
                  "      - {path: $.customer.address, action: encrypt, subject: $.customer.id}\n"
                  "      - {path: $.card.number, action: encrypt}\n"
                  "      - {path: $.customer.id, action: tokenize}\n")


def customer(subject: str, email: str) -> dict:
    return {"customer": {"id": subject, "email": email, "address": {"city": "Lyon"}},
            "card": {"number": "4111"}}


def test_forget_makes_one_subjects_fields_undecryptable_and_keeps_everyone_else(aws):
    producer = aws.protector(SUBJECT_FIELDS)
    records = [producer.protect("orders", record(customer(s, f"{s}@example.com")))
               for s in ("c-1", "c-2", "c-1", "c-3")]
    header = json.loads(records[0].header[1])
    assert all("c-1" not in json.dumps(k) for k in header["keys"])  # no subject id in clear
    assert json.loads(records[0].value)["customer"]["id"].startswith("tok_")
    assert aws.protector(SUBJECT_FIELDS).forget("c-1")[1] is True
    consumer = aws.protector()
    results = [consumer.unprotect("orders", r.value, r.headers) for r in records]
    for index in (0, 2):
        assert {(p.field, p.reason) for p in results[index].problems} == {
            ("$.customer.email", Reason.forgotten), ("$.customer.address", Reason.forgotten)}
        assert json.loads(results[index].value)["card"]["number"] == "4111"  # the rest still reads
        assert "c-1@example.com" not in results[index].value.decode()
    for index, subject in ((1, "c-2"), (3, "c-3")):
        assert results[index].complete
        assert json.loads(results[index].value)["customer"]["email"] == f"{subject}@example.com"


def test_forgetting_twice_or_an_unknown_subject_is_harmless(aws):
    protector = aws.protector(SUBJECT_FIELDS)
    protector.protect("orders", record(customer("c-9", "x@example.com")))
    assert protector.forget("c-9")[1] is True
    assert protector.forget("c-9")[1] is False
    assert protector.forget("never-seen")[1] is False


def test_new_records_after_forget_get_a_new_key_and_old_ones_stay_forgotten(aws):
    producer = aws.protector(SUBJECT_FIELDS)
    before = producer.protect("orders", record(customer("c-5", "old@example.com")))
    producer.forget("c-5")
    after = producer.protect("orders", record(customer("c-5", "new@example.com")))
    consumer = aws.protector()
    assert {p.reason for p in consumer.unprotect("orders", before.value, before.headers).problems} == {
        Reason.forgotten}
    assert json.loads(consumer.unprotect("orders", after.value, after.headers).value)["customer"]["email"] == \
        "new@example.com"


def test_subject_keys_are_shared_by_producers_and_made_once(aws):
    one, two = aws.protector(SUBJECT_FIELDS), aws.protector(SUBJECT_FIELDS)
    a = one.protect("orders", record(customer("c-7", "a@example.com")))
    b = two.protect("orders", record(customer("c-7", "b@example.com")))
    key_a = next(k for k in json.loads(a.header[1])["keys"] if k["kind"] == "subject")
    key_b = next(k for k in json.loads(b.header[1])["keys"] if k["kind"] == "subject")
    assert key_a == key_b
    assert aws.client("dynamodb").scan(TableName=aws.table)["Count"] == 1


def test_record_without_its_subject_id_is_refused(aws):
    with pytest.raises(ProtectError, match=r"no subject id at \$\.customer\.id"):
        aws.protector(SUBJECT_FIELDS).protect("orders", record({"customer": {"email": "x@example.com"}}))


def test_a_missing_key_table_is_named(aws):
    policy = load_text(aws.policy(SUBJECT_FIELDS).replace(aws.table, "no-such-table"))
    producer = Protector(policy, kms=aws.client("kms"), dynamodb=aws.client("dynamodb"))
    with pytest.raises(ProtectError, match="no-such-table") as caught:
        producer.protect("orders", record(customer("c-1", "x@example.com")))
    assert "protect init" in caught.value.message


def test_subject_keyed_value_moved_to_another_topic_with_its_hint_rewritten_fails_authentication(aws):
    # A subject's key is not bound to a topic (a DEK is, by its KMS encryption context): only the
    # associated data, mskctl:1 \0 topic \0 field, keeps a subject-keyed value on its topic.
    fields = "      - {path: $.customer.email, action: encrypt, subject: $.customer.id}\n"
    protected = aws.protector(fields).protect("orders", record(customer("c-8", "moved@example.com")))
    doc = json.loads(protected.value)
    payload = bytearray(base64.b64decode(doc["customer"]["email"][len(ENCRYPTED):]))

    def with_hint(topic: str) -> bytes:
        payload[:HINT_SIZE] = hint(topic, "$.customer.email")
        doc["customer"]["email"] = ENCRYPTED + base64.b64encode(bytes(payload)).decode()
        return json.dumps(doc).encode()

    consumer = aws.protector()
    moved = consumer.unprotect("orders-copy", with_hint("orders-copy"), protected.headers)
    assert [(p.field, p.reason) for p in moved.problems] == [("$.customer.email", Reason.tampered)]
    assert "moved@example.com" not in (moved.value or b"").decode()
    # The very same bytes read on their own topic: only the topic changed above.
    home = consumer.unprotect("orders", with_hint("orders"), protected.headers)
    assert home.problems == [] and json.loads(home.value)["customer"]["email"] == "moved@example.com"
