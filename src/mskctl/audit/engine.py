"""Run the chosen layers, apply suppressions, and decide the exit code."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from mskctl.audit.model import Finding, Layer, LayerResult, Severity
from mskctl.audit.suppress import apply, load_baseline
from mskctl.errors import MskctlError, UsageError


@dataclass
class AuditRequest:
    terraform: list[Path] = field(default_factory=list)
    plan: Path | None = None
    aws: bool = False
    live: bool = False
    baseline: Path | None = None
    cluster_arns: list[str] = field(default_factory=list)
    implicit: bool = False  # no layer was named: audit what is reachable, note what is not


@dataclass
class AuditReport:
    layers: list[LayerResult]
    findings: list[Finding]
    unused_baseline: list[str] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)  # layers left out of an implicit audit, and why

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    def failing(self, threshold: Severity) -> list[Finding]:
        return [f for f in self.active if f.severity.at_least(threshold)]

    def audited(self) -> set[Layer]:
        return {result.layer for result in self.layers}


def run_audit(request: AuditRequest, *, aws: Callable[[list[str]], LayerResult] | None = None,
              live: Callable[[], LayerResult] | None = None,
              terraform: Callable[[list[Path], Path | None], LayerResult] | None = None,
              today: date | None = None) -> AuditReport:
    """``aws``/``live`` run those layers (the CLI binds them to the profile's clients); ``terraform``
    defaults to the static audit of the request's directories."""
    baseline = load_baseline(request.baseline) if request.baseline else None  # bad baselines fail first
    runners: list[tuple[Layer, Callable[[], LayerResult]]] = []
    if request.terraform or request.plan:
        if terraform is None:
            from mskctl.audit.terraform import audit_terraform as terraform
        static = terraform
        runners.append((Layer.terraform, lambda: static(request.terraform, request.plan)))
    if request.aws and aws is not None:
        runners.append((Layer.aws, lambda: aws(request.cluster_arns)))
    if request.live and live is not None:
        runners.append((Layer.live, live))
    # The layers wait on different things (parsing, the AWS API, the brokers): run them side by side.
    with ThreadPoolExecutor(max(1, len(runners))) as pool:
        futures = [(layer, pool.submit(_timed, run)) for layer, run in runners]
    layers: list[LayerResult] = []
    unreached: list[str] = []
    for layer, future in futures:  # in the order asked, so errors and output do not depend on timing
        try:
            layers.append(future.result())
        except MskctlError as exc:
            if not request.implicit or layer is Layer.terraform:  # a layer that was asked for must run
                raise
            unreached.append(f"{layer.value}: {exc.message}")
    if not layers:
        raise UsageError("Nothing to audit: " + ("; ".join(unreached) if unreached else "no layer was reachable."),
                         hint="Name the layers: --terraform DIR, --plan PLAN.json, --aws, --live "
                              "(with a profile, --bootstrap-servers or --cluster-arn).")
    unreached += [f"{result.layer.value}: {note}" for result in layers for note in result.notes]
    findings = [f for result in layers for f in result.findings]
    ignores = [i for result in layers for i in result.ignores]
    applied = apply(_dedupe(findings), ignores, baseline, today)
    return AuditReport(layers, applied.findings, applied.unused, unreached)


def _timed(run: Callable[[], LayerResult]) -> LayerResult:
    started = time.perf_counter()
    result = run()
    result.seconds = time.perf_counter() - started
    return result


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for finding in findings:
        key = (finding.rule.id, finding.layer.value, str(finding.location))
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return sorted(kept, key=lambda f: (-f.severity.rank, f.layer.value, str(f.location), f.rule.id))
