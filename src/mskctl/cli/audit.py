"""``mskctl audit``: Terraform, the AWS API and the live cluster against the seeds' security checklist."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mskctl.audit.engine import AuditReport, AuditRequest, run_audit
from mskctl.audit.model import LayerResult, Severity
from mskctl.cli import options as o
from mskctl.cli.output import console, err_console, print_json
from mskctl.clients.connection import Connection
from mskctl.errors import ExitCode, MskctlError, UsageError
from mskctl.files import PUBLIC, check_target, output_path, write_file


class AuditOutput(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"


def audit(
    terraform: Annotated[list[Path] | None, typer.Option(
        "--terraform", help="Terraform/OpenTofu directory to audit statically (repeatable).")] = None,
    plan: Annotated[Path | None, typer.Option("--plan", help="`tofu show -json PLAN` output: resolved values.")]
    = None,
    aws: Annotated[bool, typer.Option("--aws", help="Audit the deployed clusters through the AWS API.")] = False,
    live: Annotated[bool, typer.Option("--live", help="Audit the brokers, topics and ACLs (Kafka admin API).")]
    = False,
    output: Annotated[AuditOutput, typer.Option("--output", "-o", help="table, json or sarif (2.1.0).",
                                                case_sensitive=False)]
    = AuditOutput.table,
    fail_on: Annotated[Severity, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this.",
                                              case_sensitive=False)]
    = Severity.medium,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="YAML of accepted findings (reason, "
                                                                       "expiry).")] = None,
    controls: Annotated[bool, typer.Option("--controls", help="Also show the checklist x layer matrix.")] = False,
    show_suppressed: Annotated[bool, typer.Option("--show-suppressed", help="List suppressed findings too.")]
    = False,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and what they map to, then exit.")]
    = False,
    write_baseline: Annotated[str | None, typer.Option(
        "--write-baseline", help="Write the current findings as a baseline file (needs --reason).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Reason recorded by --write-baseline.")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="Expiry for --write-baseline (YYYY-MM-DD; "
                                                                  "default: in 90 days).")] = None,
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None,
) -> None:
    """Audit Terraform, the AWS API and the live cluster; exit 0 clean, 1 findings, 64 and up errors (docs/cli.md).

    With no layer flag: the current profile's AWS API and cluster, and ./terraform when it exists.
    """
    from mskctl.audit import render

    if rules:
        print_json(render.rules_json()) if output is not AuditOutput.table else render.print_rules(console)
        return
    # Errors keep their own codes (64 and up): none can be read as findings (1) by CI.
    baseline_out = output_path(write_baseline, "--write-baseline") if write_baseline is not None else None
    if baseline_out is not None:
        _check_baseline_target(baseline_out, reason, expires)
    report = _run(terraform or [], plan, aws, live, baseline, (profile, auth, bootstrap, cluster_arn, region,
                                                               ca_bundle, scram_secret, aws_profile, role_arn))
    if baseline_out is not None:
        _write_baseline(baseline_out, report, reason, expires)
    from mskctl.audit.controls import matrix

    matrix_rows = matrix(report) if controls else None
    if output is AuditOutput.sarif:
        from mskctl.audit.sarif import to_sarif

        print_json(to_sarif(report))
    elif output is AuditOutput.json:
        print_json(render.as_json(report, fail_on, matrix_rows))
    else:
        render.print_findings(report, fail_on, console, show_suppressed=show_suppressed)
        if matrix_rows is not None:
            render.print_controls(matrix_rows, console)
    if report.failing(fail_on):
        raise typer.Exit(ExitCode.FINDINGS)


def _run(terraform: list[Path], plan: Path | None, aws: bool, live: bool, baseline: Path | None,
         conn_args: tuple[str | None, ...]) -> AuditReport:
    implicit = not (terraform or plan or aws or live)
    if implicit:
        aws = live = True
        if Path("terraform").is_dir():
            terraform = [Path("terraform")]
    request = AuditRequest(terraform=terraform, plan=plan, aws=aws, live=live, baseline=baseline,
                           implicit=implicit)
    (profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile, role_arn) = conn_args
    if cluster_arn:
        request.cluster_arns = [cluster_arn]

    def connection() -> Connection:
        return o.connection(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                            role_arn, False)

    def run_aws(arns: list[str]) -> LayerResult:
        from mskctl.audit.aws import audit_aws
        from mskctl.config.resolve import resolve

        # The AWS API needs a region and credentials, not brokers: settings only, no Kafka connection.
        flags = o.settings_flags(None, cluster_arn, region, ca_bundle, scram_secret, aws_profile, role_arn, False)
        return audit_aws(resolve(flags, profile=profile), arns or None)

    def run_live() -> LayerResult:
        from mskctl.audit.live import audit_live

        conn = connection()
        return audit_live(conn, _cluster_label(conn, profile))

    return run_audit(request, aws=run_aws, live=run_live)


def _cluster_label(conn: Connection, profile: str | None) -> str:
    """The <cluster> of kafka://<cluster>/...: the MSK name, else the profile, else the first broker."""
    settings = conn.settings
    if settings.cluster_name:
        return settings.cluster_name
    if settings.cluster_arn:
        parts = settings.cluster_arn.split("/")
        if len(parts) >= 2:
            return parts[1]
    if profile:
        return profile
    try:
        return conn.bootstrap.split(",")[0].rsplit(":", 1)[0]
    except MskctlError:
        return "cluster"


def _check_baseline_target(path: Path, reason: str | None, expires: str | None) -> date:
    """Before auditing: a bad --write-baseline request fails fast."""
    if not reason or not reason.strip():
        raise UsageError("--write-baseline needs --reason: a baseline entry without a reason suppresses nothing.",
                         hint='Add --reason "why these findings are accepted".')
    try:
        until = date.fromisoformat(expires) if expires else date.today() + timedelta(days=90)
    except ValueError:
        raise UsageError(f"--expires {expires!r} is not a date.", hint="Write it as YYYY-MM-DD.") from None
    if until < date.today():
        raise UsageError(f"--expires {until} is in the past.", hint="Give a future date.")
    check_target(path, option="--write-baseline")  # exists (a dangling link too), a folder, no folder: refused
    return until


def _write_baseline(path: Path, report: AuditReport, reason: str | None, expires: str | None) -> None:
    from mskctl.audit.suppress import baseline_text

    until = _check_baseline_target(path, reason, expires)
    write_file(path, baseline_text(report.active, reason or "", until), option="--write-baseline", mode=PUBLIC)
    err_console.print(f"wrote {len(report.active)} finding(s) to {path} (expires {until})", highlight=False)
