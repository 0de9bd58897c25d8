"""The Terraform layer of ``mskctl audit``: static checks of .tf files, and of a plan in JSON.

Every directory with .tf files under the roots is audited as a root, and every local module it calls
as an instance of that call (``module.kafka.aws_msk_cluster.this``). Values are followed only as far
as they are literal; a finding points at the line where the offending value is written (the module
call's argument, a variable's default, the attribute itself) or at the block that lacks a setting.
The same defect reached twice (a module audited directly and through a call) is reported once.
"""

from __future__ import annotations

from pathlib import Path

from mskctl.audit.model import Layer, LayerResult
from mskctl.audit.terraform.checks import run_checks
from mskctl.audit.terraform.findings import Findings
from mskctl.audit.terraform.hcl import no_cyclic_gc
from mskctl.audit.terraform.ignores import collect_ignores
from mskctl.audit.terraform.modules import Loader, called_directories, display_path, instances, resource_nodes
from mskctl.audit.terraform.nodes import Node
from mskctl.audit.terraform.plan import plan_nodes
from mskctl.errors import UsageError

ROOT_HINT = "Point the audit at a Terraform root or module directory (one with .tf files)."


def audit_terraform(roots: list[Path], plan: Path | None = None, *, base: Path | None = None) -> LayerResult:
    """Audit the .tf files under ``roots`` (recursively) and, if given, a plan in JSON."""
    with no_cyclic_gc():  # the parsed trees stay alive to the end: see no_cyclic_gc
        return _audit(roots, plan, base)


def _audit(roots: list[Path], plan: Path | None, base: Path | None) -> LayerResult:
    if not roots and plan is None:
        raise UsageError("Nothing to audit: no Terraform directory and no plan given.", hint=ROOT_HINT)
    base = (base or Path.cwd()).resolve()
    for root in roots:
        if not root.is_dir():
            what = "does not exist" if not root.exists() else "is not a directory"
            raise UsageError(f"Terraform root {root} {what}.", hint=ROOT_HINT)
    loader = Loader(base, roots)
    directories: list[Path] = []
    for root in roots:
        found = loader.directories_under(root)
        if not found:
            raise UsageError(f"No .tf files under {root}.", hint=ROOT_HINT)
        directories += [directory for directory in found if directory not in directories]

    # Callers first, so a defect in a module is named by the address that reaches it through a call.
    called = called_directories(loader, directories)
    ordered = [d for d in directories if d not in called] + [d for d in directories if d in called]
    nodes: list[Node] = [node for directory in ordered for instance in instances(loader, directory)
                         for node in resource_nodes(instance)]
    findings = Findings()
    run_checks(nodes, findings)

    result = LayerResult(layer=Layer.terraform)
    for file in loader.files:
        result.scanned.append(file.display)
        result.ignores.extend(collect_ignores(file.lines, file.display))
    if plan is not None:  # after the files: what they already said is not repeated
        shown = display_path(plan, base)
        run_checks(plan_nodes(plan, shown), findings)
        result.scanned.append(shown)
    result.findings = findings.items
    result.checked = findings.checked
    result.notes = loader.notes
    return result
