"""`mskctl doctor` names the right broken link for each kind of mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mskctl.local.tls import LocalCA
from tests.integration.iam_helpers import allow
from tests.integration.kafka_helpers import create_cmk, scram_secret

pytestmark = pytest.mark.integration


@pytest.fixture
def env(msk, tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MSK_", "AWS_"))}
    return base | msk.env | {"MSKCTL_CONFIG": str(tmp_path / "none.toml")}


def doctor(env: dict, *args: str) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "mskctl.cli.main", "doctor", "-o", "json", *args],
                            capture_output=True, text=True, env=env, timeout=120)
    return result.returncode, json.loads(result.stdout)


def broken(report: dict) -> dict:
    return next(c for c in report["checks"] if c["status"] == "failed")


def test_healthy_iam_path_with_round_trip(env):
    code, report = doctor(env, "--write-test")
    assert code == 0 and report["healthy"] and report["auth"] == "iam"
    assert [c["status"] for c in report["checks"]] == ["ok"] * 8


def test_wrong_port_is_the_tcp_or_sasl_link(env, msk):
    host = msk.spec.broker_host(1)
    code, report = doctor(env, "--auth", "scram", "-b", f"{host}:9099")
    assert code == 1 and broken(report)["name"] == "TCP to each broker"
    assert "9096" in broken(report)["fix"]
    # a live port of another mode: TCP and TLS pass, the SASL mechanism check catches it
    code, report = doctor(env, "--auth", "iam", "-b", f"{host}:9096")
    assert code == 1 and broken(report)["name"] == "SASL mechanism offered"
    assert "this listener offers SCRAM-SHA-512" in broken(report)["detail"]


def test_wrong_ca_is_the_tls_link(env, tmp_path):
    other = LocalCA(tmp_path / "ca", "other")
    code, report = doctor(env, "--ca-bundle", str(other.cert_path))
    assert code == 1 and broken(report)["name"] == "TLS handshake and certificate"
    assert "MSK_CA_BUNDLE" in broken(report)["fix"]


def test_wrong_password_is_the_authentication_link(env, msk, unique):
    sm = msk.boto("secretsmanager")
    arn = scram_secret(sm, f"AmazonMSK_doc{unique}", f"doc{unique}", "the-right-one", create_cmk(msk.boto("kms")))
    msk.boto("kafka").batch_associate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[arn])
    wrong = scram_secret(sm, f"AmazonMSK_docwrong{unique}", f"doc{unique}", "not-it", create_cmk(msk.boto("kms")))
    code, report = doctor(env, "--auth", "scram", "--scram-secret", wrong)
    assert code == 1 and broken(report)["name"] == "authentication"
    assert f"user 'doc{unique}'" in broken(report)["fix"]
    assert "not-it" not in json.dumps(report)


def test_unknown_secret_is_the_authentication_link(env):
    code, report = doctor(env, "--auth", "scram", "--scram-secret", "AmazonMSK_does-not-exist")
    assert code == 1 and broken(report)["name"] == "authentication"
    assert "ResourceNotFoundException" in broken(report)["detail"]


def test_denied_policy_is_the_authorization_link(env, msk, unique):
    iam = msk.boto("iam")
    user = f"doctor-{unique}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="connect-only", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow(["Connect"], [msk.spec.arn])]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    limited = env | {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    code, report = doctor(limited)
    assert code == 1 and broken(report)["name"] == "authorization probe"
    assert "DescribeCluster" in broken(report)["fix"]
