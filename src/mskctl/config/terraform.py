"""``terraform output -json`` (or ``tofu``) -> connection settings, as seed 001's generate_config.sh does."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mskctl.config.settings import Settings
from mskctl.errors import PrerequisiteError, UsageError

# Output names used by seed 000/001, terraform-aws-modules/msk-kafka-cluster and this project's modules.
OUTPUT_ALIASES: dict[str, tuple[str, ...]] = {
    "bootstrap_iam": ("bootstrap_brokers_sasl_iam", "bootstrap_brokers_iam", "msk_bootstrap_servers_iam"),
    "bootstrap_scram": ("bootstrap_brokers_sasl_scram", "bootstrap_brokers_scram", "msk_bootstrap_servers_scram"),
    "bootstrap_tls": ("bootstrap_brokers_tls", "msk_bootstrap_servers_tls"),
    "bootstrap_plaintext": ("bootstrap_brokers", "bootstrap_brokers_plaintext"),
    "cluster_arn": ("cluster_arn", "msk_cluster_arn", "arn"),
    "cluster_name": ("cluster_name", "msk_cluster_name"),
    "scram_secret_arn": ("scram_secret_arn", "scram_secret_arns", "msk_scram_secret_arn"),
    "scram_secret_name": ("scram_secret_name", "msk_scram_secret_name"),
    "region": ("region", "aws_region"),
    "topic": ("msk_topic", "topic"),
    "consumer_group": ("msk_consumer_group", "consumer_group"),
}


def load_outputs(source: Path) -> dict[str, Any]:
    """Read an outputs JSON file, or run ``terraform``/``tofu output -json`` in a directory."""
    if source.is_dir():
        tool = shutil.which("tofu") or shutil.which("terraform")
        if tool is None:
            raise PrerequisiteError(
                f"{source} is a directory, but neither tofu nor terraform is on PATH to read its outputs.",
                hint="Run `terraform output -json > outputs.json` where it is installed and pass the file.",
            )
        result = subprocess.run([tool, "output", "-json"], cwd=source, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise UsageError(f"`{Path(tool).name} output -json` failed in {source}: {result.stderr.strip()[:300]}",
                             hint="Run `terraform init` and `apply` there first.")
        text = result.stdout
    else:
        text = _read_text(source)
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source} is not JSON ({exc.msg} at line {exc.lineno}).",
                         hint="It should be the output of `terraform output -json`.") from None
    except RecursionError:
        raise UsageError(f"{source} is nested too deeply to be `terraform output -json`.",
                         hint="It should be the output of `terraform output -json`.") from None
    if not isinstance(outputs, dict) or not all(isinstance(v, dict) and "value" in v for v in outputs.values()):
        raise UsageError(f"{source} does not look like `terraform output -json` (name -> {{value, type}}).")
    return outputs


MAX_OUTPUTS_BYTES = 16 * 1024 * 1024  # far above any real `terraform output -json`; /dev/zero stops here


def _read_text(source: Path) -> str:
    try:
        with open(source, "rb") as handle:
            data = handle.read(MAX_OUTPUTS_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"Cannot read {source}: {exc.strerror}.",
                         hint="Pass `terraform output -json` saved to a file, or the directory.") from None
    if len(data) > MAX_OUTPUTS_BYTES:
        raise UsageError(f"{source} is larger than {MAX_OUTPUTS_BYTES // 1024 // 1024} MB: not Terraform outputs.",
                         hint="Pass `terraform output -json` saved to a file, or the directory.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{source} is not UTF-8 text (byte {exc.start}): not `terraform output -json`.",
                         hint="Pass `terraform output -json` saved to a file, or the directory.") from None


def settings_from_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, names in OUTPUT_ALIASES.items():
        for name in names:
            if name in outputs and outputs[name].get("value") not in (None, ""):
                value = outputs[name]["value"]
                if isinstance(value, dict):  # e.g. scram_secret_arns = {user = arn}
                    value = next(iter(value.values()), None)
                elif isinstance(value, list) and field.startswith("bootstrap_"):
                    value = ",".join(map(str, value)) or None  # every broker, not the first
                elif isinstance(value, list):
                    value = value[0] if value else None
                if value is not None:
                    values[field] = str(value)
                    break
    if not any(key.startswith("bootstrap_") for key in values) and "cluster_arn" not in values:
        raise UsageError("The Terraform outputs have no bootstrap brokers and no cluster ARN.",
                         hint="Expected outputs such as bootstrap_brokers_sasl_iam, bootstrap_brokers_sasl_scram, "
                         "bootstrap_brokers_tls or cluster_arn.")
    if "region" not in values and values.get("cluster_arn", "").startswith("arn:"):
        values["region"] = values["cluster_arn"].split(":")[3]
    return values


def check_outputs(values: dict[str, Any]) -> None:
    """The values as settings: a bootstrap string or topic no command would accept is refused here, by output name."""
    try:
        Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0])
        names = " or ".join(OUTPUT_ALIASES.get(field, (field,)))
        reason = first["msg"].removeprefix("Value error, ")
        raise UsageError(f"Terraform output {names} is invalid: {reason}.",
                         hint="Fix the output in the Terraform code (or its state); nothing was written.") from None
