"""What the checks read: a resource (or one of its nested blocks), from .tf files or from a plan.

Both sources look the same to a check: ``attr`` gives a :class:`Val` (None when not set), ``blocks``
the nested blocks. A block that may or may not exist (a ``dynamic`` block whose ``for_each`` is not
known) has ``maybe`` set: checks treat it as possibly present and its values as unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from mskctl.audit.terraform.values import UNKNOWN, Val


class Node(Protocol):
    mode: str  # "managed" (resource) or "data"
    type: str  # aws_msk_cluster, ...
    address: str  # module.kafka.aws_msk_cluster.this
    module: str  # the address prefix of the module instance: "" or "module.kafka."
    file: str | None
    line: int | None
    maybe: bool

    def attr(self, name: str) -> Val | None: ...

    def blocks(self, name: str) -> list[Node]: ...

    def references(self, name: str) -> set[str]:
        """Addresses (with the module prefix) of the resources an attribute refers to."""
        ...

    def literal(self, name: str) -> Val | None:
        """The attribute's value only when it is written in the code (not computed by a plan)."""
        ...

    def target(self, name: str) -> str | None:
        """The address (with the module prefix, without the resource's own index) of the resource the
        attribute is nothing but an attribute of (``arn = aws_msk_configuration.main.arn``); else None."""
        ...


@dataclass
class ValNode:
    """A resource or block given as a known object: a plan's values, or ``ingress = [{...}]``."""

    mode: str
    type: str
    address: str
    module: str
    value: Val
    file: str | None = None
    line: int | None = None
    maybe: bool = False
    refs: dict[str, set[str]] = field(default_factory=dict)
    literals: dict[str, Val] | None = None  # None: every known value is literal (it came from the code)
    expressions: Any = None  # a plan's configuration of this object: {name: {"references": [...]}, block: [...]}

    def attr(self, name: str) -> Val | None:
        if self.maybe or not isinstance(self.value.value, dict):
            return Val(UNKNOWN, self.file, self.line)
        found = self.value.value.get(name)
        return None if found is None or found.value is None else found

    def blocks(self, name: str) -> list[Node]:
        found = self.value.value.get(name) if isinstance(self.value.value, dict) else None
        if found is None:
            return []
        if not found.known:
            return [self.child(Val({}), found, maybe=True)]
        items = found.value if isinstance(found.value, list) else [found]
        nested = self.expressions.get(name) if isinstance(self.expressions, dict) else None
        configured = nested if isinstance(nested, list) and len(nested) == len(items) else [None] * len(items)
        return [self.child(item, item, maybe=self.maybe, expressions=expressions)
                for item, expressions in zip(items, configured, strict=True) if isinstance(item.value, dict)]

    def child(self, value: Val, at: Val, maybe: bool, expressions: Any = None) -> ValNode:
        return ValNode(mode=self.mode, type=self.type, address=self.address, module=self.module, value=value,
                       file=at.file or self.file, line=at.line or self.line, maybe=maybe,
                       literals=None if self.literals is None else {}, expressions=expressions)

    def references(self, name: str) -> set[str]:
        return self.refs.get(name, set())

    def literal(self, name: str) -> Val | None:
        if self.literals is None:
            return self.attr(name)
        return self.literals.get(name)

    def target(self, name: str) -> str | None:
        # A plan lists what an expression refers to, not how: every reference must name the same resource.
        expression = self.expressions.get(name) if isinstance(self.expressions, dict) and not self.maybe else None
        found = expression.get("references") if isinstance(expression, dict) else None
        if not isinstance(found, list) or not found or "constant_value" in expression:
            return None
        resources = {_resource(reference) for reference in found}
        resource = resources.pop() if len(resources) == 1 else None
        return f"{self.module}{resource}" if resource else None


_NOT_RESOURCES = ("var", "local", "each", "count", "path", "module", "self", "terraform")


def _resource(reference: Any) -> str | None:
    """``aws_x.y[0].arn`` -> ``aws_x.y``, ``data.aws_x.y.id`` -> ``data.aws_x.y``; None for anything else."""
    if not isinstance(reference, str):
        return None
    parts = re.sub(r"\[[^\]]*\]", "", reference).split(".")
    if parts[0] in _NOT_RESOURCES:
        return None
    size = 3 if parts[0] == "data" else 2
    return ".".join(parts[:size]) if len(parts) >= size else None
