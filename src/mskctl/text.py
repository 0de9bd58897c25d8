"""User text as data on a terminal: control characters shown escaped, never sent raw.

``printable(value)`` is the one function every human-readable output uses for text that came
from outside mskctl (a topic, a file name, a Terraform value, an environment value, a broker's
message). It turns every character that a terminal would act on, or that would make the line
read differently from what the tool read, into a visible escape:

- C0 and C1 controls and DEL (``\\x1b`` ESC starts colour, cursor and OSC-8 hyperlink sequences;
  ``\\x9b`` is the one-byte CSI);
- Unicode format characters (bidi overrides and isolates such as U+202E, zero-width characters,
  the BOM), line and paragraph separators;
- lone surrogates (they cannot be encoded, so printing them would raise).

Newlines and tabs are escaped too unless the caller keeps them (``keep="\\n\\t"``), which only
whole messages written by mskctl itself do. Part B of issue 16 (and any other module) may use
this function for error locations and messages; it never raises, for any ``str``.

Rich markup: ``styled(template, *values)`` fills mskctl's own markup template with values that
are never parsed as markup, and ``cell(value)`` makes a one-line table cell of a value; the
consoles of ``mskctl.cli.output`` print plain strings with markup off.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def printable(value: object, *, keep: str = "") -> str:
    """``value`` as text with every control, format or separator character (except ``keep``) escaped."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable() and text.isascii():  # the common case, without a per-character loop
        return text
    return "".join(_escape(char) if _is_control(char) and char not in keep else char for char in text)


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in _ESCAPED_CATEGORIES


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def styled(template: str, *values: object) -> Text:
    """mskctl's own markup ``template`` with each ``{}`` filled by a value shown as data (never markup).

    The values are not escaped into the markup (rich's ``escape`` gets backslash runs before a tag
    wrong); each ``{}`` becomes a private-use placeholder, the template alone is parsed, and each
    placeholder is then replaced by the value's text, styled as the placeholder was.
    """
    if template.count("{}") != len(values):
        raise ValueError(f"styled(): {template.count('{}')} placeholder(s) for {len(values)} value(s)")
    marks = [chr(_PLACEHOLDER + i) for i in range(len(values))]
    parsed = Text.from_markup(_fill(template, marks), emoji=False)
    result = Text(style=parsed.style, end="")
    start = 0
    for offset, char in enumerate(parsed.plain):
        if char in marks:
            result.append_text(parsed[start:offset])
            result.append_text(_as_placeholder(parsed[offset:offset + 1], values[marks.index(char)]))
            start = offset + 1
    result.append_text(parsed[start:])
    result.end = "\n"
    return result


_PLACEHOLDER = 0xF0000  # supplementary private use area: never in a template of mskctl's


def _fill(template: str, marks: list[str]) -> str:
    parts = template.split("{}")
    return "".join(part + (marks[i] if i < len(marks) else "") for i, part in enumerate(parts))


def _as_placeholder(place: Text, value: object) -> Text:
    text = Text(printable(value))
    for span in place.spans:
        text.stylize(span.style, 0, len(text))
    return text


def cell(value: object) -> Text:
    """A table cell or title holding user text: one line, control characters (newlines too) escaped."""
    return Text(printable(value))
