"""Read access spec files (YAML), merge them, and validate with errors that say file:line.

YAML is composed into nodes first so every value keeps the line it came from; pydantic's
error locations are then mapped back to those lines.

This reader also reads protection policies and audit baselines, so its bounds hold for all three:
a file is at most ``MAX_FILE_BYTES`` (read no further, so ``/dev/zero`` is refused, not read),
nesting at most ``MAX_DEPTH`` deep, and aliases may add at most ``MAX_ALIAS_NODES`` (or as many as the
file writes, if more) to the expanded document: a few hundred bytes of anchors cannot expand to
billions of nodes ("billion laughs"). Each refusal names the limit and the file:line.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mskctl.access.spec import AccessSpec
from mskctl.errors import InputError, UsageError

Path_ = tuple[str | int, ...]
MERGED_SECTIONS = ("topics", "principals", "environments")  # keyed maps: files add entries
SHARED_SECTIONS = ("version", "cluster", "scope", "defaults", "scram")  # must agree between files

# 16 MiB: ten times the largest spec we know of in use (a 5 MB file of 64,000 topics reads in ~15 s);
# a bigger file is more likely a mistake (a log, a dump) than a spec.
MAX_FILE_BYTES = 16 * 1024 * 1024
# No spec, policy or baseline nests deeper than ~8; 64 leaves room and keeps PyYAML's recursive
# composer (a few frames per level) far from Python's recursion limit.
MAX_DEPTH = 64
# What aliases may add to the expanded document: baselines written by --write-baseline share a
# reason or date through anchors (a handful of nodes each); a bomb needs millions.
MAX_ALIAS_NODES = 10_000


@dataclass
class SourceMap:
    """Where each value of the merged document was written: path -> (file, line)."""

    places: dict[Path_, tuple[str, int]] = field(default_factory=dict)

    def locate(self, path: Path_) -> str:
        while path and path not in self.places:
            path = path[:-1]
        file, line = self.places.get(path, ("<spec>", 0))
        return f"{file}:{line}" if line else file


@dataclass(frozen=True)
class LoadedSpec:
    spec: AccessSpec
    sources: SourceMap
    files: tuple[str, ...]


class SpecError(InputError):
    """Problems in spec files, each with its file:line."""

    def __init__(self, problems: list[str], hint: str | None = None) -> None:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        super().__init__("Invalid access spec:\n  " + "\n  ".join(shown),
                         hint=hint or "Fix the lines above; `mskctl access schema` prints the JSON Schema.")
        self.problems = problems


class _Expansion:
    """Counts nodes as aliases expand them: those beyond the distinct nodes written are the aliases' share.

    A composed YAML document is a graph (an alias is the anchored node itself, met again), so the
    count of visits minus the count of distinct nodes is what aliases add.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.visits = 0
        self.distinct: set[int] = set()
        self.open: set[int] = set()  # nodes being expanded: meeting one again is a cycle

    def enter(self, node: yaml.Node) -> None:
        place = f"{self.file}:{node.start_mark.line + 1}"
        if id(node) in self.open:
            raise SpecError([f"{place}: an alias refers to a node that contains it (a recursive anchor)"],
                            hint="Write the value out instead of referring to the node it is in.")
        self.visits += 1
        self.distinct.add(id(node))
        budget = max(MAX_ALIAS_NODES, len(self.distinct))  # aliases may at most double a large file
        if self.visits - len(self.distinct) > budget:
            raise SpecError([f"{place}: aliases (*name) expand to more than {budget:,} nodes, the limit"],
                            hint="Write the values out, or use fewer levels of anchors and aliases.")
        self.open.add(id(node))


def _to_python(node: yaml.Node, file: str, path: Path_, places: dict[Path_, tuple[str, int]],
               loader: yaml.SafeLoader, expansion: _Expansion) -> Any:
    places[path] = (file, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:  # aliases inside aliases nest deeper than anything written
        raise SpecError([f"{file}:{node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep (through "
                         "aliases), the limit"], hint="Write the values out, or use fewer levels of aliases.")
    expansion.enter(node)
    try:
        return _node_value(node, file, path, places, loader, expansion)
    finally:
        expansion.open.discard(id(node))


def _node_value(node: yaml.Node, file: str, path: Path_, places: dict[Path_, tuple[str, int]],
                loader: yaml.SafeLoader, expansion: _Expansion) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # A list or mapping as a key names nothing (and constructing it deep would skip the bounds).
            key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int | float | bool) or key is None:
                raise SpecError([f"{file}:{key_node.start_mark.line + 1}: keys must be plain names"])
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise SpecError([f"{file}:{key_node.start_mark.line + 1}: {key!r} appears twice in this mapping "
                                 f"(first at line {places[(*path, key)][1]})"])
            result[key] = _to_python(value_node, file, (*path, key), places, loader, expansion)
            places[(*path, key)] = (file, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, file, (*path, i), places, loader, expansion) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than MAX_DEPTH while composing (its composer recurses)."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self._file = file
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise SpecError([f"{self._file}:{mark.line + 1}: nested more than {MAX_DEPTH} levels deep, the "
                                 "limit"], hint="Flatten the document; no spec, policy or baseline needs this depth.")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, file: str) -> tuple[Any, dict[Path_, tuple[str, int]]]:
    """The document and the line of every path in it."""
    if len(text) > MAX_FILE_BYTES:
        raise SpecError([f"{file}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the limit"],
                        hint="Split it into several files (-f takes a folder), or check it is the file you meant.")
    loader = None
    try:
        loader = _BoundedLoader(text, file)  # rejects unprintable characters already
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}" if mark else file
        raise SpecError([f"{where}: not valid YAML: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise SpecError([f"{file}: not valid YAML: {exc}"]) from None
    finally:
        if loader is not None:
            loader.dispose()
    places: dict[Path_, tuple[str, int]] = {}
    if node is None:
        return {}, places
    try:
        data = _to_python(node, file, (), places, yaml.SafeLoader(""), _Expansion(file))
    except (yaml.constructor.ConstructorError, ValueError, TypeError) as exc:
        raise SpecError([f"{file}: {exc}"]) from None
    return data, places


def read_text(path: Path, what: str, hint: str, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file's UTF-8 text, refused beyond ``limit`` bytes without reading further.

    Devices, FIFOs and sockets are refused before opening (``/dev/zero`` never ends, a FIFO blocks);
    a symlink counts as what it points to. ``what`` names the file in messages ("spec file").
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"Cannot read {what} {path}: not a regular file.", hint=hint)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a file swapped for a FIFO: no hang
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"Cannot read {what} {path}: {exc.strerror or exc}.", hint=hint) from None
    if len(data) > limit:
        raise InputError(f"Cannot read {what} {path}: larger than {limit // (1024 * 1024)} MiB, the limit.",
                         hint="Split it into smaller files, or check it is the file you meant.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"Cannot read {what} {path}: not UTF-8 text ({exc.reason} at byte {exc.start}).",
                         hint=hint) from None


def _merge(documents: list[tuple[str, Any, dict[Path_, tuple[str, int]]]]) -> tuple[dict[str, Any], SourceMap]:
    merged: dict[str, Any] = {}
    sources = SourceMap()
    problems: list[str] = []
    for file, data, places in documents:
        if not isinstance(data, dict):
            problems.append(f"{file}:1: a spec file is a mapping (version, topics, principals, ...), "
                            f"not a {type(data).__name__}")
            continue
        for section, value in data.items():
            here = places.get((section,), (file, 1))
            if section in MERGED_SECTIONS and isinstance(value, dict) and isinstance(merged.get(section), dict):
                for key, item in value.items():
                    if key in merged[section]:
                        first = sources.locate((section, key))
                        problems.append(f"{file}:{places[(section, key)][1]}: {section[:-1]} {key!r} is also "
                                        f"defined at {first}")
                        continue
                    merged[section][key] = item
                    _copy_places(places, sources, (section, key))
            elif section in merged and merged[section] != value:
                problems.append(f"{here[0]}:{here[1]}: {section!r} differs from the one at "
                                f"{sources.locate((section,))}; state it in one file")
            elif section not in merged:
                merged[section] = value
                _copy_places(places, sources, (section,))
    if problems:
        raise SpecError(problems)
    return merged, sources


def _copy_places(places: dict[Path_, tuple[str, int]], sources: SourceMap, prefix: Path_) -> None:
    for path, place in places.items():
        if path[: len(prefix)] == prefix:
            sources.places[path] = place


def validate(data: dict[str, Any], sources: SourceMap) -> AccessSpec:
    try:
        return AccessSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = data_location(data, tuple(error["loc"]))
            if error["type"] == "topic_config":
                loc = (*loc, error["ctx"]["key"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden" and loc:
                message = f"unknown key {loc[-1]!r}" + _known_keys_hint(loc)
            elif error["type"] == "missing" and loc:
                message = f"missing {loc[-1]!r}"
            dotted = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{sources.locate(loc)}: {dotted}: {message}")
        raise SpecError(problems) from None


def data_location(data: Any, loc: tuple[Any, ...]) -> Path_:
    """pydantic's error location as a path in the document, without the names pydantic adds.

    pydantic inserts validator and union-member names ("function-after[...]", "str", "list[str]");
    they are dropped, unless the document has that very key: a user's key "[/x]" stays in the path.
    """
    kept: list[str | int] = []
    node = data
    for part in loc:
        present = part in node if isinstance(node, dict) else (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not present and isinstance(part, str) and ("[" in part or part in _UNION_TAGS):
            continue
        kept.append(part)
        node = node[part] if present else None
    return tuple(kept)


_UNION_TAGS = {"str", "int", "float", "bool", "list[str]", "ScramUser"}


def _known_keys_hint(loc: Path_) -> str:
    allowed = _allowed_keys(loc[:-1])
    return f" (allowed here: {', '.join(allowed)})" if allowed else ""


def _allowed_keys(parent: Path_) -> list[str]:
    from mskctl.access import spec as models

    section_models = {
        (): models.AccessSpec, ("cluster",): models.ClusterRef, ("scope",): models.Scope,
        ("defaults",): models.Defaults, ("scram",): models.ScramOptions,
    }
    if parent in section_models:
        return list(section_models[parent].model_fields)
    if len(parent) == 2 and parent[0] == "principals":
        return list(models.Principal.model_fields)
    if len(parent) == 2 and parent[0] == "topics":
        return list(models.TopicSettings.model_fields)
    if len(parent) == 3 and parent[0] == "principals":
        return list({"produce": models.Produce, "consume": models.Consume, "admin": models.Admin,
                     "scram": models.ScramUser}.get(str(parent[2]), models.Strict).model_fields)
    return []


def load(paths: list[Path]) -> LoadedSpec:
    """Load, merge and validate spec files (a directory means its *.yaml and *.yml files)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise UsageError(f"No *.yaml spec files in {path}.",
                                 hint="Point -f at a spec file or a folder of them.")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"Spec file {path} does not exist.", hint="Check the path given to -f/--file.")
    if not files:
        raise UsageError("No access spec given.", hint="Pass -f spec.yaml (repeatable, or a folder).")
    documents = []
    for file in files:
        text = read_text(file, "spec file", "Check the path given to -f/--file.")
        data, places = parse_yaml(text, str(file))
        documents.append((str(file), data, places))
    merged, sources = _merge(documents)
    return LoadedSpec(validate(merged, sources), sources, tuple(str(f) for f in files))


def load_text(text: str, name: str = "<spec>") -> LoadedSpec:
    data, places = parse_yaml(text, name)
    merged, sources = _merge([(name, data, places)])
    return LoadedSpec(validate(merged, sources), sources, (name,))
