"""Profile files: ``~/.config/mskctl/config.toml`` with one ``[profiles.NAME]`` table per cluster."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from mskctl.config.formats import toml_document
from mskctl.errors import ConfigError, UsageError
from mskctl.files import write_file

PROFILE_KEYS = {
    "auth", "bootstrap_iam", "bootstrap_scram", "bootstrap_tls", "bootstrap_plaintext", "cluster_arn",
    "cluster_name", "scram_secret_arn", "scram_secret_name", "topic", "consumer_group", "num_messages",
    "message_interval", "consume_timeout", "region", "ca_bundle", "tls_client_cert", "tls_client_key",
    "aws_profile", "role_arn", "allow_plaintext",
}


def config_path() -> Path:
    if explicit := os.environ.get("MSKCTL_CONFIG"):
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "mskctl" / "config.toml"


def read_profiles(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read the profile file {path}: {exc}",
                         hint="Fix the TOML syntax, or point MSKCTL_CONFIG at another file.") from exc
    profiles = document.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: 'profiles' must be a table of tables ([profiles.NAME]).")
    for name, values in profiles.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: [profiles.{name}] must be a table.")
        if unknown := sorted(set(values) - PROFILE_KEYS):
            raise ConfigError(
                f"{path}: [profiles.{name}] has unknown key(s) {', '.join(unknown)}.",
                hint="Known keys: " + ", ".join(sorted(PROFILE_KEYS)) + ". Passwords never go in profiles: "
                "use scram_secret_arn (Secrets Manager).",
            )
    return profiles


def load_profile(name: str | None, path: Path | None = None) -> tuple[dict[str, Any], str | None]:
    """The named profile (or ``default`` when it exists); an unknown requested name is an error."""
    path = path or config_path()
    profiles = read_profiles(path)
    wanted = name or os.environ.get("MSKCTL_PROFILE")
    if wanted is None:
        return dict(profiles.get("default", {})), ("default" if "default" in profiles else None)
    if wanted not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise UsageError(f"Unknown profile {wanted!r} (profiles in {path}: {known}).",
                         hint="Create it with `mskctl config from-terraform`, or edit the file.")
    return dict(profiles[wanted]), wanted


def write_profile(name: str, values: dict[str, Any], path: Path | None = None) -> Path:
    """Add or replace one profile, keeping the others (TOML written by a TOML library: any name or value is safe)."""
    path = path or config_path()
    profiles = read_profiles(path)
    profiles[name] = {k: v for k, v in values.items() if v is not None and k in PROFILE_KEYS}
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    # The profile file is mskctl's own: replacing it is expected (ours), writing through a link is not.
    return write_file(path, toml_document({"profiles": profiles}), option="profile file", ours=lambda _: True)
