#!/usr/bin/env python3
"""Rebuild the hashicorp/aws provider schema from the cdktn-provider-aws wheel, offline.

No provider binary can be had on this project's machines, but PyPI's ``cdktn-provider-aws`` is
generated from the provider's own ``providers schema -json`` output, and its compiled JavaScript
keeps enough of it to rebuild the schema:

* every attribute and block of every resource, data source and ephemeral resource is preceded by
  the generator's comment ``// <name> - computed: X, optional: Y, required: Z``;
* a member that can be configured has a backing field (``_name;``); a computed-only one has just a
  getter, whose accessor tells its type (``getStringAttribute``, ``getListAttribute`` for a list
  of strings, ``Fn.tolist(getListAttribute)`` for a set, ``StringMap``, a ``…List`` of objects...);
* ``synthesizeHclAttributes()`` (resource level) and ``<struct>ToHclTerraform()`` (block level)
  give, for every configurable member, ``isBlock``, the collection ``type`` (simple, list, set,
  map, struct) and the ``storageClassType`` (string, numberList, stringMapList...);
* a nested block whose member is an ``…OutputReference`` (not a ``…List``) has max_items = 1, and
  a required block has min_items >= 1 (we write 1).

What is lost: ``sensitive`` (except what the overlay restores), ``write_only`` (except the
attributes the generator marks deprecated as write-only, and the overlay), min/max items above 1,
the provider's value validators, descriptions, schema versions, and a few huge subtrees that the
generator typed ``any`` (wafv2 ``statement``, quicksight ``definition``): those are dropped and
listed in the output's ``dropped`` report.

The output is the ``provider_schemas["registry.terraform.io/hashicorp/aws"]`` entry of
``tofu providers schema -json``: ``provider``, ``resource_schemas``, ``data_source_schemas`` and
``ephemeral_resource_schemas``, each ``{"version": 0, "block": {...}}``; a block has
``attributes`` (``type`` as cty JSON, ``required``/``optional``/``computed``/``sensitive``/
``write_only``) and ``block_types`` (``nesting_mode``, ``block``, ``min_items``, ``max_items``).

Usage: generate.py --wheel cdktn_provider_aws-25.8.1-py3-none-any.whl --overlay overlay.json
                   --out schema.json [--summary]
Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Reading the wheel

_MAP_LINE = re.compile(r"^//# sourceMappingURL=.*$", re.M)


def read_package_js(wheel: Path) -> dict[str, str]:
    """Return {lib directory name: all its compiled JS, concatenated} from the wheel.

    The JS lives in the jsii tarball inside the wheel (``_jsii/*.jsii.tgz``), under
    ``package/lib/<name>/`` (``index.js``, and for the biggest resources ``index-structs/*.js``).
    The inline source maps are dropped: they are most of the bytes and none of the information.
    """
    with zipfile.ZipFile(wheel) as zf:
        tgz_names = [n for n in zf.namelist() if n.endswith(".jsii.tgz") and "/_jsii/" in n]
        if len(tgz_names) != 1:
            raise SystemExit(f"{wheel}: expected one _jsii/*.jsii.tgz, found {tgz_names}")
        with zf.open(tgz_names[0]) as raw:
            return read_tarball_js(raw)


def read_tarball_js(fileobj) -> dict[str, str]:
    parts: dict[str, list[tuple[str, str]]] = {}
    with tarfile.open(fileobj=fileobj, mode="r|gz") as tar:
        for member in tar:
            name = member.name
            if not member.isfile() or not name.endswith(".js"):
                continue
            pieces = name.split("/")
            # package/lib/<dir>/index.js or package/lib/<dir>/index-structs/structsN.js
            if len(pieces) < 4 or pieces[0] != "package" or pieces[1] != "lib":
                continue
            data = tar.extractfile(member)
            if data is None:
                continue
            text = data.read().decode("utf-8")
            parts.setdefault(pieces[2], []).append((name, _MAP_LINE.sub("", text)))
    return {d: "\n".join(t for _, t in sorted(files)) for d, files in parts.items()}


def read_package_dts(wheel: Path, lib_dir: str) -> str:
    """The TypeScript declarations of one lib directory (used for the provider block only)."""
    with zipfile.ZipFile(wheel) as zf:
        tgz = next(n for n in zf.namelist() if n.endswith(".jsii.tgz") and "/_jsii/" in n)
        with zf.open(tgz) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            want = f"package/lib/{lib_dir}/index.d.ts"
            for member in tar:
                if member.name == want:
                    data = tar.extractfile(member)
                    return data.read().decode("utf-8") if data else ""
    return ""


# ---------------------------------------------------------------------------------------------
# Parsing the compiled JS of one lib directory

_CLASS = re.compile(r"^class (\w+) extends ([\w.]+) \{\n(.*?)^\}", re.M | re.S)
_FUNC_HCL = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{\n(.*?)^\}", re.M | re.S)
_MEMBER = re.compile(
    r"^[ \t]*// (\w+) - computed: (true|false), optional: (true|false), required: (true|false)[ \t]*$",
    re.M,
)
_SYNTH = re.compile(
    r"^[ \t]*(\w+): \{\n[ \t]*value: (.*)\n[ \t]*isBlock: (true|false),\n"
    r"[ \t]*type: \"(\w+)\",\n[ \t]*storageClassType: \"(\w+)\",\n[ \t]*\}",
    re.M,
)
_SYNTH_METHOD = re.compile(r"synthesizeHclAttributes\(\) \{\n(.*?)\n    \}\n", re.S)
_RESOURCE_TYPE = re.compile(r'static tfResourceType = "([\w-]+)";')
_NEW_COMPLEX = re.compile(r'_\w+ = new (?:\w+\.)?(\w+)\(this, "(\w+)"(?:, (true|false))?\);')
_NEW_HELPER_MAP = re.compile(r'_\w+ = new cdktn\.(String|Number|Boolean|Any)Map\(this, "\w+"\);')
_FIELD = re.compile(r"^[ \t]*_\w+;[ \t]*$", re.M)
_GETTER_RETURN = re.compile(r"get \w+\(\) \{\n[ \t]*return (.*);")
_ELEMENT = re.compile(r"\b(?:get|getValue)\(\w+\) \{\n[ \t]*return new (?:\w+\.)?(\w+)\(")
_WRITE_ONLY = "@deprecated Write-only"

_PRIMS = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}


@dataclass
class Member:
    name: str
    computed: bool
    optional: bool
    required: bool
    configurable: bool  # has a backing field: appears in config
    complex_class: str | None = None  # …OutputReference / …List / …Map class name
    wraps_set: bool = False
    helper_map: str | None = None  # String/Number/Boolean/Any for cdktn.XMap helpers
    getter: str | None = None  # the getter's return expression
    write_only: bool = False


@dataclass
class Synth:
    name: str
    value: str
    is_block: bool
    kind: str  # simple | list | set | map | struct
    storage: str


@dataclass
class JsClass:
    name: str
    base: str
    body: str
    members: list[Member] = field(default_factory=list)
    synth: dict[str, Synth] | None = None  # resource level only
    element: str | None = None  # for ComplexList / ComplexMap


def parse_synth(text: str) -> dict[str, Synth]:
    out = {}
    for m in _SYNTH.finditer(text):
        out[m.group(1)] = Synth(m.group(1), m.group(2), m.group(3) == "true", m.group(4), m.group(5))
    return out


def parse_members(body: str) -> list[Member]:
    marks = list(_MEMBER.finditer(body))
    members = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        seg = body[m.end() : end]
        # Only the member's own lines matter, not the synthesis methods after the last one.
        cut = seg.find("// ====")
        if cut >= 0:
            seg = seg[:cut]
        mem = Member(
            name=m.group(1),
            computed=m.group(2) == "true",
            optional=m.group(3) == "true",
            required=m.group(4) == "true",
            configurable=False,
        )
        first = seg.lstrip("\n")
        if _FIELD.match(first) or first.lstrip().startswith("_"):
            mem.configurable = bool(_FIELD.match(first))
        cx = _NEW_COMPLEX.search(seg)
        hm = _NEW_HELPER_MAP.search(seg)
        if hm and (not cx or hm.start() <= cx.start()):
            mem.helper_map = hm.group(1)
        elif cx:
            mem.complex_class = cx.group(1)
            mem.wraps_set = cx.group(3) == "true"
        gr = _GETTER_RETURN.search(seg)
        if gr:
            mem.getter = gr.group(1)
        mem.write_only = _WRITE_ONLY in seg
        members.append(mem)
    return members


class JsModule:
    """The classes and struct functions of one lib directory."""

    def __init__(self, text: str):
        self.classes: dict[str, JsClass] = {}
        self.struct_synth: dict[str, dict[str, Synth]] = {}
        for m in _CLASS.finditer(text):
            cls = JsClass(m.group(1), m.group(2), m.group(3))
            cls.members = parse_members(cls.body)
            if cls.base in (
                "cdktn.TerraformResource",
                "cdktn.TerraformDataSource",
                "cdktn.TerraformEphemeralResource",
                "cdktn.TerraformProvider",
            ):
                sm = _SYNTH_METHOD.search(cls.body)
                cls.synth = parse_synth(sm.group(1)) if sm else {}
            elif cls.base in ("cdktn.ComplexList", "cdktn.ComplexMap"):
                em = _ELEMENT.search(cls.body)
                cls.element = em.group(1) if em else None
            self.classes[cls.name] = cls
        for m in _FUNC_HCL.finditer(text):
            self.struct_synth[m.group(1)] = parse_synth(m.group(2))

    def top_level(self) -> list[tuple[str, str, JsClass]]:
        """[(kind, terraform type name, class)] for resources, data sources, ephemerals."""
        out = []
        for cls in self.classes.values():
            kind = {
                "cdktn.TerraformResource": "resource",
                "cdktn.TerraformDataSource": "data",
                "cdktn.TerraformEphemeralResource": "ephemeral",
            }.get(cls.base)
            if not kind:
                continue
            rt = _RESOURCE_TYPE.search(cls.body)
            if rt:
                out.append((kind, rt.group(1), cls))
        return out

    def synth_of_object_class(self, class_name: str) -> dict[str, Synth]:
        """``FooBarOutputReference`` is configured through ``fooBarToHclTerraform``."""
        base = class_name.removesuffix("OutputReference")
        return self.struct_synth.get(base[:1].lower() + base[1:], {})


# ---------------------------------------------------------------------------------------------
# Types


def storage_type(kind: str, storage: str) -> object | None:
    """cty JSON type of a configurable attribute from its synthesis entry, or None if unknown."""
    m = re.fullmatch(r"(string|number|boolean|any)((?:List|Map)*)", storage)
    if not m:
        return None
    ty: object = _PRIMS[m.group(1)]
    suffixes = re.findall(r"List|Map", m.group(2))
    for i, suf in enumerate(suffixes):
        outer = i == len(suffixes) - 1
        wrapper = kind if outer and kind in ("list", "set", "map") else ("list" if suf == "List" else "map")
        ty = [wrapper, ty]
    if not suffixes and kind in ("list", "set", "map"):
        # e.g. type "list" with storage "string": should not happen; be explicit about it
        return None
    return ty


def getter_type(expr: str | None) -> object | None:
    """cty JSON type of a computed-only primitive attribute from its getter expression."""
    if not expr:
        return None
    as_set = "Fn.tolist(" in expr
    table = [
        ("getStringAttribute(", "string"),
        ("getNumberAttribute(", "number"),
        ("getBooleanAttribute(", "bool"),
        ("getNumberListAttribute(", ["set" if as_set else "list", "number"]),
        ("getListAttribute(", ["set" if as_set else "list", "string"]),
        ("getStringMapAttribute(", ["map", "string"]),
        ("getNumberMapAttribute(", ["map", "number"]),
        ("getBooleanMapAttribute(", ["map", "bool"]),
        ("getAnyMapAttribute(", ["map", "dynamic"]),
        ("interpolationForAttribute(", "dynamic"),
    ]
    for needle, ty in table:
        if needle in expr:
            return ty
    return None


_HELPER_MAP = {"String": "string", "Number": "number", "Boolean": "bool", "Any": "dynamic"}


# ---------------------------------------------------------------------------------------------
# Building blocks


class Builder:
    # A generator class that contains itself (wafv2 statements) is cut after this many levels;
    # the provider's own recursive schemas stop at about this depth too.
    MAX_RECURSION = 3

    def __init__(self, mod: JsModule, where: str, dropped: list[str]):
        self.mod = mod
        self.where = where
        self.dropped = dropped
        self.stack: list[str] = []

    def _drop(self, path: str, why: str) -> None:
        self.dropped.append(f"{self.where}.{path}: {why}")

    def object_type(self, class_name: str, path: str, depth: int = 0) -> object | None:
        """cty object type of a computed nested object (all members as attributes)."""
        cls = self.mod.classes.get(class_name)
        if cls is None or depth > 32 or self.stack.count(class_name) >= self.MAX_RECURSION:
            return None
        attrs: dict[str, object] = {}
        synth = self.mod.synth_of_object_class(class_name)
        self.stack.append(class_name)
        try:
            for mem in cls.members:
                ty = self.member_type(mem, synth.get(mem.name), f"{path}.{mem.name}", depth + 1)
                if ty is None:
                    self._drop(f"{path}.{mem.name}", "type unknown or recursive")
                    continue
                attrs[mem.name] = ty
        finally:
            self.stack.pop()
        return ["object", attrs]

    def member_type(self, mem: Member, syn: Synth | None, path: str, depth: int) -> object | None:
        if mem.complex_class:
            target = self.mod.classes.get(mem.complex_class)
            if target is None:
                return None
            if target.base == "cdktn.ComplexObject":
                return self.object_type(target.name, path, depth)
            if target.element is None:
                return None
            obj = self.object_type(target.element, path, depth)
            if obj is None:
                return None
            if target.base == "cdktn.ComplexMap":
                return ["map", obj]
            return ["set" if mem.wraps_set else "list", obj]
        if mem.helper_map:
            return ["map", _HELPER_MAP[mem.helper_map]]
        if syn is not None and not syn.is_block:
            ty = storage_type(syn.kind, syn.storage)
            if ty is not None:
                return None if ty == "dynamic" and mem.configurable else ty
        return getter_type(mem.getter)

    def block(self, class_name: str, synth: dict[str, Synth], path: str) -> dict:
        cls = self.mod.classes[class_name]
        attributes: dict[str, dict] = {}
        block_types: dict[str, dict] = {}
        for mem in cls.members:
            syn = synth.get(mem.name)
            mpath = f"{path}.{mem.name}" if path else mem.name
            target = self.mod.classes.get(mem.complex_class) if mem.complex_class else None
            if target is not None and syn is not None and syn.is_block and syn.kind in ("list", "set", "struct"):
                elem = target.name if target.base == "cdktn.ComplexObject" else target.element
                if elem is None or elem not in self.mod.classes:
                    self._drop(mpath, "nested block class not found")
                    continue
                if self.stack.count(elem) >= self.MAX_RECURSION:
                    self._drop(mpath, f"recursive block cut after {self.MAX_RECURSION} levels")
                    continue
                self.stack.append(elem)
                try:
                    nested = self.block(elem, self.mod.synth_of_object_class(elem), mpath)
                finally:
                    self.stack.pop()
                nesting = "single" if syn.kind == "struct" else syn.kind
                bt: dict = {"nesting_mode": nesting, "block": nested}
                if nesting in ("list", "set"):
                    if mem.required:
                        bt["min_items"] = 1
                    if target.base == "cdktn.ComplexObject":
                        bt["max_items"] = 1
                block_types[mem.name] = bt
                continue
            if syn is not None and syn.is_block and target is None:
                self._drop(mpath, f"block typed {syn.storage} by the generator")
                continue
            if syn is not None and syn.storage == "any" and mem.configurable:
                self._drop(mpath, "typed any by the generator")
                continue
            ty = self.member_type(mem, syn, mpath, 0)
            if ty is None:
                self._drop(mpath, "type unknown")
                continue
            attr: dict = {"type": ty}
            if mem.required:
                attr["required"] = True
            if mem.optional:
                attr["optional"] = True
            if mem.computed:
                attr["computed"] = True
            if not (mem.required or mem.optional or mem.computed):
                attr["optional"] = True
            if mem.write_only:
                attr["write_only"] = True
            attributes[mem.name] = attr
        out: dict = {}
        if attributes:
            out["attributes"] = attributes
        if block_types:
            out["block_types"] = block_types
        return out


# ---------------------------------------------------------------------------------------------
# The provider configuration block (plain structs, no OutputReference classes)

_DTS_INTERFACE = re.compile(r"export interface (\w+) \{\n(.*?)^\}", re.M | re.S)
_DTS_PROP = re.compile(r"^\s*readonly (\w+)(\?)?:", re.M)
_STRUCT_FN = re.compile(r"(\w+)ToHclTerraform\b")
_STRUCT_FIELD = re.compile(r"struct\.(\w+)\)")

# max_items of the provider's blocks (the generator models them as plain arrays)
PROVIDER_MAX_ONE = {"assume_role", "assume_role_with_web_identity", "default_tags", "ignore_tags"}


def provider_block(mod: JsModule, dts: str, dropped: list[str]) -> dict:
    cls = next(c for c in mod.classes.values() if c.base == "cdktn.TerraformProvider")
    optional_props: dict[str, set[str]] = {}
    required_props: dict[str, set[str]] = {}
    for m in _DTS_INTERFACE.finditer(dts):
        req, opt = set(), set()
        for p in _DTS_PROP.finditer(m.group(2)):
            (opt if p.group(2) else req).add(p.group(1))
        optional_props[m.group(1)] = opt
        required_props[m.group(1)] = req
    attributes: dict[str, dict] = {}
    block_types: dict[str, dict] = {}
    for mem in cls.members:
        if mem.name == "alias":  # a meta-argument, not part of the provider's schema
            continue
        syn = (cls.synth or {}).get(mem.name)
        if syn is None:
            dropped.append(f"provider.{mem.name}: no synthesis entry")
            continue
        if syn.is_block:
            fn = _STRUCT_FN.search(syn.value)
            if not fn:
                dropped.append(f"provider.{mem.name}: struct function not found")
                continue
            struct_name = fn.group(1)
            iface = struct_name[:1].upper() + struct_name[1:]
            nested_attrs = {}
            for s in mod.struct_synth.get(struct_name, {}).values():
                ty = storage_type(s.kind, s.storage) if not s.is_block else None
                if ty is None:
                    dropped.append(f"provider.{mem.name}.{s.name}: unsupported")
                    continue
                camel = _STRUCT_FIELD.search(s.value)
                required = camel is not None and camel.group(1) in required_props.get(iface, set())
                nested_attrs[s.name] = {"type": ty, ("required" if required else "optional"): True}
            bt: dict = {"nesting_mode": syn.kind, "block": {"attributes": nested_attrs}}
            if mem.name in PROVIDER_MAX_ONE:
                bt["max_items"] = 1
            block_types[mem.name] = bt
            continue
        ty = storage_type(syn.kind, syn.storage)
        if ty is None:
            dropped.append(f"provider.{mem.name}: type unknown")
            continue
        attr = {"type": ty}
        attr["required" if mem.required else "optional"] = True
        attributes[mem.name] = attr
    return {"attributes": attributes, "block_types": block_types}


# ---------------------------------------------------------------------------------------------
# Overlay


class OverlayError(Exception):
    pass


def _merge_block(block: dict, over: dict, path: str) -> None:
    for name, spec in (over.get("attributes") or {}).items():
        attrs = block.get("attributes") or {}
        if name not in attrs:
            raise OverlayError(f"{path}.{name}: no such attribute in the generated schema")
        for k, v in spec.items():
            if k not in ("sensitive", "write_only", "required", "optional", "computed", "type"):
                raise OverlayError(f"{path}.{name}: unknown attribute key {k!r}")
            if v is None or v is False:
                attrs[name].pop(k, None)
            else:
                attrs[name][k] = v
    for name, spec in (over.get("block_types") or {}).items():
        bts = block.get("block_types") or {}
        if name not in bts:
            raise OverlayError(f"{path}.{name}: no such block in the generated schema")
        for k, v in spec.items():
            if k == "block":
                _merge_block(bts[name]["block"], v, f"{path}.{name}")
            elif k in ("min_items", "max_items", "nesting_mode"):
                if v is None:
                    bts[name].pop(k, None)
                else:
                    bts[name][k] = v
            else:
                raise OverlayError(f"{path}.{name}: unknown block key {k!r}")
    unknown = set(over) - {"attributes", "block_types", "comment", "version"}
    if unknown:
        raise OverlayError(f"{path}: unknown overlay keys {sorted(unknown)}")


def apply_overlay(schema: dict, overlay: dict) -> int:
    """Merge the overlay into the schema in place; return the number of entries applied."""
    count = 0
    if "provider" in overlay:
        _merge_block(schema["provider"]["block"], overlay["provider"], "provider")
        count += 1
    for section in ("resource_schemas", "data_source_schemas", "ephemeral_resource_schemas"):
        for type_name, over in (overlay.get(section) or {}).items():
            target = schema[section].get(type_name)
            if target is None:
                raise OverlayError(f"{section}.{type_name}: no such type in the generated schema")
            if "version" in over:
                target["version"] = over["version"]
            _merge_block(target["block"], over, f"{section}.{type_name}")
            count += 1
    unknown = set(overlay) - {
        "provider",
        "resource_schemas",
        "data_source_schemas",
        "ephemeral_resource_schemas",
        "comment",
    }
    if unknown:
        raise OverlayError(f"unknown top-level overlay keys {sorted(unknown)}")
    return count


# ---------------------------------------------------------------------------------------------
# Driver


def build_schema(js_dirs: dict[str, str], provider_dts: str) -> tuple[dict, list[str]]:
    dropped: list[str] = []
    schema: dict = {
        "provider": {"version": 0, "block": {}},
        "resource_schemas": {},
        "data_source_schemas": {},
        "ephemeral_resource_schemas": {},
    }
    section = {
        "resource": "resource_schemas",
        "data": "data_source_schemas",
        "ephemeral": "ephemeral_resource_schemas",
    }
    for lib_dir in sorted(js_dirs):
        mod = JsModule(js_dirs[lib_dir])
        if lib_dir == "provider":
            schema["provider"]["block"] = provider_block(mod, provider_dts, dropped)
            continue
        for kind, type_name, cls in mod.top_level():
            where = f"{kind}.{type_name}"
            block = Builder(mod, where, dropped).block(cls.name, cls.synth or {}, "")
            schema[section[kind]][type_name] = {"version": 0, "block": block}
    for sec in ("resource_schemas", "data_source_schemas", "ephemeral_resource_schemas"):
        schema[sec] = dict(sorted(schema[sec].items()))
    return schema, dropped


def count_schema(schema: dict) -> dict[str, int]:
    def walk(block: dict) -> tuple[int, int]:
        a = len(block.get("attributes") or {})
        b = 0
        for bt in (block.get("block_types") or {}).values():
            b += 1
            na, nb = walk(bt["block"])
            a += na
            b += nb
        return a, b

    totals = {"attributes": 0, "blocks": 0}
    for sec in ("resource_schemas", "data_source_schemas", "ephemeral_resource_schemas"):
        for s in schema[sec].values():
            a, b = walk(s["block"])
            totals["attributes"] += a
            totals["blocks"] += b
    return {
        "resources": len(schema["resource_schemas"]),
        "data_sources": len(schema["data_source_schemas"]),
        "ephemeral_resources": len(schema["ephemeral_resource_schemas"]),
        **totals,
    }


def generate(wheel: Path, overlay_path: Path | None) -> tuple[dict, list[str], int]:
    js = read_package_js(wheel)
    dts = read_package_dts(wheel, "provider") if "provider" in js else ""
    schema, dropped = build_schema(js, dts)
    applied = 0
    if overlay_path is not None:
        overlay = json.loads(overlay_path.read_text())
        applied = apply_overlay(schema, overlay)
    return schema, dropped, applied


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", required=True, type=Path, help="cdktn-provider-aws wheel")
    ap.add_argument("--overlay", type=Path, help="overlay.json (sensitive, write_only, items)")
    ap.add_argument("--out", required=True, type=Path, help="schema JSON to write")
    ap.add_argument("--dropped", type=Path, help="write the list of dropped members here")
    ap.add_argument("--summary", action="store_true", help="print counts")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    try:
        schema, dropped, applied = generate(args.wheel, args.overlay)
    except OverlayError as e:
        print(f"generate.py: overlay: {e}", file=sys.stderr)
        return 2
    doc = {"format_version": "1.0", **schema}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":"), sort_keys=False))
    tmp.replace(args.out)
    if args.dropped:
        args.dropped.write_text("".join(f"{d}\n" for d in dropped))
    if args.summary:
        c = count_schema(schema)
        print(
            f"schema: {c['resources']} resources, {c['data_sources']} data sources, "
            f"{c['ephemeral_resources']} ephemeral resources ({c['attributes']} attributes, "
            f"{c['blocks']} blocks); {applied} overlay entries; {len(dropped)} members dropped; "
            f"{time.monotonic() - t0:.1f} s -> {args.out}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
