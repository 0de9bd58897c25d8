"""Seed 001's users run `mskctl produce|consume|doctor` with nothing but the seed's variables set.

Each command runs through the real entry point (`python -m mskctl.cli.main`) against the local MSK; the
variables come from the fixture's `local env`, the rest from seed 001's list. Also: the exit codes of
refusals by the real brokers and by an IAM-enforcing AWS API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from mskctl.errors import ExitCode
from tests.integration.iam_helpers import allow, authentication_error, iam_user
from tests.integration.kafka_helpers import QUIET, create_cmk, create_topic, scram_secret, wait_until
from tests.unit.test_cli_contract import mskctl_cli, powerless_user  # noqa: F401
from tests.unit.test_protect_helpers import iam_enforced, moto_endpoint_fixture  # noqa: F401

pytestmark = pytest.mark.integration
# Seed 001's connection variables (section D of its README), as `mskctl local env` gives them.
SEED_CONNECTION = ("MSK_BOOTSTRAP_SERVERS_IAM", "MSK_BOOTSTRAP_SERVERS_SCRAM", "MSK_CA_BUNDLE", "AWS_REGION",
                   "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL")


def seed_env(msk, tmp_path, **variables: str) -> dict[str, str]:
    """Nothing but seed 001's variables (and PATH/HOME): no MSKCTL_*, no profile, no cluster ARN."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")}
    env |= {k: msk.env[k] for k in SEED_CONNECTION}
    env["MSKCTL_CONFIG"] = str(tmp_path / "no-profiles.toml")  # so a developer's own profile cannot leak in
    return env | variables


def mskctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True, text=True, env=env,
                         stdin=subprocess.DEVNULL, timeout=180)
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr
    return out


def records_in(msk, topic: str) -> int:
    consumer = Consumer(msk.tls_config(**{"group.id": "watermarks", **QUIET}))
    try:
        partitions = consumer.list_topics(topic, timeout=15).topics[topic].partitions
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=15)[1] for p in partitions)
    finally:
        consumer.close()


def committed(msk, group: str, topic: str) -> int:
    """The offsets the group committed on ``topic``, summed (the admin API, as an operator would check)."""
    admin = AdminClient(msk.tls_config(**QUIET))
    request = ConsumerGroupTopicPartitions(group)
    result = admin.list_consumer_group_offsets([request], request_timeout=30)[group].result()
    return sum(tp.offset for tp in result.topic_partitions if tp.topic == topic and tp.offset >= 0)


@pytest.fixture
def topic(msk, unique) -> str:
    name = f"seed001-{unique}"
    create_topic(msk.tls_config(), name)
    return name


def test_iam_produce_then_consume_with_only_seed_variables(msk, tmp_path, topic, unique):
    group = f"seed001-group-{unique}"
    env = seed_env(msk, tmp_path, MSK_TOPIC=topic, NUM_MESSAGES="7", MESSAGE_INTERVAL="0.25",
                   CONSUME_TIMEOUT="4", MSK_CONSUMER_GROUP=group)
    produced = mskctl(env, "produce", "--auth", "iam", "-o", "json")
    assert produced.returncode == 0, produced.stderr
    summary = json.loads(produced.stdout)
    assert (summary["topic"], summary["sent"], summary["delivered"], summary["auth"]) == (topic, 7, 7, "iam")
    assert summary["seconds"] >= 6 * 0.25  # MESSAGE_INTERVAL between the 7 records
    assert records_in(msk, topic) == 7

    started = time.monotonic()
    consumed = mskctl(env, "consume", "--auth", "iam", "--from-beginning", "-o", "jsonl")
    took = time.monotonic() - started
    assert consumed.returncode == 0, consumed.stderr
    lines = [json.loads(line) for line in consumed.stdout.splitlines()]
    assert len(lines) == 7 and {line["topic"] for line in lines} == {topic}
    assert sorted(json.loads(line["value"])["message_id"] for line in lines) == list(range(7))
    assert 4 <= took < 4 + 25  # stops once CONSUME_TIMEOUT passed without records
    assert committed(msk, group, topic) == 7  # the group of MSK_CONSUMER_GROUP, offsets committed


def test_flags_beat_the_seed_variables(msk, tmp_path, topic, unique):
    other = f"seed001-flag-{unique}"
    create_topic(msk.tls_config(), other)
    env = seed_env(msk, tmp_path, MSK_TOPIC=topic, NUM_MESSAGES="9", MESSAGE_INTERVAL="5")
    produced = mskctl(env, "produce", other, "-n", "2", "--interval", "0", "--auth", "iam", "-o", "json")
    assert produced.returncode == 0, produced.stderr
    summary = json.loads(produced.stdout)
    assert (summary["topic"], summary["delivered"]) == (other, 2) and summary["seconds"] < 5
    assert records_in(msk, other) == 2 and records_in(msk, topic) == 0


def test_scram_produce_and_consume_with_only_seed_variables(msk, tmp_path, topic, unique):
    user, password = f"seed001-{unique}", f"pw-{unique}-secret"
    name = f"AmazonMSK_{user}"
    arn = scram_secret(msk.boto("secretsmanager"), name, user, password, create_cmk(msk.boto("kms")))
    assert msk.boto("kafka").batch_associate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[arn])[
        "UnprocessedScramSecrets"] == []
    assert wait_until(lambda: authentication_error(msk.scram_config(user, password)) is None, 30)
    group = f"seed001-scram-{unique}"
    env = seed_env(msk, tmp_path, MSK_TOPIC=topic, NUM_MESSAGES="5", CONSUME_TIMEOUT="3",
                   MSK_CONSUMER_GROUP=group, MSK_SCRAM_SECRET_NAME=name)
    produced = mskctl(env, "produce", "--auth", "scram", "-o", "json")
    assert produced.returncode == 0, produced.stderr
    assert json.loads(produced.stdout)["delivered"] == 5 and records_in(msk, topic) == 5
    consumed = mskctl(env, "consume", "--auth", "scram", "--from-beginning", "-o", "jsonl")
    assert consumed.returncode == 0, consumed.stderr
    assert len(consumed.stdout.splitlines()) == 5
    assert committed(msk, group, topic) == 5
    assert password not in produced.stdout + produced.stderr + consumed.stderr


def test_doctor_checks_the_topic_and_group_of_the_seed_variables(msk, tmp_path, topic, unique):
    group = f"seed001-doctor-{unique}"
    env = seed_env(msk, tmp_path, MSK_TOPIC=topic, MSK_CONSUMER_GROUP=group)
    out = mskctl(env, "doctor", "--auth", "iam", "-o", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    authorization = next(c for c in report["checks"] if c["name"] == "authorization probe")
    assert f"describe topic {topic}" in authorization["detail"]
    assert f"describe group {group}" in authorization["detail"]

    missing = mskctl(env | {"MSK_TOPIC": f"no-such-{unique}"}, "doctor", "--auth", "iam", "-o", "json")
    assert missing.returncode == ExitCode.FINDINGS  # a failed check is an outcome, not an error
    failed = next(c for c in json.loads(missing.stdout)["checks"] if c["status"] == "failed")
    assert f"no-such-{unique}" in failed["detail"]


def test_without_the_bootstrap_variable_the_error_names_flag_and_variable(msk, tmp_path, topic):
    env = seed_env(msk, tmp_path, MSK_TOPIC=topic, NUM_MESSAGES="1")
    del env["MSK_BOOTSTRAP_SERVERS_IAM"]
    out = mskctl(env, "produce", "--auth", "iam")
    assert out.returncode == ExitCode.USAGE
    assert "pass --bootstrap-servers (-b) or set MSK_BOOTSTRAP_SERVERS_IAM" in out.stderr
    assert "Missing argument" not in out.stderr


# ---- refusals by real parts: exit 77 with what to grant ---------------------------------------------------------

@pytest.fixture
def iam_reader_only(msk, unique, topic) -> dict[str, str]:
    """An IAM user that may connect and describe, but not write: seed 001's producer policy minus WriteData."""
    iam = msk.boto("iam")
    name = f"seed001-nowrite-{unique}"
    config = iam_user(msk, name, [allow(["Connect", "DescribeCluster"], [msk.spec.arn]),
                                  allow(["DescribeTopic", "CreateTopic"], [msk.spec.resource_arn("topic", "*")])])
    assert wait_until(lambda: authentication_error(config) is None, 30)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def test_kafka_authorization_refusals_exit_77_with_what_to_grant(msk, tmp_path, topic, iam_reader_only, unique):
    env = seed_env(msk, tmp_path, MSK_TOPIC=topic, NUM_MESSAGES="1") | iam_reader_only
    # Idempotent (the default): librdkafka fails fatally on the refused producer id; its cause is reported.
    produced = mskctl(env, "produce", "--auth", "iam", "--timeout", "10")
    assert produced.returncode == ExitCode.PERMISSION, produced.stderr
    error = next(line for line in produced.stderr.splitlines() if line.startswith("error:"))
    assert "authorization failed" in error.lower()
    assert "WriteDataIdempotently" in produced.stderr
    plain = mskctl(env, "produce", "--auth", "iam", "--timeout", "10", "--no-idempotence")
    assert plain.returncode == ExitCode.PERMISSION, plain.stderr
    assert "TOPIC_AUTHORIZATION_FAILED" in plain.stderr and "kafka-cluster:WriteData" in plain.stderr
    refused = mskctl(env, "topics", "delete", topic, "--yes", "--auth", "iam")
    assert refused.returncode == ExitCode.PERMISSION, refused.stderr
    assert "AUTHORIZATION_FAILED" in refused.stderr and "hint:" in refused.stderr


def test_cluster_describe_refused_by_the_aws_api_is_77_not_internal(msk, mskctl_cli, powerless_user):  # noqa: F811
    # Kafka answers (local MSK over mTLS); the MSK API (a moto in this process, IAM enforced) refuses the identity.
    env = {"MSK_BOOTSTRAP_SERVERS_TLS": msk.env["MSK_BOOTSTRAP_SERVERS_TLS"], "MSK_CA_BUNDLE": msk.ca,
           "MSK_TLS_CLIENT_CERT": msk.env["MSK_TLS_CLIENT_CERT"], "MSK_TLS_CLIENT_KEY": msk.env["MSK_TLS_CLIENT_KEY"],
           "MSK_CLUSTER_ARN": msk.spec.arn} | powerless_user
    with iam_enforced():
        ran = mskctl_cli("cluster", "describe", "--auth", "mtls", **env)
    assert ran.code == ExitCode.PERMISSION, ran
    assert ran.err.startswith("error: Could not describe") and "kafka:DescribeClusterV2" in ran.err
