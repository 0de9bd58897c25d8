"""Resources of a plan in JSON (``terraform show -json plan.out``, ``tofu show -json``) as check nodes.

The plan has every value Terraform resolved, so variables, modules and functions are no longer in the
way; what is only known after apply is marked unknown (``after_unknown``). Its ``configuration``
section tells what the code sets: an unknown value the code does not set is a provider default, that
is: not set. A plan has no file or line numbers: findings name the resource address.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mskctl.access.loader import read_text
from mskctl.audit.terraform.findings import strip_index
from mskctl.audit.terraform.nodes import Node, ValNode
from mskctl.audit.terraform.values import UNKNOWN, Val
from mskctl.errors import InputError

PLAN_HINT = "Give the JSON of a saved plan: `terraform show -json plan.out > plan.json` (or `tofu show -json`)."


def plan_nodes(path: Path, display: str) -> list[Node]:
    data = _load(path, display)
    try:
        return _nodes(data)
    except RecursionError:
        raise InputError(f"Plan {display} is nested too deeply to be a Terraform plan.", hint=PLAN_HINT) from None


def _nodes(data: dict[str, Any]) -> list[Node]:
    configurations = _configurations((data.get("configuration") or {}).get("root_module") or {}, "")
    nodes: list[Node] = []
    covered: set[str] = set()
    for change in data.get("resource_changes") or []:
        after = (change.get("change") or {}).get("after") if isinstance(change, dict) else None
        if not isinstance(after, dict):
            continue  # deleted, or not a resource
        covered.add(change.get("address", ""))
        unknown = (change.get("change") or {}).get("after_unknown") or {}
        nodes.append(_node(change, change.get("module_address"), after, unknown, configurations))
    # What the plan does not change (data sources read at plan time, resources without changes).
    for section in ("planned_values", "prior_state"):
        state = data.get(section) or {}
        root = state.get("values", state) if section == "prior_state" else state
        for resource, module_address in _state_resources(root.get("root_module") or {}):
            if resource.get("address") not in covered and isinstance(resource.get("values"), dict):
                covered.add(resource["address"])
                nodes.append(_node(resource, module_address, resource["values"], {}, configurations))
    return nodes


def _load(path: Path, display: str) -> dict[str, Any]:
    text = read_text(path, "plan", PLAN_HINT)  # bounded: /dev/zero or a FIFO as --plan never ends
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"Plan {display} is not JSON: {exc}.", hint=PLAN_HINT) from None
    except RecursionError:
        raise InputError(f"Plan {display} is nested too deeply to be a Terraform plan.", hint=PLAN_HINT) from None
    if not isinstance(data, dict) or "format_version" not in data or not (
            "resource_changes" in data or "planned_values" in data):
        raise InputError(f"Plan {display} is not a plan in JSON (no format_version, resource_changes or "
                         "planned_values).", hint=PLAN_HINT)
    if problem := _shape_problem(data):
        # A plan the audit cannot read must not pass as a clean one (exit 0): it is refused, saying where.
        raise InputError(f"Plan {display} is not a Terraform plan: {problem}.", hint=PLAN_HINT)
    return data


# What each part of a plan must be for the audit to read it (Terraform's JSON output format).
_MODULE_LISTS = ("resources", "child_modules")


def _shape_problem(data: dict[str, Any]) -> str | None:
    """The first place where the plan does not have the shape of ``terraform show -json``, or None."""
    checks = [_changes_problem(data.get("resource_changes"))]
    for section in ("planned_values", "prior_state"):
        state = data.get(section)
        if state is not None and not isinstance(state, dict):
            return f"{section} is {_kind(state)}, not an object"
        root = (state or {}).get("values", state) if section == "prior_state" else state
        checks.append(_state_problem((root or {}).get("root_module"), f"{section}.root_module"))
    configuration = data.get("configuration")
    if configuration is not None and not isinstance(configuration, dict):
        return f"configuration is {_kind(configuration)}, not an object"
    checks.append(_configuration_problem((configuration or {}).get("root_module"), "configuration.root_module"))
    return next((problem for problem in checks if problem), None)


def _changes_problem(changes: Any) -> str | None:
    if changes is None:
        return None
    if not isinstance(changes, list):
        return f"resource_changes is {_kind(changes)}, not a list"
    for index, change in enumerate(changes):
        where = f"resource_changes[{index}]"
        if not isinstance(change, dict):
            return f"{where} is {_kind(change)}, not an object"
        if not isinstance(change.get("change", {}), dict):
            return f"{where}.change is {_kind(change['change'])}, not an object"
        if not isinstance(change.get("address", ""), str):
            return f"{where}.address is {_kind(change['address'])}, not a string"
    return None


def _state_problem(module: Any, where: str) -> str | None:
    if module is None:
        return None
    if not isinstance(module, dict):
        return f"{where} is {_kind(module)}, not an object"
    for key in _MODULE_LISTS:
        items = module.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return f"{where}.{key} is not a list of objects"
    for index, child in enumerate(module.get("child_modules", [])):
        if problem := _state_problem(child, f"{where}.child_modules[{index}]"):
            return problem
    return None


def _configuration_problem(module: Any, where: str) -> str | None:
    if module is None:
        return None
    if not isinstance(module, dict):
        return f"{where} is {_kind(module)}, not an object"
    resources = module.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(item, dict) for item in resources):
        return f"{where}.resources is not a list of objects"
    calls = module.get("module_calls", {})
    if not isinstance(calls, dict) or not all(isinstance(call, dict) for call in calls.values()):
        return f"{where}.module_calls is not an object of module calls"
    for name, call in calls.items():
        if problem := _configuration_problem(call.get("module"), f"{where}.module_calls.{name}.module"):
            return problem
    return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _configurations(module: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """Resource address (no instance keys) -> its configuration (expressions), through module calls."""
    found = {f"{prefix}{resource.get('address')}": resource for resource in module.get("resources") or []
             if isinstance(resource, dict)}
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict):
            found.update(_configurations(call.get("module") or {}, f"{prefix}module.{name}."))
    return found


def _state_resources(module: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
    found = [(resource, module.get("address")) for resource in module.get("resources") or []
             if isinstance(resource, dict)]
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            found.extend(_state_resources(child))
    return found


def _node(resource: dict[str, Any], module_address: str | None, values: dict[str, Any], unknown: Any,
          configurations: dict[str, dict[str, Any]]) -> ValNode:
    address = str(resource.get("address", ""))
    prefix = f"{module_address}." if module_address else ""
    configuration = configurations.get(strip_index(address))
    expressions = configuration.get("expressions") if configuration else None
    literals = {name: Val(expression["constant_value"]) for name, expression in (expressions or {}).items()
                if isinstance(expression, dict) and "constant_value" in expression}
    refs = {name: {_address(prefix, reference) for reference in expression.get("references") or []}
            for name, expression in (expressions or {}).items() if isinstance(expression, dict)}
    return ValNode(mode=str(resource.get("mode", "managed")), type=str(resource.get("type", "")), address=address,
                   module=prefix, value=_value(values, unknown, expressions), refs=refs, literals=literals,
                   expressions=expressions)


def _address(prefix: str, reference: str) -> str:
    """``aws_x.y.arn`` -> ``<prefix>aws_x.y``; ``data.aws_x.y.json`` -> ``<prefix>data.aws_x.y``."""
    parts = strip_index(reference).split(".")
    return prefix + ".".join(parts[:3] if parts[0] == "data" else parts[:2])


def _value(raw: Any, unknown: Any, expressions: Any) -> Val:
    """A plan value as a Val tree; ``unknown`` mirrors it with true where the value is known after apply."""
    if unknown is True:
        return Val(UNKNOWN)
    if isinstance(raw, dict) or isinstance(unknown, dict):
        raw = raw if isinstance(raw, dict) else {}
        unknown = unknown if isinstance(unknown, dict) else {}
        configured = expressions if isinstance(expressions, dict) else None
        result: dict[str, Val] = {}
        for key in {*raw, *unknown}:
            if unknown.get(key) is True and configured is not None and key not in configured:
                result[key] = Val(None)  # computed by the provider because the code does not set it
                continue
            result[key] = _value(raw.get(key), unknown.get(key), _nested(configured, key))
        return Val(result)
    if isinstance(raw, list):
        unknowns = unknown if isinstance(unknown, list) else []
        nested = expressions if isinstance(expressions, list) else []
        return Val([_value(item, unknowns[index] if index < len(unknowns) else None,
                           nested[index] if index < len(nested) else None) for index, item in enumerate(raw)])
    return Val(raw)


def _nested(expressions: dict[str, Any] | None, key: str) -> Any:
    """The configuration of a nested block (a list of expression objects), or None for an attribute."""
    found = expressions.get(key) if expressions else None
    return found if isinstance(found, list) else None
