"""Read .tf files into blocks and attributes that keep the line they are written on.

python-hcl2's dictionary output has no line numbers, so this walks its rule tree instead (every rule
carries the lark ``meta`` of its source span). Expressions are kept as tree nodes: the evaluator in
``terraform_values`` follows them to literals and knows the line of every nested value.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from mskctl.access.loader import read_text
from mskctl.errors import MskctlError, UsageError

# 8 MiB: a 5 MB .tf of 40,000 clusters is the largest we have seen generated; python-hcl2 needs about
# 150 bytes of memory per byte of HCL, so 8 MiB stays near 1 GB.
MAX_TF_BYTES = 8 * 1024 * 1024
# python-hcl2's parser takes about 20-30 us and 1 KB per token. Hand-written and generated HCL has 7-9
# bytes per token (this repository: 7.0; 40,000 generated clusters: 8.6); 1 MB of "1," has 1, and took 22 s
# and 1 GB. A file may have at most one token per 5 bytes (and 100,000 in any case), which keeps any 1 MB
# file under 10 s and 500 MB and still reads a 5 MB generated file.
BYTES_PER_TOKEN = 5
MIN_TOKEN_BUDGET = 100_000
_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*|\d+(?:\.\d+)?|[^\sA-Za-z0-9_"]')
PARSE_HINT = "Fix the file (`terraform validate` or `tofu validate` says the same), or leave it out of the audit."


@dataclass(frozen=True)
class Attribute:
    name: str
    expr: Any  # an hcl2 expression rule (ExprTermRule, ConditionalRule, ...)
    line: int


@dataclass
class Block:
    type: str  # resource, variable, locals, module, ingress, dynamic, ...
    labels: tuple[str, ...]
    line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def children(self, block_type: str) -> list[Block]:
        return [block for block in self.blocks if block.type == block_type]


@dataclass
class HclFile:
    path: Path
    display: str  # how findings name it: relative to the base directory when under it
    blocks: list[Block]
    attributes: dict[str, Attribute]  # top-level attributes: what a .tfvars file holds
    lines: list[str]


def parse_file(path: Path, display: str) -> HclFile:
    try:  # bounded, and never a device or FIFO (a .tf link to /dev/zero)
        text = read_text(path, "Terraform file", PARSE_HINT, MAX_TF_BYTES)
    except MskctlError as exc:
        raise UsageError(exc.message.replace(f"Cannot read Terraform file {path}", f"{display}: cannot be read"),
                         hint=exc.hint) from None
    return parse_text(text, path, display)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector: parsing builds millions of objects (lark trees) that stay alive
    while the audit reads them, and each full collection rescans all of them; a 1 MB file parsed 6x
    faster without it (36 s -> 6 s). The trees hold no reference cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_density(text: str, display: str) -> None:
    """Refuse a file with more tokens than its size allows, before the parser spends its time on it."""
    # A quoted string counts once, but each interpolation in it is several tokens to the parser.
    tokens = sum(1 for _ in _TOKENS.finditer(text)) + 3 * (text.count("${") + text.count("%{"))
    budget = max(MIN_TOKEN_BUDGET, len(text) // BYTES_PER_TOKEN)
    if tokens > budget:
        raise UsageError(f"{display}: about {tokens:,} tokens in {len(text):,} bytes, more than the limit of "
                         f"{budget:,} (one per {BYTES_PER_TOKEN} bytes); not read.",
                         hint="Split the file or its long lists; Terraform code is rarely this dense.")


def parse_text(text: str, path: Path, display: str) -> HclFile:
    _check_density(text, display)
    try:
        with no_cyclic_gc():
            tree = hcl2.parses(text)
    except UnexpectedInput as exc:
        raise UsageError(f"{display}:{_where(exc, text)}: not valid HCL: {_describe(exc)}", hint=PARSE_HINT) from None
    except RecursionError:
        raise UsageError(f"{display}: not valid HCL: nested too deeply to read.", hint=PARSE_HINT) from None
    except (LarkError, RuntimeError, ValueError) as exc:  # the tree transformer rejects a few constructs
        reason = str(exc).split("\n", 1)[0][:120]  # its first line: the construct, not the file's text
        raise UsageError(f"{display}: not valid HCL: {reason}", hint=PARSE_HINT) from None
    attributes, blocks = _read_body(tree.body, display)
    return HclFile(path=path, display=display, blocks=blocks, attributes=attributes, lines=text.splitlines())


def _read_body(body: Any, display: str) -> tuple[dict[str, Attribute], list[Block]]:
    from hcl2.rules.base import AttributeRule, BlockRule

    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in body.children:
        if isinstance(child, AttributeRule):
            name = str(child.identifier.serialize())
            line = child._meta.line
            if name in attributes:
                raise UsageError(f"{display}:{line}: {name!r} is set twice in this block "
                                 f"(first at line {attributes[name].line}).", hint=PARSE_HINT)
            attributes[name] = Attribute(name=name, expr=child.expression, line=line)
        elif isinstance(child, BlockRule):
            labels = [str(label.serialize()).strip('"') for label in child.labels]
            inner_attributes, inner_blocks = _read_body(child.body, display)
            blocks.append(Block(type=labels[0], labels=tuple(labels[1:]), line=child._meta.line,
                                attributes=inner_attributes, blocks=inner_blocks))
    return attributes, blocks


def _where(exc: UnexpectedInput, text: str) -> str:
    line, column = getattr(exc, "line", -1), getattr(exc, "column", -1)
    if isinstance(exc, UnexpectedEOF) or line is None or line < 1:
        lines = text.splitlines() or [""]
        return f"{len(lines)}"
    return f"{line}:{column}" if column and column > 0 else f"{line}"


_TOKEN_NAMES = {
    "RBRACE": "}", "LBRACE": "{", "RSQB": "]", "LSQB": "[", "RPAR": ")", "LPAR": "(", "EQ": "=", "COLON": ":",
    "COMMA": ",", "DBLQUOTE": '"', "NAME": "a name", "$END": "end of file",
}


_SHOWN_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,31}|[][{}()=:,.\"<>!?*/%+-]")


def _token(value: str) -> str:
    """The offending token, quoted only when it is a name or one punctuation mark.

    Anything else is described, not quoted: the position is in the message, and a file that is not
    HCL at all (a key, an environment dump) must not reach the output or a CI log.
    """
    if not value.strip():
        return "a line break"
    return repr(value) if _SHOWN_TOKEN.fullmatch(value) else "text that is not HCL"


def _describe(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        found = "end of file" if token.type == "$END" else _token(str(token.value))
        expected = sorted(_TOKEN_NAMES.get(name, "") for name in exc.expected)
        named = [name for name in expected if name]
        if named and len(named) <= 4 and len(named) == len(expected):
            return f"unexpected {found}, expected {' or '.join(named)}"
        if token.type == "$END":
            return "the file ends inside a block, string or expression (a missing }, ] or closing quote?)"
        return f"unexpected {found}"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}" if exc.char.isprintable() else "unexpected control character"
    return str(exc).split("\n", 1)[0]
