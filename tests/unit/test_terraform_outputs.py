"""The Terraform roots' outputs are what `mskctl config from-terraform` reads (names from the .tf files)."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest

from mskctl.config.terraform import settings_from_outputs

ROOT = Path(__file__).resolve().parents[2] / "terraform"
AWS_ROOTS = [ROOT / "environments" / "dev", ROOT / "environments" / "prod", ROOT / "examples" / "full_provisioned"]
ARN = "arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abcd-1"


def sample_value(name: str) -> object:
    """What `tofu output -json` would give for an output of this name after an apply."""
    port = {"iam": 9098, "scram": 9096, "tls": 9094}
    for mode, number in port.items():
        if name.startswith("bootstrap_") and mode in name:
            return ",".join(f"b-{i}.demo.abcd.c2.kafka.eu-west-1.amazonaws.com:{number}" for i in (1, 2))
    if name == "cluster_arn":
        return ARN
    if name == "cluster_name":
        return "demo"
    if name == "region":
        return "eu-west-1"
    if name == "scram_secret_arns":
        return {"app": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_app-AbCdEf"}
    return "something"


def outputs_of(root: Path) -> dict:
    names: list[str] = []
    for tf in root.glob("*.tf"):
        for block in hcl2.loads(tf.read_text()).get("output", []):
            names += [label.strip('"') for label in block]  # python-hcl2 keeps the label's quotes
    return {name: {"value": sample_value(name), "type": "string", "sensitive": False} for name in names}


@pytest.mark.parametrize("root", AWS_ROOTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_outputs_give_every_connection_setting(root):
    settings = settings_from_outputs(outputs_of(root))
    assert settings["cluster_arn"] == ARN and settings["region"] == "eu-west-1"
    assert settings["bootstrap_iam"].endswith(":9098")
    assert settings["bootstrap_scram"].endswith(":9096")
    assert settings["bootstrap_tls"].endswith(":9094")
    assert settings["scram_secret_arn"].startswith("arn:aws:secretsmanager:")


def test_serverless_demo_outputs_give_iam_brokers():
    settings = settings_from_outputs(outputs_of(ROOT / "examples" / "serverless_demo"))
    assert settings["bootstrap_iam"].endswith(":9098") and settings["cluster_arn"] == ARN


SCRAM_MODULE = ROOT / "modules" / "scram_secrets"


def scram_module_outputs() -> dict[str, str]:
    found: dict[str, str] = {}
    for tf in SCRAM_MODULE.glob("*.tf"):
        for block in hcl2.loads(tf.read_text()).get("output", []):
            for label, body in block.items():
                found[label.strip('"')] = str(body["value"])
    return found


def test_scram_secrets_module_outputs_exactly_names_arns_key_and_associations():
    assert set(scram_module_outputs()) == {"secret_arns", "secret_names", "kms_key_arn", "association_ids"}


def test_no_scram_secrets_output_reads_the_password_or_the_secret_value():
    for name, value in scram_module_outputs().items():
        for leak in ("ephemeral", "random_password", "aws_secretsmanager_secret_version", "secret_string",
                     "password"):
            assert leak not in value, f"output {name} = {value} reads {leak}"
