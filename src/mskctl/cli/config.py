"""``mskctl config show | export | from-terraform``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mskctl.cli import options as o
from mskctl.cli.output import console, err_console, print_json
from mskctl.config import export as exporters
from mskctl.config.formats import shell_export
from mskctl.config.profiles import write_profile
from mskctl.config.resolve import resolve
from mskctl.config.settings import ENV_VARS, Settings
from mskctl.config.terraform import check_outputs, load_outputs, settings_from_outputs
from mskctl.errors import UsageError
from mskctl.files import check_target, output_path, starts_with, write_file

app = typer.Typer(help="Connection settings: show, export, import from Terraform.", no_args_is_help=True)


@app.command()
def show(
    output: Annotated[str, typer.Option("--output", "-o", help="table or json.",
                                         callback=o.choice("table", "json"))] = "table",
    profile: o.Profile = None, cluster_arn: o.ClusterArn = None, region: o.Region = None,
    discover: Annotated[bool, typer.Option("--discover/--no-discover", help="Ask the MSK API for brokers.")] = True,
) -> None:
    """The resolved settings and where each came from (secrets masked)."""
    settings = resolve({"cluster_arn": cluster_arn, "region": region}, profile=profile, discover=discover)
    shown = settings.masked()
    if output == "json":
        print_json({"settings": shown, "sources": settings.sources, "auth": _auth_name(settings)})
        return
    table = Table("setting", "value", "from")
    for key, value in shown.items():
        table.add_row(key, str(value), settings.sources.get(key, "default"))
    console.print(table)
    err_console.print(f"auth mode: {_auth_name(settings)}", highlight=False)


def _auth_name(settings: Settings) -> str:
    mode = settings.chosen_auth()
    return mode.value if mode else "none (no bootstrap servers)"


@app.command("export")
def export_settings(
    export_format: Annotated[str, typer.Option("--format", help="properties, librdkafka, env or kcat.")],
    out: Annotated[str | None, typer.Option("--out", help="Write to this new file (mode 0600, atomically) instead "
                                             "of stdout.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    reveal_secrets: Annotated[bool, typer.Option("--reveal-secrets", help="Write the SCRAM password.")] = False,
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Settings for other clients: Java client.properties (kafka-*.sh --command-config), librdkafka, env, kcat."""
    if export_format not in ("properties", "librdkafka", "env", "kcat"):
        raise UsageError(f"--format {export_format!r} is not one of properties, librdkafka, env, kcat.")
    target = output_path(out, "--out") if out is not None else None
    if target is not None:
        check_target(target, option="--out", force=force)  # before any AWS call: a bad path fails fast
    if export_format == "env":
        text = exporters.env_lines(resolve({"cluster_arn": cluster_arn, "region": region}, profile=profile))
    else:
        conn = o.connection(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                            role_arn, allow_plaintext)
        config = conn.client_settings.config
        password = config.get("sasl.password") if reveal_secrets else None
        settings = conn.settings.model_copy(update={"scram_username": conn.scram_user})
        text = {
            "properties": lambda: exporters.java_properties(settings, conn.mode, password),
            "librdkafka": lambda: exporters.librdkafka(config, reveal_secrets),
            "kcat": lambda: exporters.kcat_args(config, conn.mode, reveal_secrets),
        }[export_format]()
    if target is None:
        print(text, end="")
        return
    write_file(target, text, option="--out", force=force)
    err_console.print(f"wrote {target}", highlight=False)


@app.command("from-terraform")
def from_terraform(
    source: Annotated[Path, typer.Argument(help="A Terraform directory, or `terraform output -json` saved to a file.")],
    profile: Annotated[str, typer.Option("--profile", "-p", help="Profile name to write.")] = "default",
    env_file: Annotated[str, typer.Option("--env-file", help="Also write seed 001's msk_config.env here.")] = (
        "msk_config.env"),
    no_env_file: Annotated[bool, typer.Option("--no-env-file")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an --env-file that mskctl did not write.")] = False,
) -> None:
    """Turn Terraform outputs into a profile (and msk_config.env, as seed 001's generate_config.sh)."""
    values = settings_from_outputs(load_outputs(source))
    check_outputs(values)  # bootstrap strings and topic as every other source of settings
    env_path = None if no_env_file else output_path(env_file, "--env-file")
    env_text = None if env_path is None else env_file_text(values)
    if env_path is not None:  # checked before the profile is written: nothing is written when one would fail
        check_target(env_path, option="--env-file", force=force, ours=starts_with(ENV_FILE_HEADER))
    path = write_profile(profile, values)
    err_console.print(f"profile {profile} written to {path}", highlight=False)
    if env_path is not None and env_text is not None:
        write_file(env_path, env_text, option="--env-file", force=force, ours=starts_with(ENV_FILE_HEADER))
        err_console.print(f"environment written to {env_path}", highlight=False)


ENV_FILE_HEADER = "# Generated by mskctl config from-terraform"


def env_file_text(values: dict[str, str]) -> str:
    """msk_config.env: one ``export NAME='value'`` per setting; sourcing it runs nothing (shell_export)."""
    lines = [f"{ENV_FILE_HEADER}; `source` it before running clients."]
    lines += [shell_export(ENV_VARS[k], v) for k, v in values.items() if k in ENV_VARS]
    return "\n".join(lines) + "\n"
