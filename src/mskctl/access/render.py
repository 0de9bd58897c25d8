"""A plan and an apply result as text people review (Terraform's + ~ - and ! for what cannot be done)."""

from __future__ import annotations

from rich.console import Console

from mskctl.access.apply import ApplyResult
from mskctl.access.plan import Action, Kind, Plan
from mskctl.text import styled

SYMBOLS = {Action.create: ("+", "green"), Action.update: ("~", "yellow"), Action.delete: ("-", "red"),
           Action.impossible: ("!", "magenta")}
SECTIONS = [
    ("KMS keys", (Kind.kms_key,)), ("SCRAM users", (Kind.scram_secret, Kind.scram_association)),
    ("Topics", (Kind.topic, Kind.partitions, Kind.topic_config)), ("ACLs", (Kind.acl,)),
    ("IAM policies", (Kind.iam_policy, Kind.iam_attachment)),
]


def print_plan(plan: Plan, console: Console, *, allow_delete: bool = False) -> None:
    if not plan.has_changes:
        console.print("No changes. The cluster matches the spec.", highlight=False)
        return
    for title, kinds in SECTIONS:
        changes = [c for c in plan.changes if c.kind in kinds]
        if not changes:
            continue
        console.print(styled(f"[bold]{title}[/]"))
        for change in changes:
            symbol, colour = SYMBOLS[change.action]
            label = change.kind.value
            text = styled(f"  [{colour}]{symbol} {label:<18}[/] {{}}", change.target)
            if change.summary:
                text.append_text(styled("  [dim]{}[/]", change.summary))
            if change.action is Action.delete and not allow_delete:
                text.append_text(styled("  [red](needs --allow-delete)[/]"))
            console.print(text, highlight=False, soft_wrap=True)
            if change.kind is Kind.iam_policy and change.action is Action.update:
                for action, resource in change.detail.get("added", []):
                    console.print(styled("      [green]+ {}[/] {}", action, resource), highlight=False)
                for action, resource in change.detail.get("removed", []):
                    console.print(styled("      [red]- {}[/] {}", action, resource), highlight=False)
    counts = plan.counts()
    console.print(f"\nPlan: {counts['create']} to add, {counts['update']} to change, {counts['delete']} to delete"
                  + (f", {counts['impossible']} impossible (reported, never attempted)" if counts["impossible"] else "")
                  + ".", highlight=False)


def print_result(result: ApplyResult, console: Console) -> None:
    by_action: dict[str, int] = {}
    for change in result.done:
        by_action[change.action.value] = by_action.get(change.action.value, 0) + 1
    done = ", ".join(f"{n} {a}d" if a != "update" else f"{n} updated" for a, n in sorted(by_action.items()))
    console.print(f"Applied: {done or 'nothing'} in {result.seconds:.1f} s "
                  f"({result.requests['kafka']} Kafka admin requests, {result.requests['aws']} AWS API calls; "
                  f"brokers showed every change after {result.converged_after:.1f} s).",
                  highlight=False)
    for change, reason in result.skipped:
        console.print(styled("  [yellow]skipped[/] {} {}: {}", change.kind.value, change.target, reason),
                      highlight=False)
