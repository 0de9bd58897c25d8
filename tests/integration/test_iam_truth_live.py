"""The kafka_client module's policy, rendered from the module, on the local MSK's IAM-enforcing brokers:
seed 000's client instance runs `mskctl produce`, `consume -g` and `doctor` as that identity, and the
idempotent producer is refused without WriteDataIdempotently (what the module lacked before)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.iam_truth.hcl_eval import Module
from tests.iam_truth.identities import MODULES, REPO
from tests.iam_truth.module_policies import Variant, policies_of, tofu_test_variants
from tests.integration.kafka_helpers import create_topic

pytestmark = pytest.mark.integration


def kafka_client_policy(msk, topic: str, group: str) -> dict:
    inputs = tofu_test_variants(MODULES / "kafka_client")[0].variables
    variables = inputs | {"cluster_arn": msk.spec.arn, "region": msk.spec.region, "topics": [topic],
                          "consumer_groups": [group]}
    module = Module.load(MODULES / "kafka_client")
    [policy] = [p for p in policies_of(module, Variant("live", variables, {}), REPO)
                if p.address == "aws_iam_role_policy.kafka"]
    return policy.document


def user_env(msk, tmp_path, name: str, document: dict) -> dict[str, str]:
    iam = msk.boto("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="kafka-client", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MSK_", "AWS_"))}
    return base | msk.env | {"MSKCTL_CONFIG": str(tmp_path / "none.toml"), "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                             "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def mskctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_kafka_client_policy_runs_mskctl_produce_consume_and_doctor(msk, unique, tmp_path):
    topic, group = f"client-{unique}", f"client-app-{unique}"
    create_topic(msk.tls_config(), topic)
    env = user_env(msk, tmp_path, f"client-{unique}", kafka_client_policy(msk, topic, group))

    produced = mskctl(env, "produce", topic, "one", "two", "three", "--auth", "iam")
    assert produced.returncode == 0, produced.stderr
    consumed = mskctl(env, "consume", topic, "-g", group, "--from-beginning", "--max", "3", "--timeout", "30",
                      "-o", "jsonl", "--auth", "iam")
    assert consumed.returncode == 0, consumed.stderr
    # Three partitions: the order across them is not Kafka's to keep.
    assert sorted(json.loads(line)["value"] for line in consumed.stdout.splitlines()) == ["one", "three", "two"]
    doctor = mskctl(env, "doctor", "--topic", topic, "--group", group, "-o", "json", "--auth", "iam")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def test_without_write_data_idempotently_mskctl_produce_is_refused(msk, unique, tmp_path):
    topic, group = f"client-old-{unique}", f"client-app-{unique}"
    create_topic(msk.tls_config(), topic)
    document = kafka_client_policy(msk, topic, group)
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != "kafka-cluster:WriteDataIdempotently"]
    env = user_env(msk, tmp_path, f"client-old-{unique}", document)

    produced = mskctl(env, "produce", topic, "one", "--auth", "iam", "--timeout", "10")
    assert produced.returncode != 0
    assert "CLUSTER_AUTHORIZATION_FAILED" in produced.stderr or "authoriz" in produced.stderr.lower(), produced.stderr
