"""Field-level protection on the local MSK: produce --protect, raw bytes, consume --unprotect, IAM, forget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from confluent_kafka import Consumer

from mskctl.errors import ExitCode
from tests.integration.iam_helpers import authentication_error, iam_config, token_callback
from tests.integration.kafka_helpers import QUIET, create_topic, wait_until

pytestmark = pytest.mark.integration


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=180)


@pytest.fixture
def env(msk, tmp_path) -> dict[str, str]:
    found = {k: v for k, v in os.environ.items() if not k.startswith(("MSK_", "AWS_"))}
    return found | msk.env | {"MSKCTL_CONFIG": str(tmp_path / "config.toml")}


@pytest.fixture
def policy(msk, env, tmp_path, unique) -> Path:
    kms = msk.boto("kms")
    cmk = kms.create_key(Description="orders PII")["KeyMetadata"]["Arn"]
    hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
    path = tmp_path / "policy.yaml"
    path.write_text(f"""version: 1
keys: {{kms: "{cmk}", hmac: "{hmac}"}}
subjects: {{table: "protect-{unique}", cache_seconds: 0}}
topics:
  - topic: "protect-*"
    fields:
      - {{path: "$.customer.email", action: encrypt, subject: "$.customer.id"}}
      - {{path: "$.customer.ssn", action: encrypt-deterministic}}
      - {{path: "$.card.number", action: encrypt}}
      - {{path: "$.items[*].gift", action: encrypt}}
      - {{path: "$.card.cvv", action: drop}}
""")
    init = cli(env, "protect", "init", str(path))
    assert init.returncode == 0, init.stderr
    return path


def orders(count: int, subjects: tuple[str, ...] = ("c-1", "c-2")) -> list[dict]:
    return [{"order": i, "customer": {"id": subjects[i % len(subjects)], "email": f"person{i}@example.com",
                                      "ssn": f"900-00-{i:04d}"},
             "card": {"number": f"4000-0000-0000-{i:04d}", "cvv": 100 + i},
             "items": [{"sku": "a", "gift": f"Happy birthday number {i}"}, {"sku": "b"}]} for i in range(count)]


def secrets_of(order: dict) -> list[str]:
    return [order["customer"]["email"], order["customer"]["ssn"], order["card"]["number"],
            order["items"][0]["gift"], f'"cvv":{order["card"]["cvv"]}', f'"cvv": {order["card"]["cvv"]}']


def raw_records(msk, topic: str, expected: int) -> list[tuple[bytes, list[tuple[str, bytes]]]]:
    """Values and headers as the broker holds them, read by a plain consumer (no mskctl)."""
    consumer = Consumer(msk.tls_config(**QUIET, **{"group.id": f"raw-{topic}", "auto.offset.reset": "earliest"}))
    consumer.subscribe([topic])
    found: list[tuple[bytes, list[tuple[str, bytes]]]] = []
    deadline = time.monotonic() + 60
    try:
        while len(found) < expected and time.monotonic() < deadline:
            for message in consumer.consume(500, 1.0):
                if message.error() is None:
                    found.append((message.value(), message.headers() or []))
    finally:
        consumer.close()
    return found


def produce(env: dict[str, str], topic: str, records: list[dict], policy: Path) -> dict:
    out = cli(env, "produce", topic, "--protect", str(policy), "--auth", "mtls", "-o", "json",
              stdin="".join(json.dumps(r) + "\n" for r in records))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def consume(env: dict[str, str], topic: str, count: int, auth: str = "mtls") -> subprocess.CompletedProcess[str]:
    return cli(env, "consume", topic, "--unprotect", "--auth", auth, "--from-beginning", "--max", str(count),
               "--timeout", "20", "-o", "jsonl")


def test_protected_bytes_on_the_broker_hold_no_plaintext_and_unprotect_restores_them(msk, env, policy, unique):
    topic = f"protect-{unique}"
    create_topic(msk.tls_config(), topic)
    records = orders(40)
    summary = produce(env, topic, records, policy)
    assert summary["delivered"] == 40
    assert summary["protection"]["kmsCalls"]["GenerateDataKey"] == 3  # one DEK + one key per subject
    raw = raw_records(msk, topic, 40)
    assert len(raw) == 40
    broker_bytes = b"\n".join(value + b"".join(v for _, v in headers) for value, headers in raw)
    for order in records:
        for secret in secrets_of(order):
            assert secret.encode() not in broker_bytes, secret
    assert all(any(name == "mskctl-protect" for name, _ in headers) for _, headers in raw)

    out = consume(env, topic, 40)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    restored = sorted((json.loads(line["value"]) for line in lines), key=lambda r: r["order"])
    expected = [{**r, "card": {"number": r["card"]["number"]}} for r in records]  # cvv was dropped
    assert restored == expected
    assert all("mskctl-protect" not in line["headers"] and "protection" not in line for line in lines)


@contextmanager
def aws_api_enforces_iam(msk) -> Iterator[None]:
    """The local AWS API (moto) checks identity policies on every call while inside this block."""
    url = msk.env["AWS_ENDPOINT_URL"].rstrip("/") + "/moto-api/reset-auth"

    def reset(count: str) -> str:
        # A plain body: a form content type would hide it from moto.
        request = urllib.request.Request(url, data=count.encode(), method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]

    previous = reset("0")
    try:
        yield
    finally:
        reset(previous)


def test_iam_user_without_kms_decrypt_sees_protected_values_and_a_failing_exit(msk, env, policy, unique):
    topic = f"protect-iam-{unique}"
    create_topic(msk.tls_config(), topic)
    records = orders(6)
    produce(env, topic, records, policy)
    iam = msk.boto("iam")
    user = f"reader-{unique}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="kafka-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"},
                      {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    reader = iam_config(msk, token_callback(msk.spec.region, key["AccessKeyId"], key["SecretAccessKey"]))
    assert wait_until(lambda: authentication_error(reader) is None, 30)
    reader_env = env | {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    with aws_api_enforces_iam(msk):
        out = consume(reader_env, topic, 6, auth="iam")
    assert out.returncode == ExitCode.FIELDS_PROTECTED, out.stderr
    assert "access-denied" in out.stderr and "kms:Decrypt" in out.stderr and "Traceback" not in out.stderr
    assert "6 of 6 protected record(s) shown with fields still protected" in out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 6
    for line in lines:
        value = json.loads(line["value"])
        assert value["customer"]["email"].startswith("mskctl:1:e:")
        assert value["card"]["number"].startswith("mskctl:1:e:")
        assert {p["reason"] for p in line["protection"]["undecrypted"]} == {"access-denied"}
    shown = out.stdout + out.stderr
    for order in records:
        for secret in secrets_of(order)[:4]:
            assert secret not in shown


def test_forget_a_subject_through_the_cli_and_everyone_else_still_reads(msk, env, policy, unique):
    topic = f"protect-forget-{unique}"
    create_topic(msk.tls_config(), topic)
    records = orders(8, subjects=("alice", "bob"))
    produce(env, topic, records, policy)
    forgot = cli(env, "protect", "forget", "alice", "--policy", str(policy), "-o", "json")
    assert forgot.returncode == 0 and json.loads(forgot.stdout)["deleted"] is True, forgot.stderr
    out = consume(env, topic, 8)
    assert out.returncode == ExitCode.FIELDS_PROTECTED and "forgotten" in out.stderr
    by_order = {json.loads(json.loads(line)["value"])["order"]: json.loads(line) for line in out.stdout.splitlines()}
    for order in records:
        line = by_order[order["order"]]
        value = json.loads(line["value"])
        if order["customer"]["id"] == "alice":
            assert value["customer"]["email"].startswith("mskctl:1:e:")
            assert [p["reason"] for p in line["protection"]["undecrypted"]] == ["forgotten"]
            assert value["card"]["number"] == order["card"]["number"]  # not a per-subject field: still readable
        else:
            assert value["customer"]["email"] == order["customer"]["email"] and "protection" not in line


def test_produce_refuses_records_it_cannot_protect_and_topics_without_a_rule(msk, env, policy, unique):
    topic = f"protect-bad-{unique}"
    create_topic(msk.tls_config(), topic)
    out = cli(env, "produce", topic, "--protect", str(policy), "--auth", "mtls",
              stdin=json.dumps(orders(1)[0]) + "\nnot json\n")
    assert out.returncode == ExitCode.DATA and "Record 2" in out.stderr and "not JSON" in out.stderr
    assert "The 1 before it were sent" in out.stderr
    out = cli(env, "produce", f"other-{unique}", "--protect", str(policy), "--auth", "mtls", stdin="{}\n")
    assert out.returncode == ExitCode.USAGE and "no rule for topic" in out.stderr
