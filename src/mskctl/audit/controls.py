"""The compliance matrix: each checklist item of seeds 002/004 x each layer -> pass, fail or not checked."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mskctl.audit.engine import AuditReport
from mskctl.audit.model import Layer
from mskctl.audit.rules import CHECKLIST, RULES

MATRIX_LAYERS = (Layer.terraform, Layer.aws, Layer.live)


class Status(StrEnum):
    passed = "pass"
    failed = "fail"
    not_checked = "not checked"


@dataclass(frozen=True)
class Control:
    item: str
    text: str
    status: dict[Layer, Status]
    failing_rules: dict[Layer, tuple[str, ...]]
    rules: tuple[str, ...]  # every rule that maps to the item

    def as_json(self) -> dict[str, object]:
        return {"item": self.item, "text": self.text, "rules": list(self.rules),
                "layers": {layer.value: {"status": self.status[layer].value,
                                         "failing": list(self.failing_rules[layer])} for layer in MATRIX_LAYERS}}


def matrix(report: AuditReport) -> list[Control]:
    """Fail: an unsuppressed finding of a mapped rule; pass: a mapped rule was evaluated there with none."""
    checked = {result.layer: result.checked for result in report.layers}
    failing: dict[tuple[str, Layer], set[str]] = {}
    for finding in report.active:
        for item in finding.rule.checklist:
            failing.setdefault((item, finding.layer), set()).add(finding.rule.id)
    controls = []
    for item, text in CHECKLIST.items():
        mapped = tuple(rule.id for rule in RULES.values() if item in rule.checklist)
        status: dict[Layer, Status] = {}
        failed: dict[Layer, tuple[str, ...]] = {}
        for layer in MATRIX_LAYERS:
            bad = tuple(sorted(failing.get((item, layer), ())))
            failed[layer] = bad
            if bad:
                status[layer] = Status.failed
            elif any(rule_id in checked.get(layer, ()) for rule_id in mapped):
                status[layer] = Status.passed
            else:
                status[layer] = Status.not_checked
        controls.append(Control(item, text, status, failed, mapped))
    return controls
