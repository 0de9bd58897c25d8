"""Kafka's own Java tools (kafka-tools 4.1.1) with AWS's aws-msk-iam-auth 2.3.5 on port 9098, configured
with exactly what `mskctl config export --auth iam --format properties` writes: AWS_MSK_IAM (what it
writes) and OAUTHBEARER (the same file with aws-msk-iam-auth's OAUTHBEARER settings). Identities and
policies are made with boto3. The tools run unchanged, several to a JVM (iam_java_tools/ToolBatch.java).
Before issue 17 the AWS_MSK_IAM runs failed with "Client SASL mechanism 'AWS_MSK_IAM' not enabled in the
server, enabled mechanisms are [OAUTHBEARER]".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.iam_helpers import allow
from tests.integration.iam_java_tools import (
    CONSUMER,
    PRODUCER,
    TOPICS,
    Run,
    bootstrap_of,
    ensure_tools,
    oauthbearer_variant,
    run_batch,
)
from tests.integration.kafka_helpers import create_topic

pytestmark = pytest.mark.integration
MECHANISMS = ("AWS_MSK_IAM", "OAUTHBEARER")
LINES = 5


@pytest.fixture(scope="module")
def tools():
    return ensure_tools()


def identity(msk, work: Path, name: str, statements: list[dict]) -> dict[str, str]:
    """A boto3-made IAM user and the environment its Java clients run with (keys, region)."""
    iam = msk.boto("iam")
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="kafka", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MSK_", "AWS_"))}
    return base | msk.env | {"MSKCTL_CONFIG": str(work / "none.toml"), "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                             "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def exported(env: dict[str, str], work: Path, mechanism: str) -> tuple[str, str]:
    """`mskctl config export --auth iam --format properties`, as is (AWS_MSK_IAM) or for OAUTHBEARER."""
    out = subprocess.run([sys.executable, "-m", "mskctl.cli.main", "config", "export", "--auth", "iam",
                          "--format", "properties"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "sasl.mechanism=AWS_MSK_IAM" in out.stdout, out.stdout
    text = out.stdout if mechanism == "AWS_MSK_IAM" else oauthbearer_variant(out.stdout)
    path = work / f"client-{mechanism}.properties"
    path.write_text(text)
    return str(path), bootstrap_of(text)


@pytest.fixture(scope="module")
def produced(msk, tools, tmp_path_factory):
    """One user allowed to write and read one topic; per mechanism: produce, consume, produce elsewhere."""
    unique = uuid.uuid4().hex[:10]
    work = tmp_path_factory.mktemp("java-tools")
    topics = {m: f"java-{m.lower().replace('_', '-')}-{unique}" for m in MECHANISMS}
    other = f"java-other-{unique}"
    for name in (*topics.values(), other):
        create_topic(msk.tls_config(), name)
    env = identity(msk, work, f"java-{unique}", [
        allow(["Connect", "WriteDataIdempotently"], [msk.spec.arn]),
        allow(["DescribeTopic", "WriteData", "ReadData"], [msk.spec.resource_arn("topic", t) for t in topics.values()]),
        allow(["DescribeGroup", "AlterGroup"], [msk.spec.resource_arn("group", "*")])])
    runs = []
    for mechanism in MECHANISMS:
        config, bootstrap = exported(env, work, mechanism)
        topic = topics[mechanism]
        lines = "".join(f"{mechanism}-{i}\n" for i in range(LINES))
        runs += [
            Run(f"{mechanism}-produce", PRODUCER, ["--bootstrap-server", bootstrap, "--topic", topic,
                                                   "--producer.config", config, "--sync"], lines),
            Run(f"{mechanism}-consume", CONSUMER, ["--bootstrap-server", bootstrap, "--topic", topic,
                                                   "--consumer.config", config, "--from-beginning",
                                                   "--group", f"java-{mechanism.lower()}-{unique}",
                                                   "--max-messages", str(LINES), "--timeout-ms", "30000"]),
            # The policy allows WriteData on `topic` only: the broker's IAM refuses `other`.
            Run(f"{mechanism}-denied", PRODUCER, ["--bootstrap-server", bootstrap, "--topic", other,
                                                  "--producer.config", config, "--sync"], "no\n"),
        ]
    return run_batch(tools, runs, env, work)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_java_tools_produce_and_consume(produced, mechanism):
    assert produced[f"{mechanism}-produce"].returncode == 0, produced[f"{mechanism}-produce"].output[-3000:]
    consumed = produced[f"{mechanism}-consume"]
    # Three partitions: every record, in any order.
    assert sorted(consumed.stdout.split()) == [f"{mechanism}-{i}" for i in range(LINES)], consumed.output[-3000:]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_java_tools_are_refused_by_iam(produced, mechanism):
    denied = produced[f"{mechanism}-denied"]
    assert denied.returncode != 0
    assert "TopicAuthorizationException" in denied.output or "Not authorized to access topics" in denied.output, \
        denied.output[-3000:]


def test_aws_msk_iam_without_connect_is_an_authentication_failure(msk, unique, tmp_path, tools):
    env = identity(msk, tmp_path, f"java-noconnect-{unique}", [allow(["DescribeCluster"], [msk.spec.arn])])
    config, bootstrap = exported(env, tmp_path, "AWS_MSK_IAM")
    listed = run_batch(tools, [Run("list", TOPICS, ["--bootstrap-server", bootstrap, "--command-config", config,
                                                    "--list"])], env, tmp_path)["list"]
    assert listed.returncode != 0
    assert "SaslAuthenticationException" in listed.output and "Access denied" in listed.output, listed.output[-3000:]
    logs = "".join(msk.paths.broker_log(b).read_text(errors="replace") for b in range(1, msk.spec.brokers + 1))
    assert f"java-noconnect-{unique} may not kafka-cluster:Connect" in logs
