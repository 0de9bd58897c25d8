"""What the Terraform checks share: where findings go (deduplicated), and small readers of nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mskctl.audit.model import Finding, Layer, Location
from mskctl.audit.rules import RULES
from mskctl.audit.terraform.nodes import Node
from mskctl.audit.terraform.values import Val

_INDEX = re.compile(r"\[[^\]]*\]")


def strip_index(address: str) -> str:
    """``aws_x.y["a"]`` -> ``aws_x.y``: a plan names instances, the code names resources."""
    return _INDEX.sub("", address)


def strip_own_index(address: str) -> str:
    """``module.m["a"].aws_x.y[0]`` -> ``module.m["a"].aws_x.y``: the resource within its module instance."""
    return re.sub(r"\[[^\]]*\]$", "", address)


@dataclass
class Context:
    """What a check needs to know about other resources."""

    associated_secrets: set[str] = field(default_factory=set)  # secrets a SCRAM association gives a cluster
    msk_secrets: set[str] = field(default_factory=set)  # the above, and secrets named AmazonMSK_...
    # aws_msk_configuration resources by address without their own index (module instance keys kept)
    configurations: dict[str, list[Node]] = field(default_factory=dict)


class Findings:
    """Findings of the layer: one per (file, line, rule); a plan's only where the files said nothing."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.checked: set[str] = set()
        self._seen: set[tuple[object, ...]] = set()
        self._from_files: set[tuple[str, str]] = set()  # (resource address, rule)

    def evaluated(self, *rule_ids: str) -> None:
        unknown = set(rule_ids) - RULES.keys()
        if unknown:  # a check naming a rule that does not exist is a bug, not a pass
            raise KeyError(f"no such rule: {', '.join(sorted(unknown))}")
        self.checked.update(rule_ids)

    def report(self, rule_id: str, node: Node, message: str, fix: str = "", *, at: Val | Node | None = None,
               line: int | None = None) -> None:
        """A finding on ``node``, at the value (or block) ``at`` when given, at ``line`` inside it if given."""
        file, where = node.file, node.line
        if at is not None and at.file is not None:
            file, where = at.file, at.line
        if line is not None:
            where = line
        resource = strip_index(node.address)
        if file is None:  # from a plan
            if (resource, rule_id) in self._from_files:
                return
            key: tuple[object, ...] = ("plan", node.address, rule_id)
        else:
            key = (file, where, rule_id)
            self._from_files.add((resource, rule_id))
        if key in self._seen:
            return
        self._seen.add(key)
        self.checked.add(rule_id)
        self.items.append(Finding(rule=RULES[rule_id], layer=Layer.terraform,
                                  location=Location(file=file, line=where if file else None, name=node.address),
                                  message=message, fix=fix))


def first(node: Node | None, name: str) -> Node | None:
    """The first nested block called ``name`` (possibly a ``maybe`` one), or None."""
    if node is None or node.maybe:
        return None
    found = node.blocks(name)
    return found[0] if found else None


def sure(node: Node | None, name: str) -> list[Node]:
    """The nested blocks called ``name`` that certainly exist."""
    if node is None or node.maybe:
        return []
    return [block for block in node.blocks(name) if not block.maybe]


def flag(val: Val | None, default: bool) -> bool | None:
    """A boolean attribute: its value, the provider's default when not set, None when unknown."""
    if val is None:
        return default
    return val.value if isinstance(val.value, bool) else None


def text(val: Val | None) -> str | None:
    """A string attribute's value when known."""
    return val.value if val is not None and isinstance(val.value, str) else None


def items(val: Val | None) -> list[Val]:
    """The known elements of a list attribute (a single value counts as a list of one)."""
    if val is None or not val.known:
        return []
    elements = val.value if isinstance(val.value, list) else [val]
    return [element for element in elements if element.known]


def none_on(states: list[bool | None]) -> bool:
    """True when every state is known and none is on (an empty list: nothing is on)."""
    return all(state is False for state in states)
