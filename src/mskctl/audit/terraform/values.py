"""Evaluate HCL expressions as far as literals go, remembering where each value is written.

Only what is certain is known: literals, ``var.x`` (a module call's literal argument, a .tfvars value
or the variable's literal default), ``local.x``, and a few pure functions of those (``jsonencode``,
``tostring``, ``merge``, ...). Everything else - resource attributes, ``each``, conditionals, ``for``
expressions, templates with unknown parts - is :class:`Unknown`, and checks never report on it.

Values are bounded, because a few lines of HCL can double a string or a list per local: a string
longer than ``MAX_STRING_CHARS`` or a value of more than ``MAX_VALUE_NODES`` nested elements is
:class:`Unknown` too (no finding rather than a hang), and a JSON document is read from strings up to
``MAX_JSON_CHARS`` only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hcl2.rules.abstract import LarkToken
from hcl2.rules.containers import ObjectElemKeyExpressionRule, ObjectElemKeyRule, ObjectRule, TupleRule
from hcl2.rules.expressions import ExprTermRule, UnaryOpRule
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.indexing import GetAttrExprTermRule, IndexExprTermRule
from hcl2.rules.literal_rules import FloatLitRule, IdentifierRule, IntLitRule, KeywordRule, LiteralValueRule
from hcl2.rules.strings import HeredocTemplateRule, HeredocTrimTemplateRule, InterpolationRule, StringRule
from hcl2.utils import process_escape_sequences

# Far above real configuration (an IAM policy is at most 6,144 characters, a list of CIDR blocks a few
# hundred), far below what 40 doubling locals would build (16 x 2^40 characters).
MAX_STRING_CHARS = 1_000_000
MAX_VALUE_NODES = 100_000
MAX_JSON_CHARS = 256 * 1024
SHOWN_CHARS = 200  # a value quoted in a finding's message


class Unknown:
    """A value that is not known before plan or apply. ``prefix``: the literal text a template starts with."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"Unknown({self.prefix!r})" if self.prefix else "Unknown()"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Val:
    """A value and where it is written (file None: from a plan)."""

    value: Any  # str | int | float | bool | None | list[Val] | dict[str, Val] | Unknown
    file: str | None = None
    line: int | None = None
    body_line: int | None = None  # a heredoc: the line its text starts on
    text: str | None = None  # a heredoc's text, also when its value is unknown (a template)
    via: str = ""  # the variable or local it came through
    nodes: int = 1  # elements of a list or map, nested ones included, and itself (the bound's measure)

    @property
    def known(self) -> bool:
        return not isinstance(self.value, Unknown)

    @property
    def absent(self) -> bool:
        """null: Terraform treats it as not set at all."""
        return self.value is None

    def text_lines(self) -> list[tuple[int | None, str]]:
        """(line, text) of each line of a string value; a quoted string keeps all of them on its own line."""
        text = self.text if self.text is not None else self.value if isinstance(self.value, str) else None
        if text is None:
            return []
        lines = text.split("\n")
        if self.body_line is None:
            return [(self.line, part) for part in lines]
        return [(self.body_line + index, part) for index, part in enumerate(lines)]

    def line_of(self, needle: str) -> int | None:
        """The line of the first text line containing ``needle`` (a heredoc JSON policy), else the value's."""
        for line, text in self.text_lines():
            if needle in text:
                return line
        return self.line


def show(val: Val | None) -> str:
    """A value as it would be written in HCL, for messages (cut after SHOWN_CHARS characters)."""
    text = _show(val)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def _show(val: Val | None) -> str:
    if val is None or val.value is None:
        return "null"
    value = val.value
    if isinstance(value, Unknown):
        return "(known after apply)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value[: SHOWN_CHARS + 1]) if "\n" not in value else "<<text>>"
    if isinstance(value, list):
        return "[" + ", ".join(show(item) for item in value[:10]) + (", ..." if len(value) > 10 else "") + "]"
    if isinstance(value, dict):
        shown = list(value.items())
        return "{" + ", ".join(f"{key} = {show(item)}" for key, item in shown[:10]) + (
            ", ..." if len(shown) > 10 else "") + "}"
    return str(value)


def where(val: Val) -> str:
    return f" (via {val.via})" if val.via else ""


class Scope(Protocol):
    def variable(self, name: str) -> Val: ...

    def local(self, name: str) -> Val: ...


def evaluate(node: Any, scope: Scope, file: str) -> Val:
    """The value of an expression node, as far as it is literal."""
    line = _line(node)
    if isinstance(node, ExprTermRule):
        return evaluate(node.expression, scope, file)
    if isinstance(node, LiteralValueRule | KeywordRule):
        literal = {"true": True, "false": False, "null": None}.get(str(node.token.value), UNKNOWN)
        return Val(literal, file, line)
    if isinstance(node, IntLitRule | FloatLitRule):
        number = node.serialize()
        return Val(number if isinstance(number, int | float) else UNKNOWN, file, line)
    if isinstance(node, StringRule):
        return _string(node, scope, file, line)
    if isinstance(node, HeredocTemplateRule):  # also <<- (HeredocTrimTemplateRule)
        return _heredoc(node, file, line)
    if isinstance(node, TupleRule):
        return composite([evaluate(element, scope, file) for element in node.elements], file, line)
    if isinstance(node, ObjectRule):
        return _object(node, scope, file, line)
    if isinstance(node, FunctionCallRule):
        return _function(node, scope, file, line)
    if isinstance(node, GetAttrExprTermRule | IndexExprTermRule):
        return _reference(node, scope, file, line)
    if isinstance(node, UnaryOpRule):
        operand = evaluate(node.expr_term, scope, file)
        operator = node.operator.strip()
        if operator == "!" and isinstance(operand.value, bool):
            return Val(not operand.value, file, line)
        if operator == "-" and isinstance(operand.value, int | float) and not isinstance(operand.value, bool):
            return Val(-operand.value, file, line)
    return Val(UNKNOWN, file, line)  # conditionals, operators, for expressions, splats, directives


def composite(value: list[Val] | dict[str, Val], file: str | None, line: int | None) -> Val:
    """A list or map of values, Unknown when it would hold more than MAX_VALUE_NODES elements in all."""
    items = value.values() if isinstance(value, dict) else value
    nodes = 1 + sum(item.nodes for item in items)
    if nodes > MAX_VALUE_NODES:
        return Val(UNKNOWN, file, line)
    return Val(value, file, line, nodes=nodes)


def _line(node: Any) -> int | None:
    meta = getattr(node, "_meta", None)
    return getattr(meta, "line", None) if meta is not None else None


def _string(node: StringRule, scope: Scope, file: str, line: int | None) -> Val:
    parts: list[str] = []
    length = 0  # of the parts so far: checked before joining, so nothing too long is ever built
    for part in node.string_parts:
        content = part.content
        if isinstance(content, LarkToken):
            raw = str(content.value)
            kind = content.lark_name()
            if kind == "STRING_CHARS":
                parts.append(process_escape_sequences(raw))
            elif kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                parts.append(raw[1:])  # $${ -> ${, %%{ -> %{
            else:
                return Val(Unknown(_prefix(parts)), file, line)
            length += len(parts[-1])
            if length > MAX_STRING_CHARS:
                return Val(Unknown(_prefix(parts)), file, line)
            continue
        if isinstance(content, InterpolationRule):
            inner = evaluate(content.expression, scope, file)
            text = _as_text(inner.value)
            length += len(text) if text is not None else 0
            if text is not None and length <= MAX_STRING_CHARS:
                parts.append(text)
                continue
        return Val(Unknown(_prefix(parts)), file, line)  # an unknown part, a %{ directive }, or too long
    return Val("".join(parts), file, line)


def _prefix(parts: list[str]) -> str:
    """The literal start of a template, as much as checks need (an ARN's or an alias's beginning)."""
    prefix = ""
    for part in parts:
        prefix += part[: 1024 - len(prefix)]
        if len(prefix) >= 1024:
            break
    return prefix


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


_TEMPLATE = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")


def _heredoc(node: HeredocTemplateRule, file: str, line: int | None) -> Val:
    raw = str(node.heredoc.value)
    lines = raw.rstrip("\r\n").split("\n")
    body = [text.rstrip("\r") for text in lines[1:-1]]  # between <<MARKER and the closing MARKER
    if isinstance(node, HeredocTrimTemplateRule):
        indents = [len(text) - len(text.lstrip(" ")) for text in body if text.strip()]
        trim = min(indents, default=0)
        body = [text[trim:] for text in body]
    text = "\n".join(body)
    body_line = line + 1 if line is not None else None
    template = _TEMPLATE.search(text)
    if template:
        return Val(Unknown(text[: template.start()]), file, line, body_line=body_line, text=text)
    literal = text.replace("$${", "${").replace("%%{", "%{")
    return Val(literal + "\n" if body else "", file, line, body_line=body_line, text=literal)


def _object(node: ObjectRule, scope: Scope, file: str, line: int | None) -> Val:
    items: dict[str, Val] = {}
    for element in node.elements:
        key_node = element.key
        key: Any = None
        if isinstance(key_node, ObjectElemKeyRule):
            inner = key_node.value
            key = str(inner.serialize()) if isinstance(inner, IdentifierRule) else evaluate(inner, scope, file).value
        elif isinstance(key_node, ObjectElemKeyExpressionRule):
            key = evaluate(key_node.expression, scope, file).value
        if isinstance(key, int | float) and not isinstance(key, bool):
            key = str(key)
        if isinstance(key, str):  # an element whose key is unknown is left out
            items[key] = evaluate(element.expression, scope, file)
    return composite(items, file, line)


def _function(node: FunctionCallRule, scope: Scope, file: str, line: int | None) -> Val:
    name = "::".join(str(identifier.serialize()) for identifier in node.identifiers)
    arguments = node.arguments
    args = [evaluate(argument, scope, file) for argument in arguments.arguments] if arguments else []
    if arguments is not None and arguments.has_ellipsis:
        return Val(UNKNOWN, file, line)
    if name in _PASS_THROUGH and len(args) == 1:
        return args[0]
    if name == "tostring" and len(args) == 1:
        text = _as_text(args[0].value)
        return replace(args[0], value=text) if text is not None else Val(UNKNOWN, file, line)
    if name in ("lower", "upper", "trimspace") and len(args) == 1 and isinstance(args[0].value, str):
        return replace(args[0], value=getattr(str, {"trimspace": "strip"}.get(name, name))(args[0].value))
    if name == "merge" and args and all(isinstance(arg.value, dict) for arg in args):
        if sum(arg.nodes for arg in args) > MAX_VALUE_NODES:  # before building it
            return Val(UNKNOWN, file, line)
        merged: dict[str, Val] = {}
        for arg in args:
            merged.update(arg.value)
        return composite(merged, file, line)
    if name == "concat" and args and all(isinstance(arg.value, list) for arg in args):
        if sum(arg.nodes for arg in args) > MAX_VALUE_NODES:
            return Val(UNKNOWN, file, line)
        return composite([item for arg in args for item in arg.value], file, line)
    return Val(UNKNOWN, file, line)


# Functions that return their argument unchanged as far as the checks care (jsonencode keeps the
# structure: policy and secret checks read it as the JSON document it becomes).
_PASS_THROUGH = {"jsonencode", "sensitive", "nonsensitive", "tolist", "toset", "tomap"}


def _reference(node: Any, scope: Scope, file: str, line: int | None) -> Val:
    root, steps = _traversal(node)
    if root in ("var", "local") and steps and steps[0][0] == "attr":
        name = steps[0][1]
        found = scope.variable(name) if root == "var" else scope.local(name)
        found = replace(found, via=f"{root}.{name}")
        for kind, step in steps[1:]:
            key = step if kind == "attr" else evaluate(step, scope, file).value
            found = _index(found, key)
        return found
    return Val(UNKNOWN, file, line)


def _traversal(node: Any) -> tuple[str | None, list[tuple[str, Any]]]:
    """``var.a.b[0]`` -> ("var", [("attr", "a"), ("attr", "b"), ("index", <0>)])."""
    if isinstance(node, ExprTermRule) and not node.parentheses:
        return _traversal(node.expression)
    if isinstance(node, IdentifierRule):
        return str(node.serialize()), []
    if isinstance(node, GetAttrExprTermRule):
        root, steps = _traversal(node.expr_term)
        return root, [*steps, ("attr", str(node.get_attr.identifier.serialize()))]
    if isinstance(node, IndexExprTermRule):
        root, steps = _traversal(node.children[0])
        return root, [*steps, ("index", node.children[1].index_expression)]
    return None, []


def _index(val: Val, key: Any) -> Val:
    value = val.value
    if isinstance(value, dict) and isinstance(key, str) and key in value:
        return replace(value[key], via=val.via)
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(value):
        return replace(value[key], via=val.via)
    return Val(UNKNOWN, val.file, val.line, via=val.via)


def reference_target(node: Any) -> str | None:
    """``aws_x.y.arn`` or ``aws_x.y[0].arn`` -> ``aws_x.y`` (``data.aws_x.y`` likewise): the resource an
    expression is nothing but an attribute of; None for anything else (variables, conditionals, functions)."""
    root, steps = _traversal(node)
    if root is None or root in ("var", "local", "each", "count", "path", "module", "self", "terraform"):
        return None
    kinds = [kind for kind, _ in steps]
    names = [step for kind, step in steps if kind == "attr"]
    if root == "data":
        if kinds in (["attr", "attr", "attr"], ["attr", "attr", "index", "attr"]):
            return f"data.{names[0]}.{names[1]}"
        return None
    if kinds in (["attr", "attr"], ["attr", "index", "attr"]):
        return f"{root}.{names[0]}"
    return None


def references(node: Any) -> set[str]:
    """Resource addresses an expression mentions (``aws_x.y``, ``data.aws_x.y``), for linking resources."""
    found: set[str] = set()
    _collect_references(node, found)
    return found


def _collect_references(node: Any, found: set[str]) -> None:
    if isinstance(node, GetAttrExprTermRule | IndexExprTermRule):
        root, steps = _traversal(node)
        names = [step for kind, step in steps if kind == "attr"]
        if root == "data" and len(names) >= 2:
            found.add(f"data.{names[0]}.{names[1]}")
        elif root and root not in ("var", "local", "each", "count", "path", "module", "self") and names:
            found.add(f"{root}.{names[0]}")
    for child in getattr(node, "children", None) or []:
        if child is not None and not isinstance(child, LarkToken):
            _collect_references(child, found)


def json_value(val: Val) -> Val | None:
    """A string holding JSON (a heredoc policy) as values, each on the line it is written on; None if not JSON."""
    if not isinstance(val.value, str) or len(val.value) > MAX_JSON_CHARS:
        return None
    try:
        data = json.loads(val.value)
    except (TypeError, ValueError, RecursionError):
        return None
    return _JsonLines(val).convert(data)


class _JsonLines:
    """Walks parsed JSON in document order with a cursor over the text, so equal values get their own lines."""

    def __init__(self, source: Val) -> None:
        self.source = source
        self.lines = source.text_lines()
        self.at = 0
        # Lines a search may still look at: a value whose text is spelled otherwise ("\u0061" for "a")
        # is never found, and searching to the end for each of 20,000 such values took minutes.
        self.budget = 8 * len(self.lines) + 10_000

    def _find(self, needle: str) -> int | None:
        end = min(len(self.lines), self.at + self.budget)
        for index in range(self.at, end):
            if needle in self.lines[index][1]:
                self.budget -= index - self.at
                self.at = index
                return self.lines[index][0]
        self.budget -= end - self.at
        return self._here()

    def _here(self) -> int | None:
        return self.lines[self.at][0] if self.lines else self.source.line

    def convert(self, data: Any) -> Val:
        source = self.source
        if isinstance(data, dict):
            line = self._here()
            items = {}
            for key, value in data.items():
                self._find(json.dumps(key))
                items[str(key)] = self.convert(value)
            return replace(composite(items, source.file, line), via=source.via)
        if isinstance(data, list):
            line = self._here()
            return replace(composite([self.convert(value) for value in data], source.file, line), via=source.via)
        line = self._find(json.dumps(data)) if isinstance(data, str) else self._here()
        return Val(data, source.file, line, via=source.via)
