"""Connection options every client command takes, and turning them into settings and a Connection.

Help texts name the environment variable each option falls back to, read from ``ENV_VARS``: the same
table ``resolve`` reads, so the help cannot drift from the code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Annotated

import typer

from mskctl.clients.connection import Connection
from mskctl.config.resolve import resolve
from mskctl.config.settings import ENV_VARS, AuthMode, Settings
from mskctl.errors import UsageError


def env_help(text: str, *fields: str) -> str:
    """``text`` plus the env var(s) the option falls back to, e.g. ``... (env: MSK_TOPIC)``.

    Parentheses, not brackets: typer renders help as rich markup, where ``[env: X]`` would vanish as a tag.
    """
    return f"{text} (env: {' / '.join(ENV_VARS[f] for f in fields)})"


Profile = Annotated[str | None, typer.Option("--profile", "-p", help="Profile in ~/.config/mskctl/config.toml "
                                             "(env: MSKCTL_PROFILE).")]
Auth = Annotated[AuthMode | None, typer.Option("--auth", "-a", help="iam, scram, tls, mtls or plaintext.")]
Bootstrap = Annotated[str | None, typer.Option(
    "--bootstrap-servers", "-b",
    help=env_help("host:port,... filed under --auth, else the mode the other settings choose, else iam.",
                  "bootstrap_iam", "bootstrap_scram", "bootstrap_tls"))]
ClusterArn = Annotated[str | None, typer.Option("--cluster-arn", help=env_help("Find brokers through the MSK API.",
                                                                               "cluster_arn"))]
Region = Annotated[str | None, typer.Option("--region", help=env_help("AWS region (else AWS_DEFAULT_REGION, the "
                                                                      "profile, the ARN).", "region"))]
CaBundle = Annotated[str | None, typer.Option("--ca-bundle", help=env_help("PEM CA bundle to verify brokers.",
                                                                           "ca_bundle"))]
ScramSecret = Annotated[str | None, typer.Option("--scram-secret", help=env_help(
    "Secrets Manager secret ARN or name.", "scram_secret_arn", "scram_secret_name"))]
AwsProfile = Annotated[str | None, typer.Option("--aws-profile", help=env_help("AWS profile that signs IAM tokens.",
                                                                              "aws_profile"))]
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


def settings(
    profile: str | None, auth: AuthMode | None, bootstrap: str | None, cluster_arn: str | None,
    region: str | None, ca_bundle: str | None, scram_secret: str | None, aws_profile: str | None,
    role_arn: str | None, allow_plaintext: bool, data: Mapping[str, object] | None = None,
) -> Settings:
    """Flags (connection, and a data command's ``data`` flags: topic, count...) > env vars > profile > AWS."""
    flags = settings_flags(auth, cluster_arn, region, ca_bundle, scram_secret, aws_profile, role_arn, allow_plaintext)
    return resolve(flags | dict(data or {}), profile=profile).with_bootstrap(bootstrap, auth)


def connection(
    profile: str | None, auth: AuthMode | None, bootstrap: str | None, cluster_arn: str | None,
    region: str | None, ca_bundle: str | None, scram_secret: str | None, aws_profile: str | None,
    role_arn: str | None, allow_plaintext: bool,
) -> Connection:
    resolved = settings(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile, role_arn,
                        allow_plaintext)
    return Connection(resolved, auth, profile)


def require_topic(resolved: Settings, command: str) -> str:
    """The topic from TOPIC, MSK_TOPIC or the profile; naming both the argument and the variable when missing."""
    if resolved.topic:
        return resolved.topic
    raise UsageError(f"No topic: pass TOPIC or set {ENV_VARS['topic']}.",
                     hint=f"e.g. `mskctl {command} orders`, `export {ENV_VARS['topic']}=orders`, or topic = "
                     "\"orders\" in the profile.")


def finite(value: float | None) -> float | None:
    """A typer callback for seconds and intervals: ``nan`` and ``inf`` pass click's min= check, and never end."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds: give a finite number, e.g. 10.")
    return value


def choice(*allowed: str) -> Callable[[str], str]:
    """A typer callback: ``-o xml`` (or a typo) is a usage error naming the choices, not a silent table."""
    def check(value: str) -> str:
        if value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}.")
        return value
    return check
