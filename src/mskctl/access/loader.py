"""Read access spec files (YAML), merge them, and validate with errors that say file:line.

YAML is composed into nodes first so every value keeps the line it came from; pydantic's
error locations are then mapped back to those lines.
"""

from __future__ import annotations

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


def _to_python(node: yaml.Node, file: str, path: Path_, places: dict[Path_, tuple[str, int]],
               loader: yaml.SafeLoader) -> Any:
    places[path] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise SpecError([f"{file}:{key_node.start_mark.line + 1}: keys must be plain names"])
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise SpecError([f"{file}:{key_node.start_mark.line + 1}: {key!r} appears twice in this mapping "
                                 f"(first at line {places[(*path, key)][1]})"])
            result[key] = _to_python(value_node, file, (*path, key), places, loader)
            places[(*path, key)] = (file, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, file, (*path, i), places, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> tuple[Any, dict[Path_, tuple[str, int]]]:
    """The document and the line of every path in it."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # rejects unprintable characters already
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
        data = _to_python(node, file, (), places, yaml.SafeLoader(""))
    except (yaml.constructor.ConstructorError, ValueError, TypeError) as exc:
        raise SpecError([f"{file}: {exc}"]) from None
    return data, places


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
            loc = tuple(error["loc"])
            # pydantic appends validator/union names ("function-after[...]") to locations: drop them.
            loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in _UNION_TAGS)))
            if error["type"] == "topic_config":
                loc = (*loc, error["ctx"]["key"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key {loc[-1]!r}" + _known_keys_hint(loc)
            elif error["type"] == "missing":
                message = f"missing {loc[-1]!r}"
            dotted = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{sources.locate(loc)}: {dotted}: {message}")
        raise SpecError(problems) from None


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
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Cannot read spec file {file}: {exc}") from None
        data, places = parse_yaml(text, str(file))
        documents.append((str(file), data, places))
    merged, sources = _merge(documents)
    return LoadedSpec(validate(merged, sources), sources, tuple(str(f) for f in files))


def load_text(text: str, name: str = "<spec>") -> LoadedSpec:
    data, places = parse_yaml(text, name)
    merged, sources = _merge([(name, data, places)])
    return LoadedSpec(validate(merged, sources), sources, (name,))
