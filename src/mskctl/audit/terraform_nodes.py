"""What the checks read: a resource (or one of its nested blocks), from .tf files or from a plan.

Both sources look the same to a check: ``attr`` gives a :class:`Val` (None when not set), ``blocks``
the nested blocks. A block that may or may not exist (a ``dynamic`` block whose ``for_each`` is not
known) has ``maybe`` set: checks treat it as possibly present and its values as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from mskctl.audit.terraform_values import UNKNOWN, Val


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
        return [self.child(item, item, maybe=self.maybe) for item in items if isinstance(item.value, dict)]

    def child(self, value: Val, at: Val, maybe: bool) -> ValNode:
        return ValNode(mode=self.mode, type=self.type, address=self.address, module=self.module, value=value,
                       file=at.file or self.file, line=at.line or self.line, maybe=maybe,
                       literals=None if self.literals is None else {})

    def references(self, name: str) -> set[str]:
        return self.refs.get(name, set())

    def literal(self, name: str) -> Val | None:
        if self.literals is None:
            return self.attr(name)
        return self.literals.get(name)
