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

Rich markup is a separate concern: ``mskctl.cli.output`` escapes brackets for rich on top of this.
"""

from __future__ import annotations

import unicodedata

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
