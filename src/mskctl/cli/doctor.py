"""``mskctl doctor``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mskctl.cli import options as o
from mskctl.cli.output import console, print_json
from mskctl.doctor.checks import run
from mskctl.errors import ExitCode
from mskctl.text import printable, styled


def doctor(
    topic: Annotated[str | None, typer.Option("--topic", "-t", help=o.env_help("Also check access to this topic.",
                                                                               "topic"))] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help=o.env_help("Also check access to this group.",
                                                                               "consumer_group"))] = None,
    write_test: Annotated[bool, typer.Option("--write-test", help="Round trip on a scratch topic.")] = False,
    output: Annotated[str, typer.Option("--output", "-o", help="table or json.",
                                         callback=o.choice("table", "json"))] = "table",
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Walk settings -> DNS -> TCP -> TLS -> SASL -> authentication -> authorization, stop at the first break."""
    flags = o.settings_flags(auth, cluster_arn, region, ca_bundle, scram_secret, aws_profile, role_arn,
                             allow_plaintext)
    report = run(flags, profile, auth, topic, group, write_test, bootstrap)
    if output == "json":
        print_json(report.as_dict())
    else:
        table = Table("check", "result", "detail")
        style = {"ok": "[green]ok[/]", "failed": "[red]FAILED[/]", "skipped": "[dim]skipped[/]"}
        for check in report.checks:
            table.add_row(check.name, styled(style[check.status]), check.detail)  # broker and AWS text: plain
        console.print(table)
        failed = next((c for c in report.checks if c.status == "failed"), None)
        if failed:
            console.print(styled("[bold red]broken link:[/] {}", failed.name), highlight=False)
            # The fix may span lines: its own newlines are kept, every other control character escaped.
            console.print(styled("[yellow]fix:[/] ") + printable(failed.fix, keep="\n"), highlight=False)
        else:
            console.print(styled("[green]healthy[/] ({})", report.auth), highlight=False)
    if not report.healthy:
        raise typer.Exit(ExitCode.FINDINGS)
