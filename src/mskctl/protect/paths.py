"""A small JSON-path selector: ``$.a.b``, ``$.a[*].b``, ``$.a[0]``, ``$["key with dots"]``, ``$.m.*``.

Enough to name fields in nested objects and arrays, and nothing more (no filters, no
recursive descent): a policy must say exactly which values it protects. ``[*]`` and ``.*``
select every element of an array and every member of an object.

The canonical text of a selector (``str(selector)``) is what the record header lists and
what encryption binds as associated data, so two spellings of one path protect alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class _Wildcard:
    __slots__ = ()

    def __repr__(self) -> str:
        return "*"


WILDCARD = _Wildcard()
Step = str | int | _Wildcard
_NAME = re.compile(r"[A-Za-z0-9_$@-]+")
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_INDEX = re.compile(r"-?\d+")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class SelectorError(ValueError):
    pass


class Location:
    """One selected value: its parent container, its key or index there, and its concrete path."""

    __slots__ = ("key", "parent", "steps")

    def __init__(self, parent: Any, key: str | int, steps: tuple[Any, ...]) -> None:
        self.parent = parent
        self.key = key
        self.steps = steps

    @property
    def value(self) -> Any:
        return self.parent[self.key]

    @property
    def path(self) -> str:
        return render(self.steps)


@dataclass(frozen=True)
class Selector:
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_plain", all(isinstance(step, str) for step in self.steps))

    def __str__(self) -> str:
        return render(self.steps)

    @property
    def has_wildcard(self) -> bool:
        return any(step is WILDCARD for step in self.steps)

    @property
    def is_plain(self) -> bool:
        """Only object member names: found with one dict lookup per step."""
        return self._plain

    def get_one(self, document: Any) -> tuple[bool, Any]:
        """(found, value) for a selector without wildcards (used for subject ids)."""
        node = document
        for step in self.steps:
            in_object = isinstance(step, str) and isinstance(node, dict) and step in node
            in_array = isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node)
            if not (in_object or in_array):
                return False, None
            node = node[step]
        return True, node

    def locate(self, document: Any) -> list[Location]:
        """Every value this selector names in the document (none when the path is absent)."""
        if self._plain:  # the common case, kept cheap: no concrete paths to build
            node = parent = document
            for step in self.steps:
                if not isinstance(node, dict) or step not in node:
                    return []
                parent, node = node, node[step]
            return [Location(parent, self.steps[-1], self.steps)]
        found: list[Location] = []
        self._walk(document, 0, (), found)
        return found

    def _walk(self, node: Any, i: int, at: tuple[str | int, ...], found: list[Location]) -> None:
        step = self.steps[i]
        last = i == len(self.steps) - 1
        children: Iterator[tuple[str | int, Any]]
        if step is WILDCARD:
            if isinstance(node, dict):
                children = iter(list(node.items()))
            elif isinstance(node, list):
                children = iter(list(enumerate(node)))
            else:
                return
        elif isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                return
            index = step % len(node)
            children = iter([(index, node[index])])
        else:
            if not isinstance(node, dict) or step not in node:
                return
            children = iter([(step, node[step])])
        for key, child in children:
            if last:
                found.append(Location(node, key, (*at, key)))
            else:
                self._walk(child, i + 1, (*at, key), found)


def render(steps: tuple[Step, ...]) -> str:
    parts = ["$"]
    for step in steps:
        if step is WILDCARD:
            parts.append("[*]")
        elif isinstance(step, int):
            parts.append(f"[{step}]")
        elif _PLAIN_NAME.match(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{json.dumps(step, ensure_ascii=False)}]")
    return "".join(parts)


@lru_cache(maxsize=4096)
def parse(text: str) -> Selector:
    """Parse a selector; raises SelectorError saying where it went wrong."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise SelectorError(f"{text!r} is not a JSON path: start with '$', e.g. '$.customer.email'")
    steps: list[Step] = []
    i = 1
    while i < len(text):
        char = text[i]
        if char == ".":
            if text.startswith(".*", i):
                steps.append(WILDCARD)
                i += 2
                continue
            match = _NAME.match(text, i + 1)
            if not match:
                raise SelectorError(f"{text!r}: expected a member name after '.' at position {i + 1} "
                                    "(use $[\"...\"] for names with other characters)")
            steps.append(match.group())
            i = match.end()
        elif char == "[":
            i = _parse_bracket(text, i, steps)
        else:
            raise SelectorError(f"{text!r}: unexpected {char!r} at position {i + 1}; "
                                "steps are .name, [\"name\"], [0] or [*]")
    if not steps:
        raise SelectorError(f"{text!r} selects the whole record: name a field, e.g. '$.email'")
    return Selector(tuple(steps))


def _parse_bracket(text: str, i: int, steps: list[Step]) -> int:
    end = text.find("]", i)
    if text.startswith("[*]", i):
        steps.append(WILDCARD)
        return i + 3
    if text.startswith(('["', "['"), i):
        quote = text[i + 1]
        j = i + 2
        chars: list[str] = []
        while j < len(text) and text[j] != quote:
            if text[j] == "\\":
                escaped = text[j + 1:j + 2]
                if escaped == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[j + 2:j + 6]):
                    chars.append(chr(int(text[j + 2:j + 6], 16)))
                    j += 6
                    continue
                if escaped not in _ESCAPES:
                    raise SelectorError(f"{text!r}: bad escape at position {j + 1}")
                chars.append(_ESCAPES[escaped])
                j += 2
            else:
                chars.append(text[j])
                j += 1
        if j >= len(text) or not text.startswith("]", j + 1):
            raise SelectorError(f"{text!r}: unterminated [{quote}...{quote}] at position {i + 1}")
        steps.append("".join(chars))
        return j + 2
    if end != -1 and _INDEX.fullmatch(text, i + 1, end):
        steps.append(int(text[i + 1:end]))
        return end + 1
    raise SelectorError(f"{text!r}: at position {i + 1} expected [*], [0] or [\"name\"]")
