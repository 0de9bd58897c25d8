"""The three text formats mskctl writes values into, each escaped by one tested function (issue 16, F1, F9, F11).

- ``shell_export(name, value)``: a POSIX ``export NAME='value'`` line (``shlex.quote``). Sourcing
  it sets exactly ``value``; ``$(…)``, backticks and ``"`` are data. (``msk_config.env`` is
  sourced, as its header says, so this is the difference between data and command execution.)
- ``toml_document(data)``: TOML by ``tomli_w``, a real TOML writer: any key or string (a profile
  name with ``"]\\n``, a value with a newline) stays one key or one string.
- ``properties_line(key, value)``: one Java ``.properties`` entry escaped per the
  ``java.util.Properties.load`` rules, so no value can start another key.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import tomli_w

_SHELL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Characters java.util.Properties.load gives a meaning to, and their escapes (as Properties.store writes).
_PROPERTIES_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f"}


def shell_export(name: str, value: object) -> str:
    """``export NAME='value'`` for POSIX shells; a NUL (which no shell variable can hold) is refused."""
    if not _SHELL_NAME.match(name):
        raise ValueError(f"{name!r} is not a shell variable name")
    text = str(value)
    if "\x00" in text:
        raise ValueError(f"the value of {name} contains a NUL character, which no shell variable can hold")
    return f"export {name}={shlex.quote(text)}"


def toml_document(data: dict[str, Any]) -> str:
    """``data`` as a TOML document (keys and strings quoted and escaped by tomli_w)."""
    return tomli_w.dumps(data)


def properties_line(key: str, value: object) -> str:
    """``key=value`` escaped so that ``Properties.load`` reads back exactly ``key`` and ``value``.

    The key escapes every separator and comment character; the value only what ``load`` would
    read differently (backslash, line breaks, a leading space, controls, non-ASCII), so that
    ``sasl.jaas.config=… username="u";`` stays readable.
    """
    return f"{_properties_escape(key, special=_KEY_SPECIAL)}={_properties_escape(str(value), special='')}"


_KEY_SPECIAL = "=:#! "


def _properties_escape(text: str, *, special: str) -> str:
    out = []
    for index, char in enumerate(text):
        if char in _PROPERTIES_ESCAPES:
            out.append(_PROPERTIES_ESCAPES[char])
        elif char in special or (char == " " and index == 0):
            out.append("\\" + char)  # a separator in a key; a leading space would be skipped as whitespace
        elif " " <= char <= "~":
            out.append(char)
        else:  # controls and non-ASCII as \uXXXX (UTF-16 code units, as Properties.store writes them)
            out.extend(f"\\u{unit:04x}" for unit in _utf16_units(char))
    return "".join(out)


def _utf16_units(char: str) -> list[int]:
    data = char.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
