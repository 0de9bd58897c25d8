"""Protection policies: valid ones compile, bad ones fail with file:line; schema tags become paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mskctl.errors import ExitCode, UsageError
from mskctl.protect import PolicyError, json_schema, load_policy, load_text
from mskctl.protect.schemas import tagged_fields

ROOT = Path(__file__).resolve().parents[2]
HEAD = "version: 1\nkeys: {kms: alias/k, hmac: alias/h}\n"


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_text(text, "policy.yaml")
    return caught.value.problems


def one_topic(fields: str, head: str = HEAD) -> str:
    return f"{head}topics:\n  - topic: orders\n    fields:\n{fields}"


def test_the_example_policy_loads_and_resolves_schema_tags():
    loaded = load_policy(ROOT / "examples" / "protect" / "orders-policy.yaml")
    plan = loaded.plan_for("orders-eu")
    assert [(f.text, f.action) for f in plan.fields] == [
        ("$.customer.address.street", "encrypt"), ("$.customer.email", "encrypt"), ("$.customer.phone", "encrypt"),
        ("$.items[*].gift_message", "encrypt"), ("$.payment.card_number", "tokenize"),
        ("$.customer.id", "encrypt-deterministic")]
    assert all(str(f.subject) == "$.customer.id" for f in plan.fields if f.action == "encrypt")
    assert loaded.plan_for("audit.login").fields[1].action == "drop"
    assert loaded.plan_for("payments") is None


def test_published_json_schema_is_current():
    published = json.loads((ROOT / "docs" / "protect-policy.schema.json").read_text())
    assert published == json_schema()


def test_first_matching_topic_rule_wins():
    loaded = load_text(HEAD + "topics:\n"
                       "  - {topic: orders.eu, fields: [{path: $.a, action: drop}]}\n"
                       "  - {topic: 'orders.*', fields: [{path: $.b, action: drop}]}\n")
    assert loaded.plan_for("orders.eu").fields[0].text == "$.a"
    assert loaded.plan_for("orders.us").fields[0].text == "$.b"


def test_encrypt_fields_sharing_a_key_share_one_data_key_group():
    loaded = load_text(one_topic("      - {path: $.b, action: encrypt}\n      - {path: $.a, action: encrypt}\n"
                                 "      - {path: $.c, action: encrypt, key: alias/other}\n"))
    assert loaded.plan_for("orders").groups == {"alias/k": ("$.a", "$.b"), "alias/other": ("$.c",)}


@pytest.mark.parametrize(("fields", "expected"), [
    ("      - {path: $.a, action: shred}\n", "policy.yaml:6: topics.0.fields.0.action: Input should be"),
    ("      - {path: a.b, action: drop}\n", "policy.yaml:6: topics.0.fields.0.path: 'a.b' is not a JSON path"),
    ("      - {path: $.a, action: drop, colour: red}\n", "policy.yaml:6: topics.0.fields.0.colour: unknown key"),
    ("      - {action: drop}\n", "give either path"),
    ("      - {path: $.a, tags: [pii], action: drop}\n", "give either path"),
    ("      - {path: $.a, action: drop, keep_last: 4}\n", "keep_last does not apply to action drop"),
    ("      - {path: $.a, action: tokenize, keep_last: 4}\n", "keep_last does not apply to action tokenize"),
    ("      - {path: $.a, action: mask, format: digits}\n", "format does not apply to action mask"),
    ("      - {path: $.a, action: mask, pattern: '(', }\n", "not a regular expression"),
    ("      - {path: $.a, action: mask, pattern: 'x', keep_last: 2}\n", "a pattern or keep_first/keep_last"),
    ("      - {path: $.a, action: mask, char: '**'}\n", "at most 1 character"),
    ("      - {path: $.a, action: encrypt, subject: '$.ids[*]'}\n", "subject must name one value"),
    ("      - {path: $.a, action: drop}\n      - {path: '$[\"a\"]', action: mask}\n",
     "policy.yaml:7: topics.0.fields.1: $.a is already protected by fields.0"),
])
def test_bad_fields_are_reported_with_file_line_and_what_to_write(fields, expected):
    found = problems(one_topic(fields))
    assert any(expected in problem for problem in found), found


def test_keys_missing_for_an_action_are_named_per_rule():
    found = problems(one_topic("      - {path: $.a, action: encrypt}\n"
                               "      - {path: $.b, action: tokenize}\n"
                               "      - {path: $.c, action: encrypt, subject: $.id}\n", head="version: 1\n"))
    assert found[0].startswith("policy.yaml:5: topics.0.fields.0: encrypt needs keys.kms")
    assert found[1].startswith("policy.yaml:6: topics.0.fields.1: tokenize needs keys.hmac")
    assert any("subject keys need a `subjects:` section" in p for p in found)


def test_unquoted_wildcard_paths_get_a_yaml_hint():
    with pytest.raises(PolicyError) as caught:
        load_text(one_topic("      - {path: $.items[*].card, action: drop}\n"), "policy.yaml")
    assert "policy.yaml:6" in caught.value.problems[0]
    assert "Quote JSON paths" in caught.value.hint


def test_tags_need_a_schema_and_must_match_something(tmp_path):
    assert any("need the topic's schema" in p for p in problems(one_topic("      - {tags: [pii], action: drop}\n")))
    (tmp_path / "s.json").write_text(json.dumps({"type": "object", "properties": {"a": {"type": "string"}}}))
    policy = tmp_path / "p.yaml"
    policy.write_text(HEAD + "topics:\n  - topic: t\n    schema: s.json\n    fields:\n"
                      "      - {tags: [pii], action: drop}\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(policy)
    assert f"{policy}:7: topics.0.fields.0.tags: no field of s.json has tag(s) pii" in caught.value.problems[0]
    policy.write_text(policy.read_text().replace("s.json", "missing.avsc"))
    with pytest.raises(PolicyError) as caught:
        load_policy(policy)
    assert f"{policy}:5: topics.0.schema: cannot read" in caught.value.problems[0]


def test_unreadable_policy_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"Cannot read protection policy .*nope\.yaml: No such file") as caught:
        load_policy(tmp_path / "nope.yaml")
    assert caught.value.exit_code == ExitCode.USAGE == 64


# ---- schema tags ----------------------------------------------------------------------------------------
def test_avro_tags_cover_nested_records_arrays_maps_unions_and_named_types(tmp_path):
    schema = {
        "type": "record", "name": "R", "fields": [
            {"name": "email", "type": "string", "pii": True},
            {"name": "contact", "type": ["null", {"type": "record", "name": "Contact", "fields": [
                {"name": "phone", "type": "string", "tags": ["PII", "phone"]}]}]},
            {"name": "backup", "type": "Contact"},
            {"name": "notes", "type": {"type": "array", "items": {"type": "string", "confluent:tags": ["pii"]}}},
            {"name": "attrs", "type": {"type": "map", "values": {"type": "record", "name": "V", "fields": [
                {"name": "secret", "type": "string", "tags": ["secret"]}]}}},
            {"name": "public", "type": "string"},
        ]}
    path = tmp_path / "r.avsc"
    path.write_text(json.dumps(schema))
    assert tagged_fields(path) == {
        "pii": ["$.backup.phone", "$.contact.phone", "$.email", "$.notes[*]"],
        "phone": ["$.backup.phone", "$.contact.phone"],
        "secret": ["$.attrs[*].secret"],
    }


def test_json_schema_tags_cover_properties_items_refs_and_additional_properties(tmp_path):
    schema = {
        "$defs": {"Card": {"type": "object", "properties": {"number": {"type": "string", "tags": ["pci"]}}}},
        "type": "object",
        "properties": {
            "email": {"type": "string", "pii": True},
            "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}},
            "meta": {"type": "object", "additionalProperties": {"type": "string", "pii": True}},
            "key with dots": {"type": "string", "confluent:tags": ["PII"]},
            "either": {"oneOf": [{"type": "object", "properties": {"ssn": {"pii": True}}}, {"type": "null"}]},
        },
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schema))
    assert tagged_fields(path) == {
        "pii": ['$.either.ssn', "$.email", "$.meta[*]", '$["key with dots"]'],
        "pci": ["$.cards[*].number"],
    }
