"""Kafka's own Java tools (kafka-tools 4.1.1) with AWS's aws-msk-iam-auth 2.3.5 on port 9098, configured
with exactly what `mskctl config export --auth iam --format properties` writes: AWS_MSK_IAM (what it
writes) and OAUTHBEARER (the same file with aws-msk-iam-auth's OAUTHBEARER settings). Identities and
policies are made with boto3. Before issue 17 the AWS_MSK_IAM runs failed with "Client SASL mechanism
'AWS_MSK_IAM' not enabled in the server, enabled mechanisms are [OAUTHBEARER]".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.integration.iam_helpers import allow
from tests.integration.iam_java_tools import (
    CONSUMER,
    PRODUCER,
    TOPICS,
    bootstrap_of,
    ensure_tools,
    oauthbearer_variant,
    run_tool,
)
from tests.integration.kafka_helpers import create_topic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tools():
    return ensure_tools()


def identity(msk, tmp_path, name: str, statements: list[dict]) -> dict[str, str]:
    """A boto3-made IAM user and the environment its Java clients run with (keys, region)."""
    iam = msk.boto("iam")
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="kafka", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MSK_", "AWS_"))}
    return base | msk.env | {"MSKCTL_CONFIG": str(tmp_path / "none.toml"), "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                             "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def exported(env: dict[str, str], tmp_path, mechanism: str) -> tuple[str, str]:
    """`mskctl config export --auth iam --format properties`, as is (AWS_MSK_IAM) or for OAUTHBEARER."""
    out = subprocess.run([sys.executable, "-m", "mskctl.cli.main", "config", "export", "--auth", "iam",
                          "--format", "properties"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "sasl.mechanism=AWS_MSK_IAM" in out.stdout, out.stdout
    text = out.stdout if mechanism == "AWS_MSK_IAM" else oauthbearer_variant(out.stdout)
    path = tmp_path / f"client-{mechanism}.properties"
    path.write_text(text)
    return str(path), bootstrap_of(text)


def producer_statements(msk, topic: str) -> list[dict]:
    return [allow(["Connect", "WriteDataIdempotently"], [msk.spec.arn]),
            allow(["DescribeTopic", "WriteData", "ReadData"], [msk.spec.resource_arn("topic", topic)]),
            allow(["DescribeGroup", "AlterGroup"], [msk.spec.resource_arn("group", "*")])]


@pytest.mark.parametrize("mechanism", ["AWS_MSK_IAM", "OAUTHBEARER"])
def test_java_tools_produce_consume_and_are_refused_by_iam(msk, unique, tmp_path, tools, mechanism):
    topic, other = f"java-{mechanism.lower()}-{unique}", f"java-other-{mechanism.lower()}-{unique}"
    for name in (topic, other):
        create_topic(msk.tls_config(), name)
    env = identity(msk, tmp_path, f"java-{mechanism.lower()}-{unique}", producer_statements(msk, topic))
    config, bootstrap = exported(env, tmp_path, mechanism)

    lines = [f"{mechanism}-{i}" for i in range(5)]
    produced = run_tool(tools, PRODUCER, ["--bootstrap-server", bootstrap, "--topic", topic, "--producer.config",
                                          config, "--sync"], env, stdin="\n".join(lines) + "\n")
    assert produced.returncode == 0, produced.output[-3000:]
    consumed = run_tool(tools, CONSUMER, ["--bootstrap-server", bootstrap, "--topic", topic, "--consumer.config",
                                          config, "--from-beginning", "--max-messages", "5", "--timeout-ms", "30000",
                                          "--group", f"java-{unique}"], env)
    assert consumed.returncode == 0, consumed.output[-3000:]
    assert consumed.stdout.split() == lines

    # The policy allows WriteData on `topic` only: the broker's IAM refuses `other`.
    denied = run_tool(tools, PRODUCER, ["--bootstrap-server", bootstrap, "--topic", other, "--producer.config",
                                        config, "--sync"], env, stdin="no\n")
    assert denied.returncode != 0
    assert "TopicAuthorizationException" in denied.output or "Not authorized to access topics" in denied.output, \
        denied.output[-3000:]


def test_aws_msk_iam_without_connect_is_an_authentication_failure(msk, unique, tmp_path, tools):
    env = identity(msk, tmp_path, f"java-noconnect-{unique}",
                   [allow(["DescribeCluster"], [msk.spec.arn])])
    config, bootstrap = exported(env, tmp_path, "AWS_MSK_IAM")
    listed = run_tool(tools, TOPICS, ["--bootstrap-server", bootstrap, "--command-config", config, "--list"], env)
    assert listed.returncode != 0
    assert "SaslAuthenticationException" in listed.output and "Access denied" in listed.output, listed.output[-3000:]
    logs = "".join(msk.paths.broker_log(b).read_text(errors="replace") for b in range(1, msk.spec.brokers + 1))
    assert f"java-noconnect-{unique} may not kafka-cluster:Connect" in logs
