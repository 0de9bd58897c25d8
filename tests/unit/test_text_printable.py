"""mskctl.text.printable: no character a terminal acts on survives, for any input (issue 16, F14)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from mskctl.text import printable

ACTIVE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def test_escape_sequences_osc8_c1_and_bidi_are_shown_escaped():
    hostile = "d\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \x9b2J \u202eabc \x00 \x7f \u2028"
    assert printable(hostile) == ("d\\x1b]8;;http://evil.example\\x1b\\link\\x1b]8;;\\x1b\\ \\x9b2J \\u202eabc "
                                  "\\x00 \\x7f \\u2028")


def test_plain_text_and_unicode_letters_are_unchanged():
    for text in ("orders[v2]", "café", "ключ", "a b", "[/x]", "東京", "\U0001f600"):
        assert printable(text) == text


def test_newlines_and_tabs_are_escaped_unless_kept():
    assert printable("a\nb\tc") == "a\\x0ab\\x09c"
    assert printable("a\nb\tc\x1b", keep="\n\t") == "a\nb\tc\\x1b"


def test_lone_surrogates_become_escapes_that_can_be_encoded():
    assert printable("x\udcff").encode("utf-8") == b"x\\udcff"


def test_non_strings_are_shown_with_str():
    assert printable(42) == "42"
    assert printable(None) == "None"


@settings(database=None, max_examples=400, deadline=None)
@given(st.text(st.characters(codec=None)))
def test_no_active_character_survives_any_input(text):
    result = printable(text)
    assert not [c for c in result if unicodedata.category(c) in ACTIVE]
    result.encode("utf-8")  # never raises: no lone surrogate left


@settings(database=None, max_examples=200, deadline=None)
@given(st.text(st.characters(codec=None)))
def test_text_without_active_characters_is_returned_as_is(text):
    if not any(unicodedata.category(c) in ACTIVE for c in text):
        assert printable(text) == text
