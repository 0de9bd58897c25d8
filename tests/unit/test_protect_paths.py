"""The JSON-path selector: what it accepts, how it renders, what it finds."""

from __future__ import annotations

import pytest

from mskctl.protect.paths import SelectorError, parse

DOC = {
    "customer": {"email": "a@example.com", "address": {"zip": "12345"}},
    "items": [{"card": "4111", "qty": 1}, {"qty": 2}, {"card": "5500", "qty": 3}],
    "key with dots": {"a.b": 1},
    "tags": {"x": 1, "y": 2},
    "matrix": [[1, 2], [3, 4]],
}


@pytest.mark.parametrize(("text", "canonical"), [
    ("$.a.b", "$.a.b"),
    ("$.a[*].b", "$.a[*].b"),
    ("$.a.*", "$.a[*]"),
    ("$.a[0]", "$.a[0]"),
    ("$.a[-1]", "$.a[-1]"),
    ('$["key with dots"]', '$["key with dots"]'),
    ("$['single quoted']", '$["single quoted"]'),
    ('$["a"].b', "$.a.b"),
    ('$["quote \\" inside"]', '$["quote \\" inside"]'),
    ('$["line\\nbreak"]', '$["line\\nbreak"]'),
    ("$.a-b.c_d", "$.a-b.c_d"),
])
def test_selectors_render_canonically_and_parse_back(text, canonical):
    assert str(parse(text)) == canonical
    assert str(parse(canonical)) == canonical


@pytest.mark.parametrize("text", ["a.b", "$", "$.", "$..a", "$[x]", '$["open', "$.a[", "$.a b", "$.a[1.5]"])
def test_bad_selectors_say_what_is_wrong(text):
    with pytest.raises(SelectorError) as caught:
        parse(text)
    assert repr(text)[1:-1] in str(caught.value) or "whole record" in str(caught.value)


def paths_of(text: str) -> list[str]:
    return [location.path for location in parse(text).locate(DOC)]


def test_plain_paths_find_nested_members():
    assert [loc.value for loc in parse("$.customer.address.zip").locate(DOC)] == ["12345"]


def test_wildcards_find_every_array_element_and_object_member():
    assert paths_of("$.items[*].card") == ["$.items[0].card", "$.items[2].card"]
    assert paths_of("$.tags.*") == ["$.tags.x", "$.tags.y"]
    assert paths_of("$.matrix[*][1]") == ["$.matrix[0][1]", "$.matrix[1][1]"]


def test_indexes_count_from_either_end():
    assert paths_of("$.items[0].qty") == ["$.items[0].qty"]
    assert paths_of("$.items[-1].qty") == ["$.items[2].qty"]
    assert paths_of("$.items[7].qty") == []


def test_quoted_names_reach_keys_with_dots():
    assert [loc.value for loc in parse('$["key with dots"]["a.b"]').locate(DOC)] == [1]


def test_absent_paths_and_wrong_shapes_find_nothing():
    assert paths_of("$.customer.phone") == []
    assert paths_of("$.customer.email.x") == []
    assert paths_of("$.customer[0]") == []
    assert paths_of("$.items.card") == []


def test_get_one_reads_a_single_value():
    assert parse("$.items[2].card").get_one(DOC) == (True, "5500")
    assert parse("$.items[1].card").get_one(DOC) == (False, None)
