"""Connection options every client command takes, and turning them into a Connection."""

from __future__ import annotations

from typing import Annotated

import typer

from mskctl.clients.connection import Connection
from mskctl.config.resolve import resolve
from mskctl.config.settings import AuthMode

Profile = Annotated[str | None, typer.Option("--profile", "-p", help="Profile in ~/.config/mskctl/config.toml.")]
Auth = Annotated[AuthMode | None, typer.Option("--auth", "-a", help="iam, scram, tls, mtls or plaintext.")]
Bootstrap = Annotated[str | None, typer.Option("--bootstrap-servers", "-b",
                                               help="host:port,... for the chosen --auth mode.")]
ClusterArn = Annotated[str | None, typer.Option("--cluster-arn", help="Find brokers through the MSK API.")]
Region = Annotated[str | None, typer.Option("--region", help="AWS region (default: env, profile, ARN).")]
CaBundle = Annotated[str | None, typer.Option("--ca-bundle", help="PEM CA bundle to verify brokers.")]
ScramSecret = Annotated[str | None, typer.Option("--scram-secret", help="Secrets Manager secret ARN or name.")]
AwsProfile = Annotated[str | None, typer.Option("--aws-profile", help="AWS profile that signs IAM tokens.")]
RoleArn = Annotated[str | None, typer.Option("--role-arn", help="Assume this role to sign IAM tokens.")]
AllowPlaintext = Annotated[bool, typer.Option("--allow-plaintext", help="Permit --auth plaintext (unsafe).")]


def settings_flags(
    auth: AuthMode | None, cluster_arn: str | None, region: str | None, ca_bundle: str | None,
    scram_secret: str | None, aws_profile: str | None, role_arn: str | None, allow_plaintext: bool,
) -> dict[str, object]:
    """The connection flags as settings fields (the highest-priority source of `resolve`)."""
    flags: dict[str, object] = {
        "cluster_arn": cluster_arn, "region": region, "ca_bundle": ca_bundle, "aws_profile": aws_profile,
        "role_arn": role_arn, "allow_plaintext": allow_plaintext or None, "auth": auth,
    }
    if scram_secret:
        flags["scram_secret_arn" if scram_secret.startswith("arn:") else "scram_secret_name"] = scram_secret
    return flags


def connection(
    profile: str | None, auth: AuthMode | None, bootstrap: str | None, cluster_arn: str | None,
    region: str | None, ca_bundle: str | None, scram_secret: str | None, aws_profile: str | None,
    role_arn: str | None, allow_plaintext: bool,
) -> Connection:
    flags = settings_flags(auth, cluster_arn, region, ca_bundle, scram_secret, aws_profile, role_arn, allow_plaintext)
    settings = resolve(flags, profile=profile)
    if bootstrap:
        mode = auth or settings.chosen_auth() or AuthMode.iam
        field = "bootstrap_tls" if mode is AuthMode.mtls else f"bootstrap_{mode.value}"
        settings = settings.model_copy(update={field: bootstrap, "sources": settings.sources | {field: "flag"}})
    return Connection(settings, auth, profile)
