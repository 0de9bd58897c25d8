"""Fields marked in a schema: Avro (``.avsc``) or JSON Schema files, tags as JSON paths.

A field is tagged by ``"pii": true`` (tag ``pii``), ``"tags": [...]`` or Confluent's
``"confluent:tags": [...]``, on the field or on its type. Tags compare case-insensitively.
Records map to JSON objects, arrays to ``[*]``, Avro maps and JSON Schema's
``additionalProperties`` to ``[*]`` over members; Avro unions and ``anyOf``/``oneOf``/``allOf``
are searched in every branch (the records are plain JSON, not Avro's JSON encoding).

Schemas are graphs, not trees: a ``$ref`` or a named Avro type can be used many times, and can
refer to itself. The traversal is memoized per (schema node, depth left), so each is searched once,
recursion stops at ``MAX_DEPTH`` steps, and a schema whose tagged paths multiply beyond
``MAX_TAGGED_PATHS`` (a type used by many fields, used by many fields, ...) is refused rather than
enumerated. Schema files are read up to ``MAX_SCHEMA_BYTES``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mskctl.access.loader import read_text
from mskctl.errors import MskctlError
from mskctl.protect.paths import WILDCARD, Step, render

MAX_DEPTH = 32
# Each tagged path becomes a rule of the topic's plan, applied to every record: thousands already
# mean a schema the policy should name by path; 10,000 keeps loading under a second.
MAX_TAGGED_PATHS = 10_000
MAX_SCHEMA_BYTES = 4 * 1024 * 1024  # the Schema Registry's default limit is 1 MiB per schema

Tagged = dict[str, frozenset[tuple[Step, ...]]]  # tag -> paths relative to the node searched


class SchemaError(ValueError):
    pass


def tagged_fields(path: Path) -> dict[str, list[str]]:
    """tag -> canonical JSON paths of the fields carrying it."""
    document = _read(path)
    if path.suffix == ".avsc" or _looks_avro(document):
        tagged = _Avro().search(document, MAX_DEPTH)
    else:
        tagged = _JsonSchema(document).search(document, MAX_DEPTH)
    return {tag: sorted(render(steps) for steps in paths if steps) for tag, paths in tagged.items()
            if any(paths)}


def _read(path: Path) -> Any:
    try:
        text = read_text(path, "schema file", "Give the path of an Avro or JSON Schema file.", MAX_SCHEMA_BYTES)
    except MskctlError as exc:
        raise SchemaError("c" + exc.message.removeprefix("C").rstrip(".")) from None  # "cannot read schema file X: ..."
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SchemaError(f"{path} is not JSON: {exc}") from None
    except RecursionError:
        raise SchemaError(f"{path} nests too deeply to read") from None


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


class _Search:
    """Memoized search: ``found`` collects (tag, relative path) pairs of one node, bounded in number."""

    def __init__(self) -> None:
        self.memo: dict[tuple[int, int], Tagged] = {}

    def search(self, node: Any, depth: int) -> Tagged:
        if depth < 0:
            return {}
        key = (id(node), depth)
        if key not in self.memo:
            self.memo[key] = {}  # a reference back to a node being searched, at the same depth, adds nothing
            found: dict[str, set[tuple[Step, ...]]] = {}
            for tag in _tags_of(node):
                found.setdefault(tag, set()).add(())
            self.children(node, depth, found)
            self.memo[key] = {tag: frozenset(paths) for tag, paths in found.items()}
        return self.memo[key]

    def children(self, node: Any, depth: int, found: dict[str, set[tuple[Step, ...]]]) -> None:
        raise NotImplementedError

    def add(self, found: dict[str, set[tuple[Step, ...]]], prefix: tuple[Step, ...], tagged: Tagged) -> None:
        for tag, paths in tagged.items():
            into = found.setdefault(tag, set())
            into.update((*prefix, *steps) for steps in paths)
            if len(into) > MAX_TAGGED_PATHS:
                raise SchemaError(f"more than {MAX_TAGGED_PATHS:,} fields carry tag {tag!r} (types that refer to "
                                  "themselves or are used by many fields multiply the paths); name the fields "
                                  "with `path:` rules instead")


class _Avro(_Search):
    def __init__(self) -> None:
        super().__init__()
        self.named: dict[str, Any] = {}

    def children(self, schema: Any, depth: int, found: dict[str, set[tuple[Step, ...]]]) -> None:
        if isinstance(schema, str):
            if isinstance(self.named.get(schema), dict):
                self.add(found, (), self.search(self.named[schema], depth - 1))
        elif isinstance(schema, list):
            for branch in schema:
                self.add(found, (), self.search(branch, depth - 1))
        elif isinstance(schema, dict):
            self._composite(schema, depth, found)

    def _composite(self, schema: dict[str, Any], depth: int, found: dict[str, set[tuple[Step, ...]]]) -> None:
        kind = schema.get("type")
        if kind == "record":
            name = schema.get("name")
            if isinstance(name, str):
                self.named[name] = schema
                if schema.get("namespace"):
                    self.named[f"{schema['namespace']}.{name}"] = schema
            fields = schema.get("fields")
            for field in fields if isinstance(fields, list) else []:
                if isinstance(field, dict) and isinstance(field.get("name"), str):
                    at = (field["name"],)
                    self.add(found, at, {tag: frozenset({()}) for tag in _tags_of(field)})
                    self.add(found, at, self.search(field.get("type"), depth - 1))
        elif kind == "array":
            self.add(found, (WILDCARD,), self.search(schema.get("items"), depth - 1))
        elif kind == "map":
            self.add(found, (WILDCARD,), self.search(schema.get("values"), depth - 1))
        elif isinstance(kind, dict | list):
            self.add(found, (), self.search(kind, depth - 1))


class _JsonSchema(_Search):
    def __init__(self, root: Any) -> None:
        super().__init__()
        self.root = root

    def children(self, node: Any, depth: int, found: dict[str, set[tuple[Step, ...]]]) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            self.add(found, (), self.search(_resolve(ref, self.root), depth - 1))
        properties = node.get("properties")
        for name, sub in properties.items() if isinstance(properties, dict) else ():
            self.add(found, (name,), self.search(sub, depth - 1))
        items = node.get("items")
        for sub in items if isinstance(items, list) else [items]:
            self.add(found, (WILDCARD,), self.search(sub, depth - 1))
        prefix_items = node.get("prefixItems")
        for sub in prefix_items if isinstance(prefix_items, list) else ():
            self.add(found, (WILDCARD,), self.search(sub, depth - 1))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            self.add(found, (WILDCARD,), self.search(extra, depth - 1))
        for key in ("allOf", "anyOf", "oneOf"):
            branches = node.get(key)
            for sub in branches if isinstance(branches, list) else ():
                self.add(found, (), self.search(sub, depth - 1))
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
