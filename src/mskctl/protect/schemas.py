"""Fields marked in a schema: Avro (``.avsc``) or JSON Schema files, tags as JSON paths.

A field is tagged by ``"pii": true`` (tag ``pii``), ``"tags": [...]`` or Confluent's
``"confluent:tags": [...]``, on the field or on its type. Tags compare case-insensitively.
Records map to JSON objects, arrays to ``[*]``, Avro maps and JSON Schema's
``additionalProperties`` to ``[*]`` over members; Avro unions and ``anyOf``/``oneOf``/``allOf``
are searched in every branch (the records are plain JSON, not Avro's JSON encoding).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mskctl.protect.paths import WILDCARD, Step, render

MAX_DEPTH = 32


class SchemaError(ValueError):
    pass


def tagged_fields(path: Path) -> dict[str, list[str]]:
    """tag -> canonical JSON paths of the fields carrying it."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path} is not JSON: {exc}") from None
    found: dict[str, set[str]] = {}
    if path.suffix == ".avsc" or _looks_avro(document):
        _avro(document, (), found, {}, 0)
    else:
        _json_schema(document, document, (), found, 0)
    return {tag: sorted(texts) for tag, texts in found.items()}


def _looks_avro(document: Any) -> bool:
    return isinstance(document, dict) and document.get("type") == "record" and "fields" in document


def _tags_of(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    tags = {str(t).lower() for key in ("tags", "confluent:tags") for t in (node.get(key) or [])
            if isinstance(node.get(key), list)}
    if node.get("pii") is True:
        tags.add("pii")
    return tags


def _mark(tags: set[str], steps: tuple[Step, ...], found: dict[str, set[str]]) -> None:
    if steps:
        for tag in tags:
            found.setdefault(tag, set()).add(render(steps))


def _avro(schema: Any, steps: tuple[Step, ...], found: dict[str, set[str]], named: dict[str, Any],
          depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(schema, str):
        if schema in named and named[schema] is not None:
            record, named[schema] = named[schema], None  # recursive types: searched once
            _avro(record, steps, found, named, depth + 1)
            named[schema] = record
        return
    if isinstance(schema, list):
        for branch in schema:
            _avro(branch, steps, found, named, depth + 1)
        return
    if not isinstance(schema, dict):
        return
    _mark(_tags_of(schema), steps, found)
    kind = schema.get("type")
    if kind == "record":
        name = schema.get("name")
        if isinstance(name, str):
            named[name] = schema
            if schema.get("namespace"):
                named[f"{schema['namespace']}.{name}"] = schema
        for field in schema.get("fields") or []:
            if isinstance(field, dict) and isinstance(field.get("name"), str):
                at = (*steps, field["name"])
                _mark(_tags_of(field), at, found)
                _avro(field.get("type"), at, found, named, depth + 1)
    elif kind == "array":
        _avro(schema.get("items"), (*steps, WILDCARD), found, named, depth + 1)
    elif kind == "map":
        _avro(schema.get("values"), (*steps, WILDCARD), found, named, depth + 1)
    elif isinstance(kind, dict | list):
        _avro(kind, steps, found, named, depth + 1)


def _json_schema(node: Any, root: Any, steps: tuple[Step, ...], found: dict[str, set[str]], depth: int) -> None:
    if depth > MAX_DEPTH or not isinstance(node, dict):
        return
    _mark(_tags_of(node), steps, found)
    ref = node.get("$ref")
    if isinstance(ref, str):
        _json_schema(_resolve(ref, root), root, steps, found, depth + 1)
    for name, sub in (node.get("properties") or {}).items():
        _json_schema(sub, root, (*steps, name), found, depth + 1)
    items = node.get("items")
    for sub in items if isinstance(items, list) else [items]:
        _json_schema(sub, root, (*steps, WILDCARD), found, depth + 1)
    for sub in node.get("prefixItems") or []:
        _json_schema(sub, root, (*steps, WILDCARD), found, depth + 1)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        _json_schema(extra, root, (*steps, WILDCARD), found, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key) or []:
            _json_schema(sub, root, steps, found, depth + 1)


def _resolve(ref: str, root: Any) -> Any:
    """Local references only (#/$defs/X, #/definitions/X)."""
    if not ref.startswith("#"):
        return None
    node = root
    for part in ref.lstrip("#").strip("/").split("/") if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
