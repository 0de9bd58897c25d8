"""Evaluate a Terraform module's expressions with given inputs, as `tofu plan` would, far enough to
render the module's IAM policy documents.

The audit layer's evaluator (mskctl.audit.terraform.values) stops at what is certain without inputs:
conditionals, ``for`` expressions and most functions are unknown there. Here every input is given (a
module's own ``tofu test`` variables and resource overrides), so they are evaluated. Resource attributes
that no override names become a visible placeholder string, never a guess.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hcl2.rules.abstract import LarkToken
from hcl2.rules.containers import ObjectElemKeyExpressionRule, ObjectElemKeyRule, ObjectRule, TupleRule
from hcl2.rules.expressions import BinaryOpRule, ConditionalRule, ExprTermRule, UnaryOpRule
from hcl2.rules.for_expressions import ForObjectExprRule, ForTupleExprRule
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.indexing import GetAttrExprTermRule, IndexExprTermRule, ShortIndexRule, SqbIndexRule
from hcl2.rules.literal_rules import FloatLitRule, IdentifierRule, IntLitRule, KeywordRule, LiteralValueRule
from hcl2.rules.strings import HeredocTemplateRule, InterpolationRule, StringRule
from hcl2.utils import process_escape_sequences

from mskctl.audit.terraform.hcl import Block, parse_file


class NotEvaluable(Exception):
    """An expression this evaluator does not cover; the message names it."""


def placeholder(address: str) -> str:
    return f"(known after apply: {address})"


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    block: Block
    file: Path
    data: bool = False  # a data source: addressed as data.<type>.<name>

    @property
    def address(self) -> str:
        return f"{'data.' if self.data else ''}{self.type}.{self.name}"


@dataclass
class Module:
    """One module directory: its variables' defaults, locals and resources."""

    directory: Path | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    data: list[Resource] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path) -> Module:
        module = cls(directory)
        for path in sorted(directory.glob("*.tf")):
            for block in parse_file(path, str(path)).blocks:
                if block.type == "variable" and "default" in block.attributes:
                    module.defaults[block.labels[0]] = block.attributes["default"].expr
                elif block.type == "locals":
                    module.locals.update({name: attr.expr for name, attr in block.attributes.items()})
                elif block.type == "resource":
                    module.resources.append(Resource(block.labels[0], block.labels[1], block, path))
                elif block.type == "data":
                    module.data.append(Resource(block.labels[0], block.labels[1], block, path, data=True))
        return module


class Evaluator:
    """Values of a module's expressions for one set of inputs."""

    def __init__(self, module: Module, variables: dict[str, Any], overrides: dict[str, dict[str, Any]]) -> None:
        self.module = module
        self.variables = variables
        self.overrides = overrides
        self._locals: dict[str, Any] = {}

    def variable(self, name: str) -> Any:
        if name in self.variables:
            return self.variables[name]
        if name in self.module.defaults:
            return self.value(self.module.defaults[name])
        raise NotEvaluable(f"var.{name} has no value and no default")

    def local(self, name: str) -> Any:
        if name not in self._locals:
            if name not in self.module.locals:
                raise NotEvaluable(f"local.{name} is not defined")
            self._locals[name] = self.value(self.module.locals[name])
        return self._locals[name]

    def value(self, node: Any, scope: dict[str, Any] | None = None) -> Any:
        return _Eval(self, scope or {}).run(node)


class _Eval:
    def __init__(self, ev: Evaluator, scope: dict[str, Any]) -> None:
        self.ev = ev
        self.scope = scope

    def run(self, node: Any) -> Any:  # one branch per expression kind
        if isinstance(node, ExprTermRule):
            return self.run(node.expression)
        if isinstance(node, LiteralValueRule | KeywordRule):
            return {"true": True, "false": False, "null": None}[str(node.token.value)]
        if isinstance(node, IntLitRule | FloatLitRule):
            return node.serialize()
        if isinstance(node, StringRule):
            return self._string(node)
        if isinstance(node, HeredocTemplateRule):
            text = str(node.heredoc.value)
            if "${" in text or "%{" in text:
                raise NotEvaluable("a heredoc template")
            return "\n".join(text.rstrip("\n").split("\n")[1:-1]) + "\n"
        if isinstance(node, TupleRule):
            return [self.run(element) for element in node.elements]
        if isinstance(node, ObjectRule):
            return {self._key(element.key): self.run(element.expression) for element in node.elements}
        if isinstance(node, FunctionCallRule):
            return self._function(node)
        if isinstance(node, ConditionalRule):
            condition = self.run(node.condition)
            if not isinstance(condition, bool):
                raise NotEvaluable(f"a condition that is not a bool: {condition!r}")
            return self.run(node.if_true if condition else node.if_false)
        if isinstance(node, BinaryOpRule):
            return self._binary(node)
        if isinstance(node, UnaryOpRule):
            operand = self.run(node.expr_term)
            return (not operand) if node.operator.strip() == "!" else -operand
        if isinstance(node, ForTupleExprRule | ForObjectExprRule):
            return self._for(node)
        if isinstance(node, IdentifierRule | GetAttrExprTermRule | IndexExprTermRule):
            return self._reference(node)
        raise NotEvaluable(f"{type(node).__name__}: {node.serialize()}")

    def _string(self, node: StringRule) -> str:
        parts: list[str] = []
        for part in node.string_parts:
            content = part.content
            if isinstance(content, InterpolationRule):
                parts.append(_text(self.run(content.expression)))
            elif isinstance(content, LarkToken) and content.lark_name() == "STRING_CHARS":
                parts.append(process_escape_sequences(str(content.value)))
            elif isinstance(content, LarkToken) and content.lark_name().startswith("ESCAPED_"):
                parts.append(str(content.value)[1:])
            else:
                raise NotEvaluable(f"a template directive in {node.serialize()}")
        return "".join(parts)

    def _key(self, key_node: Any) -> str:
        if isinstance(key_node, ObjectElemKeyRule):
            inner = key_node.value
            return str(inner.serialize()) if isinstance(inner, IdentifierRule) else _text(self.run(inner))
        if isinstance(key_node, ObjectElemKeyExpressionRule):
            return _text(self.run(key_node.expression))
        raise NotEvaluable(f"object key {key_node!r}")

    def _binary(self, node: BinaryOpRule) -> Any:
        operator = str(node.binary_term.binary_operator.serialize()).strip()
        left = self.run(node.expr_term)
        if operator == "&&" and left is False:
            return False
        if operator == "||" and left is True:
            return True
        right = self.run(node.binary_term.expr_term)
        operations: dict[str, Callable[[Any, Any], Any]] = {
            "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
            "&&": lambda a, b: a and b, "||": lambda a, b: a or b, "+": lambda a, b: a + b,
            "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b, "%": lambda a, b: a % b,
        }
        if operator not in operations:
            raise NotEvaluable(f"operator {operator}")
        return operations[operator](left, right)

    def _for(self, node: ForTupleExprRule | ForObjectExprRule) -> Any:
        intro = node.for_intro
        iterable = self.run(intro.iterable)
        first = str(intro.first_iterator.serialize())
        second = str(intro.second_iterator.serialize()) if intro.second_iterator is not None else None
        pairs = list(iterable.items()) if isinstance(iterable, dict) else list(enumerate(iterable))
        tuple_out: list[Any] = []
        object_out: dict[str, Any] = {}
        for key, item in pairs:
            scope = {**self.scope, **({first: key, second: item} if second else {first: item})}
            inner = _Eval(self.ev, scope)
            if node.condition is not None and not inner.run(node.condition.condition_expr):
                continue
            if isinstance(node, ForTupleExprRule):
                tuple_out.append(inner.run(node.value_expr))
            else:
                if node.ellipsis is not None:
                    raise NotEvaluable("a grouping for expression (...)")
                object_out[_text(inner.run(node.key_expr))] = inner.run(node.value_expr)
        return tuple_out if isinstance(node, ForTupleExprRule) else object_out

    def _reference(self, node: Any) -> Any:
        root, steps = self._traversal(node)
        if root is None:  # an attribute or index of a computed value: split(":", arn)[4]
            return _walk(steps[0][1], steps[1:])
        if root in self.scope:
            return _walk(self.scope[root], steps)
        names = [step for kind, step in steps if kind == "attr"]
        if root == "var" and names:
            return _walk(self.ev.variable(names[0]), steps[1:])
        if root == "local" and names:
            return _walk(self.ev.local(names[0]), steps[1:])
        if root in ("count", "each", "self", "path", "terraform", "module"):
            raise NotEvaluable(f"{root}.* references")
        address = f"data.{names[0]}.{names[1]}" if root == "data" else f"{root}.{names[0]}"
        attributes = [step for kind, step in steps[2 if root == "data" else 1:] if kind == "attr"]
        values = self.ev.overrides.get(address, {})
        if attributes and attributes[0] in values:
            return values[attributes[0]]
        return placeholder(".".join([address, *map(str, attributes)]))

    def _traversal(self, node: Any) -> tuple[str | None, list[tuple[str, Any]]]:
        """``var.a.b[0]`` -> ("var", [("attr", "a"), ("attr", "b"), ("index", 0)]); a root that is not a
        name is evaluated: (None, [("value", <its value>), ...])."""
        if isinstance(node, ExprTermRule) and not node.parentheses:
            return self._traversal(node.expression)
        if isinstance(node, IdentifierRule):
            return str(node.serialize()), []
        if isinstance(node, GetAttrExprTermRule):
            root, steps = self._traversal(node.expr_term)
            return root, [*steps, ("attr", str(node.get_attr.identifier.serialize()))]
        if isinstance(node, IndexExprTermRule):
            root, steps = self._traversal(node.children[0])
            index = node.children[1]
            if isinstance(index, SqbIndexRule):
                return root, [*steps, ("index", self.run(index.index_expression))]
            if isinstance(index, ShortIndexRule):
                return root, [*steps, ("index", int(str(index.index.serialize())))]
            raise NotEvaluable(f"index {node.serialize()}")
        return None, [("value", self.run(node))]

    def _function(self, node: FunctionCallRule) -> Any:
        name = "::".join(str(identifier.serialize()) for identifier in node.identifiers)
        arguments = node.arguments.arguments if node.arguments else []
        if node.arguments is not None and node.arguments.has_ellipsis:
            raise NotEvaluable(f"{name}(...) with an expanded argument")
        if name == "try":
            for argument in arguments:
                try:
                    return self.run(argument)
                except (NotEvaluable, KeyError, IndexError, TypeError):
                    continue
            raise NotEvaluable("try() with no evaluable argument")
        if name not in FUNCTIONS:
            raise NotEvaluable(f"function {name}()")
        return FUNCTIONS[name](*[self.run(argument) for argument in arguments])


def _walk(value: Any, steps: list[tuple[str, Any]]) -> Any:
    for _, step in steps:
        if isinstance(value, str) and value.startswith("(known after apply"):
            return value
        value = value[step]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise NotEvaluable(f"{value!r} is not a string")


def _replace(text: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        raise NotEvaluable("replace() with a regular expression")
    return text.replace(old, new)


def _flatten(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _merge(*maps: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in maps:
        merged.update(item)
    return merged


# Terraform's functions the modules' policy expressions use, with Terraform's argument order.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda value: json.dumps(value, separators=(",", ":")),
    "jsondecode": json.loads,
    "replace": _replace,
    "split": lambda separator, text: text.split(separator),
    "join": lambda separator, items: separator.join(items),
    "length": len,
    "concat": lambda *lists: [item for items in lists for item in items],
    "merge": _merge,
    "flatten": _flatten,
    "contains": lambda items, value: value in items,
    "coalesce": lambda *values: next(value for value in values if value not in (None, "")),
    "substr": lambda text, offset, length: text[offset:] if length == -1 else text[offset:offset + length],
    "lower": str.lower,
    "upper": str.upper,
    "tostring": _text,
    "tolist": list,
    "toset": lambda items: sorted(set(items)),
    "distinct": lambda items: list(dict.fromkeys(items)),
    "startswith": str.startswith,
    "endswith": str.endswith,
    "strcontains": lambda text, part: part in text,
    "anytrue": any,
    "alltrue": all,
    "compact": lambda items: [item for item in items if item not in (None, "")],
}
