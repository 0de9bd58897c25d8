"""Property tests over arbitrary JSON documents: what the policy names round-trips, nothing else changes."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mskctl.protect import Protector, load_text
from mskctl.protect.paths import parse
from tests.unit.test_protect_helpers import ADMIN, REGION, moto_endpoint_fixture  # noqa: F401

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                            max_size=4),
                      max_leaves=12)


def documents() -> st.SearchStrategy[dict[str, Any]]:
    """Arbitrary objects that often, not always, hold the fields the policies name (or other shapes there)."""
    shaped = st.fixed_dictionaries({}, optional={
        "secret": VALUES,
        "det": VALUES,
        "nested": st.fixed_dictionaries({}, optional={"pii": VALUES, "keep": VALUES, "gone": VALUES}) | VALUES,
        "list": st.lists(st.fixed_dictionaries({}, optional={"card": VALUES, "other": VALUES}) | VALUES, max_size=4),
        "tags": st.dictionaries(st.text(max_size=6), VALUES, max_size=3),
        "key with dots": VALUES,
    })
    return st.tuples(shaped, st.dictionaries(st.text(max_size=8), VALUES, max_size=4)).map(
        lambda pair: {**pair[1], **pair[0]})


REVERSIBLE = {"$.secret": "encrypt", "$.det": "encrypt-deterministic", "$.nested.pii": "encrypt",
              "$.list[*].card": "encrypt", "$.tags[*]": "encrypt", '$["key with dots"]': "encrypt-deterministic"}
IRREVERSIBLE = {"$.secret": "tokenize", "$.det": "mask", "$.nested.gone": "drop", "$.list[*].card": "tokenize",
                '$["key with dots"]': "mask"}


def policy_text(cmk: str, hmac: str, fields: dict[str, str]) -> str:
    lines = "".join(f"      - {{path: '{path}', action: {action}}}\n" for path, action in fields.items())
    return f"keys: {{kms: '{cmk}', hmac: '{hmac}'}}\ntopics:\n  - topic: t\n    fields:\n{lines}"


@pytest.fixture(scope="module")
def kms(moto_endpoint: str) -> Any:
    return boto3.client("kms", endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id=ADMIN[0],
                        aws_secret_access_key=ADMIN[1])


@pytest.fixture(scope="module")
def keys(kms: Any) -> tuple[str, str]:
    return (kms.create_key()["KeyMetadata"]["Arn"],
            kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"])


def blank(document: Any, fields: dict[str, str]) -> Any:
    """The document with every value the policy names replaced by one marker (dropped ones removed)."""
    copied = copy.deepcopy(document)
    for path, action in fields.items():
        for location in sorted(parse(path).locate(copied), key=lambda loc: str(loc.key), reverse=True):
            if action == "drop":
                del location.parent[location.key]
            else:
                location.parent[location.key] = "<protected>"
    return copied


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents())
def test_protected_fields_round_trip_and_other_fields_are_unchanged(kms, keys, document):
    protector = Protector(load_text(policy_text(*keys, REVERSIBLE)), kms=kms)
    protected = protector.protect("t", json.dumps(document).encode())
    after = json.loads(protected.value)
    assert blank(after, REVERSIBLE) == blank(document, REVERSIBLE)
    result = Protector(kms=kms).unprotect("t", protected.value, protected.headers)
    assert result.problems == []
    assert json.loads(result.value) == document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents())
def test_irreversible_actions_change_only_their_fields(kms, keys, document):
    protector = Protector(load_text(policy_text(*keys, IRREVERSIBLE)), kms=kms)
    protected = json.loads(protector.protect("t", json.dumps(document).encode()).value)
    assert blank(protected, IRREVERSIBLE) == blank(document, IRREVERSIBLE)
    assert parse("$.nested.gone").locate(protected) == []


@pytest.mark.parametrize("raw", [
    b'{"secret": 123456789012345678901234567890, "big": -9223372036854775809, "x": 1.5}',  # orjson: floats
    b'{"secret": NaN, "other": Infinity, "n": 18446744073709551615}',  # orjson refuses NaN / Infinity
    b'{"secret": "\\ud800 lone", "other": "\\udfff"}',  # orjson refuses lone surrogates
])
def test_values_the_fast_json_path_cannot_carry_survive_exactly(kms, keys, raw):
    protector = Protector(load_text(policy_text(*keys, {"$.secret": "encrypt"})), kms=kms)
    protected = protector.protect("t", raw)
    assert json.loads(protected.value)["secret"].startswith("mskctl:1:e:")
    restored = Protector(kms=kms).unprotect("t", protected.value, protected.headers)
    assert restored.problems == []
    assert json.dumps(json.loads(restored.value)) == json.dumps(json.loads(raw))
