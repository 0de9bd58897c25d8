"""Collect ``# mskctl:ignore <rule> <reason>`` comments (also ``//``); the engine applies them."""

from __future__ import annotations

import re

from mskctl.audit.model import InlineIgnore

_IGNORE = re.compile(r"(?:#|//)\s*mskctl:ignore\b[ \t]*(?P<rules>[^\s]*)[ \t]*(?P<reason>.*)$")


def collect_ignores(lines: list[str], display: str) -> list[InlineIgnore]:
    """Every ignore comment of a file, in line order; ``a,b`` names two rules with one reason."""
    found: list[InlineIgnore] = []
    for number, line in enumerate(lines, start=1):
        if "mskctl:ignore" not in line:
            continue
        match = _IGNORE.search(line, _comment_start(line))
        if not match:
            continue
        reason = match["reason"].strip().removesuffix("*/").strip()
        for rule in filter(None, match["rules"].split(",")):
            found.append(InlineIgnore(rule=rule, reason=reason, file=display, line=number))
        if not match["rules"]:
            found.append(InlineIgnore(rule="", reason=reason, file=display, line=number))
    return found


def _comment_start(line: str) -> int:
    """Where the comment begins: the first # or // outside a quoted string (the line's end if none)."""
    quoted = False
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = quoted
        elif char == '"':
            quoted = not quoted
        elif not quoted and (char == "#" or line.startswith("//", index)):
            return index
    return len(line)
