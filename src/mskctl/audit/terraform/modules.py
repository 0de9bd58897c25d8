"""Terraform modules as the audit reads them: a directory's .tf files, instantiated as a root or by a call.

A root takes its variables from terraform.tfvars / *.auto.tfvars (what Terraform loads by itself) and
the literal defaults; a local module call (``source = "./..."`` or ``"../..."``) passes its arguments,
evaluated in the caller. Resources of an instance are :class:`HclNode` s named with the instance's
address prefix (``module.kafka.``).

The audit stays inside its roots: a .tf file or a module folder reached through a symlink that
resolves outside every audited root is skipped, with a note (a link to ``/proc/self/environ`` or a
secret must not be read, let alone quoted in a parse error). Module calls written with ``../`` are
followed, as Terraform does. At most ``MAX_MODULE_INSTANCES`` module instances are audited: calls
fanning out through many folders (4 calls per level, 16 levels) would otherwise never finish.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from mskctl.audit.terraform.hcl import Attribute, Block, HclFile, parse_file
from mskctl.audit.terraform.nodes import Node, ValNode
from mskctl.audit.terraform.values import UNKNOWN, Val, evaluate, reference_target, references
from mskctl.errors import UsageError

MODULE_META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on"}
MAX_MODULE_DEPTH = 16
# The largest tree we audit (terraform/ of this project) has a few dozen instances; a real estate of
# many roots a few hundred. Each instance costs about a millisecond per resource.
MAX_MODULE_INSTANCES = 2_000
# And at most this many resources through them: 2,000 calls of a module of 8,000 resources would be
# 16 million resource instances from 1.1 MB of HCL. 100,000 is twice the 5 MB file's 40,000 clusters.
MAX_MODULE_RESOURCES = 100_000


def display_path(path: Path, base: Path) -> str:
    """Relative to ``base`` when under it, else absolute; always with / separators."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return resolved.as_posix()


@dataclass
class ModuleDir:
    path: Path
    files: list[HclFile] = field(default_factory=list)
    variables: dict[str, tuple[Block, HclFile]] = field(default_factory=dict)
    locals: dict[str, tuple[Attribute, HclFile]] = field(default_factory=dict)
    resources: list[tuple[Block, HclFile]] = field(default_factory=list)  # resource and data blocks
    calls: list[tuple[Block, HclFile]] = field(default_factory=list)
    tfvars: list[HclFile] = field(default_factory=list)


class Loader:
    """Reads each directory once; remembers every file read, in order."""

    def __init__(self, base: Path, roots: list[Path] | None = None) -> None:
        self.base = base
        self.roots = [root.resolve() for root in roots or []]
        self.modules: dict[Path, ModuleDir] = {}
        self.files: list[HclFile] = []
        self.notes: list[str] = []  # what was left out, and why
        self.instances = 0
        self.resources = 0  # in module instances (roots are not counted: each is audited)

    def inside_roots(self, path: Path) -> bool:
        """Whether ``path`` (resolved, symlinks and all) is under an audited root; True when none are set."""
        resolved = path.resolve()
        return not self.roots or any(resolved.is_relative_to(root) for root in self.roots)

    def escapes(self, path: Path) -> bool:
        """A symlink, or a path through one, that ends outside the audited roots: skipped, with a note."""
        written = Path(os.path.normpath(os.path.abspath(path)))  # the link itself, not where it points
        if os.path.realpath(path) != str(written) and not self.inside_roots(path):
            shown = written.relative_to(self.base).as_posix() if written.is_relative_to(self.base) else str(written)
            self.note(f"{shown}: a symlink to outside the audited folders")
            return True
        return False

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def count_instance(self, module: ModuleDir) -> bool:
        """Count one more module instance; False (and a note) beyond MAX_MODULE_INSTANCES instances or
        MAX_MODULE_RESOURCES resources in them."""
        if self.instances >= MAX_MODULE_INSTANCES or self.resources + len(module.resources) > MAX_MODULE_RESOURCES:
            self.note(f"module instances beyond {MAX_MODULE_INSTANCES:,}, or {MAX_MODULE_RESOURCES:,} resources "
                      "in them (calls fanning out through many folders); audit the modules as roots instead")
            return False
        self.instances += 1
        self.resources += len(module.resources)
        return True

    def directories_under(self, root: Path) -> list[Path]:
        """Every directory under ``root`` with .tf files (skipping .terraform and other hidden ones)."""
        found = []
        for current, subdirectories, files in os.walk(root):
            subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
            if any(name.endswith(".tf") for name in files):
                found.append(Path(current).resolve())
        return found

    def module(self, directory: Path) -> ModuleDir:
        directory = directory.resolve()
        if directory in self.modules:
            return self.modules[directory]
        module = ModuleDir(path=directory)
        for path in sorted(directory.glob("*.tf")):
            if path.is_file() and not self.escapes(path):
                _index(module, self._read(path))
        for path in sorted([*directory.glob("terraform.tfvars"), *directory.glob("*.auto.tfvars")]):
            if path.is_file() and not self.escapes(path):
                module.tfvars.append(self._read(path))
        self.modules[directory] = module
        return module

    def _read(self, path: Path) -> HclFile:
        parsed = parse_file(path, display_path(path, self.base))
        self.files.append(parsed)
        return parsed

    def call_target(self, call: Block, file: HclFile, caller: ModuleDir) -> Path | None:
        """The directory a module call uses, when its source is local; None for registry or git sources."""
        source = call.attributes.get("source")
        value = evaluate(source.expr, EMPTY_SCOPE, file.display).value if source else None
        if not isinstance(value, str) or not value.startswith(("./", "../")):
            return None
        if self.escapes(caller.path / value):
            return None
        target = (caller.path / value).resolve()
        if not target.is_dir() or not any(target.glob("*.tf")):
            raise UsageError(f"{file.display}:{call.attributes['source'].line}: module "
                             f"{call.labels[0] if call.labels else '?'!r} uses {value!r}, which has no .tf files.",
                             hint="Fix the module source, or audit the directory it is meant to be.")
        return target


def _index(module: ModuleDir, file: HclFile) -> None:
    for block in file.blocks:
        if block.type == "variable" and block.labels:
            module.variables.setdefault(block.labels[0], (block, file))
        elif block.type == "locals":
            for name, attribute in block.attributes.items():
                module.locals.setdefault(name, (attribute, file))
        elif block.type in ("resource", "data") and len(block.labels) >= 2:
            module.resources.append((block, file))
        elif block.type == "module" and block.labels:
            module.calls.append((block, file))
    module.files.append(file)


class _EmptyScope:
    """Where variable defaults and .tfvars values are evaluated: nothing can be referred to."""

    def variable(self, name: str) -> Val:
        return Val(UNKNOWN)

    def local(self, name: str) -> Val:
        return Val(UNKNOWN)


EMPTY_SCOPE = _EmptyScope()


class ModuleScope:
    """The variables and locals of one module instance."""

    def __init__(self, module: ModuleDir, given: dict[str, Val]) -> None:
        self.module = module
        self.given = given
        self._variables: dict[str, Val] = {}
        self._locals: dict[str, Val] = {}
        self._pending: set[str] = set()

    def variable(self, name: str) -> Val:
        if name not in self._variables:
            self._variables[name] = self._variable(name)
        return self._variables[name]

    def _variable(self, name: str) -> Val:
        if name in self.given:
            return self.given[name]
        if name not in self.module.variables:
            return Val(UNKNOWN)
        block, file = self.module.variables[name]
        default = block.attributes.get("default")
        if default is None:
            return Val(UNKNOWN, file.display, block.line)
        return evaluate(default.expr, EMPTY_SCOPE, file.display)

    def local(self, name: str) -> Val:
        if name in self._locals:
            return self._locals[name]
        if name in self._pending or name not in self.module.locals:
            return Val(UNKNOWN)  # a cycle (Terraform refuses it) or an undefined local
        self._pending.add(name)
        attribute, file = self.module.locals[name]
        self._locals[name] = evaluate(attribute.expr, self, file.display)
        self._pending.discard(name)
        return self._locals[name]


@dataclass
class Instance:
    module: ModuleDir
    scope: ModuleScope
    prefix: str  # "" or "module.kafka."


def instances(loader: Loader, directory: Path) -> Iterator[Instance]:
    """The directory as a root, then every instance of the local modules it calls, depth first."""
    module = loader.module(directory)
    given: dict[str, Val] = {}
    for tfvars in module.tfvars:
        given.update({name: evaluate(attribute.expr, EMPTY_SCOPE, tfvars.display)
                      for name, attribute in tfvars.attributes.items()})
    yield from _instantiate(loader, module, given, "", (module.path,))


def _instantiate(loader: Loader, module: ModuleDir, given: dict[str, Val], prefix: str,
                 chain: tuple[Path, ...]) -> Iterator[Instance]:
    if prefix and not loader.count_instance(module):  # roots are not counted: each is audited
        return
    scope = ModuleScope(module, given)
    yield Instance(module, scope, prefix)
    if len(chain) >= MAX_MODULE_DEPTH:
        return
    for call, file in module.calls:
        target = loader.call_target(call, file, module)
        if target is None or target in chain or not _exists(call, scope, file):
            continue
        arguments = {name: evaluate(attribute.expr, scope, file.display)
                     for name, attribute in call.attributes.items() if name not in MODULE_META_ARGUMENTS}
        yield from _instantiate(loader, loader.module(target), arguments, f"{prefix}module.{call.labels[0]}.",
                                (*chain, target))


def called_directories(loader: Loader, directories: list[Path]) -> set[Path]:
    """Directories that some other directory calls as a local module."""
    called: set[Path] = set()
    for directory in directories:
        module = loader.module(directory)
        for call, file in module.calls:
            target = loader.call_target(call, file, module)
            if target is not None and target != module.path:
                called.add(target)
    return called


def _exists(block: Block, scope: ModuleScope, file: HclFile) -> bool:
    """False when count is 0 or for_each is empty (known); True otherwise, also when unknown."""
    count = block.attributes.get("count")
    if count is not None and evaluate(count.expr, scope, file.display).value == 0:
        return False
    for_each = block.attributes.get("for_each")
    if for_each is not None:
        value = evaluate(for_each.expr, scope, file.display).value
        if value in ([], {}, None):
            return False
    return True


def resource_nodes(instance: Instance) -> Iterator[HclNode]:
    for block, file in instance.module.resources:
        if not _exists(block, instance.scope, file):
            continue
        kind, name = block.labels[0], block.labels[1]
        mode = "managed" if block.type == "resource" else "data"
        address = f"{instance.prefix}{'data.' if mode == 'data' else ''}{kind}.{name}"
        yield HclNode(block=block, source=file, scope=instance.scope, mode=mode, type=kind, address=address,
                      module=instance.prefix)


@dataclass
class HclNode:
    """A resource (or nested block) written in a .tf file, read through its module instance's scope."""

    block: Block
    source: HclFile
    scope: ModuleScope
    mode: str
    type: str
    address: str
    module: str
    maybe: bool = False

    @property
    def file(self) -> str:
        return self.source.display

    @property
    def line(self) -> int:
        return self.block.line

    def attr(self, name: str) -> Val | None:
        if self.maybe:
            return Val(UNKNOWN, self.file, self.line)
        attribute = self.block.attributes.get(name)
        if attribute is None:
            return None
        value = evaluate(attribute.expr, self.scope, self.file)
        return None if value.value is None else value

    def blocks(self, name: str) -> list[Node]:
        found: list[Node] = []
        for child in self.block.blocks:
            if child.type == name:
                found.append(self._nested(child, self.maybe))
            elif child.type == "dynamic" and child.labels[:1] == (name,):
                found.extend(self._dynamic(child))
        listed = self.attr(name) if name in self.block.attributes else None  # ingress = [{...}]
        if listed is not None and isinstance(listed.value, list):
            found.extend(ValNode(mode=self.mode, type=self.type, address=self.address, module=self.module,
                                 value=item, file=self.file, line=item.line, maybe=self.maybe)
                         for item in listed.value if isinstance(item.value, dict))
        elif listed is not None and not listed.known:
            found.append(replace(self, maybe=True))
        return found

    def _nested(self, block: Block, maybe: bool) -> HclNode:
        return replace(self, block=block, maybe=maybe)

    def _dynamic(self, dynamic: Block) -> list[Node]:
        content = dynamic.children("content")
        if not content:
            return []
        for_each = dynamic.attributes.get("for_each")
        value = evaluate(for_each.expr, self.scope, self.file) if for_each else Val(UNKNOWN)
        if value.value in ([], {}, None):
            return []
        # The content's references to the iterator are unknown; its literal values are what each copy has.
        return [self._nested(replace(content[0], line=dynamic.line), self.maybe or not value.known)]

    def references(self, name: str) -> set[str]:
        attribute = self.block.attributes.get(name)
        return {f"{self.module}{ref}" for ref in references(attribute.expr)} if attribute else set()

    def literal(self, name: str) -> Val | None:
        return self.attr(name)

    def target(self, name: str) -> str | None:
        attribute = None if self.maybe else self.block.attributes.get(name)
        resource = reference_target(attribute.expr) if attribute else None
        return f"{self.module}{resource}" if resource else None
