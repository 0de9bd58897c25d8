"""Resolve connection settings, in order: CLI flags, environment variables, the profile, AWS discovery."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mskctl.config import discovery
from mskctl.config.profiles import config_path, load_profile
from mskctl.config.settings import ENV_VARS, REGION_FALLBACK_ENV, AuthMode, Settings, bootstrap_env_var
from mskctl.errors import UsageError


def resolve(
    flags: Mapping[str, Any] | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    discover: bool = True,
) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def take(candidates: Mapping[str, Any], source: str) -> None:
        for key, value in candidates.items():
            if value is not None and value != "" and key not in values:
                values[key] = value
                sources[key] = source

    take(dict(flags or {}), "flag")
    take({key: environ.get(var) for key, var in ENV_VARS.items()}, "env")
    if "region" not in values and environ.get(REGION_FALLBACK_ENV):
        take({"region": environ[REGION_FALLBACK_ENV]}, f"env {REGION_FALLBACK_ENV}")
    profile_values, profile_name = load_profile(profile)
    if profile_name:
        take(profile_values, f"profile {profile_name}")

    settings = _build(values, sources)
    if discover and settings.bootstrap_for(settings.chosen_auth() or AuthMode.iam) is None and (
        settings.cluster_arn or settings.cluster_name
    ):
        found = discovery.discover(settings)
        take(found, "aws")
        settings = _build(values, sources)
    return settings


def _build(values: dict[str, Any], sources: dict[str, str]) -> Settings:
    if "region" not in values and str(values.get("cluster_arn", "")).startswith("arn:"):
        values["region"] = str(values["cluster_arn"]).split(":")[3]
        sources["region"] = "cluster ARN"
    try:
        return Settings(**values, sources=dict(sources))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        reason = first["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's ValueError
        raise UsageError(
            f"{_named(field, sources.get(field), values.get(field))} is invalid: {reason}.",
            hint=f"Fix it where it comes from ({sources.get(field, 'your input')}).",
        ) from None


def _named(field: str, source: str | None, value: Any) -> str:
    """How the user wrote the setting: ``NUM_MESSAGES='abc' (env)``, not the internal field name."""
    if source == "env" and field in ENV_VARS:
        return f"{ENV_VARS[field]}={str(value)!r} (env)"
    return f"Setting {field!r}={str(value)!r} (from {source or 'input'})"


def places_looked(mode: AuthMode | None, profile: str | None) -> str:
    wanted = [ENV_VARS[f"bootstrap_{m}"] for m in ("iam", "scram", "tls")] if mode is None else [
        bootstrap_env_var(mode)]
    return (
        "the --bootstrap-servers flag; env " + ", ".join(wanted)
        + f"; profile {profile or 'default'} in {config_path()}"
        + "; AWS discovery (needs --cluster-arn or MSK_CLUSTER_ARN / MSK_CLUSTER_NAME)"
    )
