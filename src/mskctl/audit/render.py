"""The audit for people (rich tables) and for programs (JSON)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from mskctl.audit.controls import MATRIX_LAYERS, Control, Status
from mskctl.audit.engine import AuditReport
from mskctl.audit.model import Finding, Severity
from mskctl.audit.rules import RULES
from mskctl.text import cell, printable, styled

WIDE = 160  # below this many columns findings print as blocks, not a table
STYLES = {Severity.critical: "bold red", Severity.high: "red", Severity.medium: "yellow", Severity.low: "cyan"}
STATUS_STYLES = {Status.passed: "green", Status.failed: "bold red", Status.not_checked: "dim"}


def summary(report: AuditReport, threshold: Severity) -> dict[str, Any]:
    counts = Counter(f.severity.value for f in report.active)
    return {"findings": len(report.active), "suppressed": len(report.findings) - len(report.active),
            "bySeverity": {s.value: counts.get(s.value, 0) for s in reversed(Severity)},
            "failOn": threshold.value, "failing": len(report.failing(threshold)),
            "layers": sorted(layer.value for layer in report.audited())}


def as_json(report: AuditReport, threshold: Severity, controls: list[Control] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "summary": summary(report, threshold),
        "findings": [f.as_json() for f in report.findings],
        "layers": {r.layer.value: {"checked": sorted(r.checked), "scanned": r.scanned, "seconds": round(r.seconds, 3)}
                   for r in report.layers},
        "notAudited": report.unreached,
        "unusedBaseline": report.unused_baseline,
    }
    if controls is not None:
        data["controls"] = [c.as_json() for c in controls]
    return data


def print_findings(report: AuditReport, threshold: Severity, console: Console, *, show_suppressed: bool) -> None:
    shown = [f for f in report.findings if show_suppressed or f.suppressed is None]
    if shown and console.width < WIDE:
        _print_blocks(shown, console)
    elif shown:
        table = Table(show_lines=False, header_style="bold", expand=False)
        for column in ("severity", "rule", "layer", "where", "what", "fix"):
            table.add_column(column, overflow="fold")
        for finding in shown:
            severity = finding.severity
            label = styled(f"[{STYLES[severity]}]{{}}[/]" + (" (suppressed)" if finding.suppressed else ""),
                           severity.value)
            table.add_row(label, finding.rule.id, finding.layer.value, cell(finding.location), finding.message,
                          finding.remedy)
        console.print(table)
    for note in report.unreached:
        console.print(styled("[dim]not audited: {}[/]", note), highlight=False)
    for unused in report.unused_baseline:
        console.print(styled("[dim]baseline entry matched nothing: {}[/]", unused), highlight=False)
    data = summary(report, threshold)
    counts = ", ".join(f"{n} {s}" for s, n in data["bySeverity"].items() if n)
    verdict = (f"[bold red]{data['failing']} at or above {threshold.value}[/]" if data["failing"]
               else f"[green]none at or above {threshold.value}[/]")  # numbers and names of mskctl's own
    console.print(styled(f"{{}} finding(s){{}}, {data['suppressed']} suppressed, layers: {{}}; {verdict}",
                         data["findings"], f" ({counts})" if counts else "", ", ".join(data["layers"])),
                  highlight=False)


def _print_blocks(findings: list[Finding], console: Console) -> None:
    """One finding per block: readable in narrow terminals and CI logs, where a six-column table is not."""
    for finding in findings:
        severity = finding.severity
        line = styled(f"[{STYLES[severity]}]{{}}[/] [bold]{{}}[/]  [dim]{{}}[/]  {{}}", f"{severity.value.upper():8}",
                      finding.rule.id, finding.layer.value, finding.location)
        if finding.suppressed:
            line.append_text(styled("  [dim](suppressed: {})[/]", finding.suppressed.reason))
        console.print(line, highlight=False)
        console.print(f"         {printable(finding.message)}", highlight=False)
        console.print(styled("         [dim]fix:[/] {}", finding.remedy), highlight=False)


def print_controls(controls: list[Control], console: Console) -> None:
    table = Table(title="Checklist (seeds 002 and 004) x layer", header_style="bold")
    table.add_column("item")
    table.add_column("control", overflow="fold")
    for layer in MATRIX_LAYERS:
        table.add_column(layer.value)
    for control in controls:
        cells = []
        for layer in MATRIX_LAYERS:
            status = control.status[layer]
            text = status.value + (f" ({', '.join(control.failing_rules[layer])})" if status is Status.failed
                                   else "")
            cells.append(styled(f"[{STATUS_STYLES[status]}]{{}}[/]", text))
        table.add_row(control.item, control.text, *cells)
    console.print(table)


def print_rules(console: Console) -> None:
    table = Table(title="mskctl audit rules", header_style="bold")
    for column in ("rule", "severity", "layers", "checklist", "Security Hub / checkov / Prowler"):
        table.add_column(column, overflow="fold")
    for rule in RULES.values():
        table.add_row(styled("{}\n[dim]{}[/]", rule.id, rule.title), styled(f"[{STYLES[rule.severity]}]{{}}[/]",
                                                                            rule.severity.value),
                      ", ".join(layer.value for layer in rule.layers), ", ".join(rule.checklist),
                      ", ".join((*rule.security_hub, *rule.checkov, *rule.prowler)) or "-")
    console.print(table)


def rules_json() -> list[dict[str, Any]]:
    return [{"id": r.id, "title": r.title, "severity": r.severity.value, "layers": [x.value for x in r.layers],
             "checklist": list(r.checklist), "securityHub": list(r.security_hub), "checkov": list(r.checkov),
             "prowler": list(r.prowler), "fix": r.fix, "help": r.help} for r in RULES.values()]


def rules_markdown() -> str:
    """The rule catalogue as the Markdown table in docs/audit.md (a test keeps the two equal)."""
    lines = ["| rule | severity | layers | checklist | Security Hub | checkov | Prowler |",
             "|---|---|---|---|---|---|---|"]
    for r in RULES.values():
        lines.append(f"| `{r.id}`<br>{r.title} | {r.severity.value} | {', '.join(x.value for x in r.layers)} | "
                     f"{', '.join(r.checklist)} | {', '.join(r.security_hub) or '-'} | "
                     f"{', '.join(r.checkov) or '-'} | {', '.join(r.prowler) or '-'} |")
    return "\n".join(lines) + "\n"


def update_docs(path: str) -> None:
    """Rewrite the rule table between the markers of docs/audit.md."""
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text(encoding="utf-8")
    start = text.index("\n", text.index("<!-- rules:start")) + 1
    end = text.index("<!-- rules:end -->")
    doc.write_text(text[:start] + rules_markdown() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    import sys

    update_docs(sys.argv[1] if len(sys.argv) > 1 else "docs/audit.md")
