"""`make demo`: the local MSK, used exactly as Amazon MSK is: boto3, confluent-kafka and mskctl.

Starts the default local cluster, reads it through the MSK API, creates a SCRAM user the
MSK way (customer-managed KMS key, `AmazonMSK_` secret, association), produces with
`mskctl produce` over IAM, consumes over SCRAM and mutual TLS, runs `mskctl doctor` for IAM
and SCRAM, applies seed 002's access example as code (plan, apply, plan again, rotate a
SCRAM user's password), rotates the password and watches the brokers follow, reads the metrics,
protects personal fields at the producer (and forgets one customer), and audits the cluster.
Run it again: it reuses what it made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from confluent_kafka.admin import AdminClient
from rich.console import Console
from rich.table import Table

console = Console(soft_wrap=True, emoji=False)
MSKCTL = str(Path(sys.executable).parent / "mskctl")
TOPIC = "demo-orders"
USER = "demo-producer"
RECORDS = 500
QUIET = {"log_level": 0}


def step(title: str) -> None:
    console.rule(f"[bold]{title}")


def scram_config(bootstrap: str, ca: str, password: str) -> dict:
    return {"bootstrap.servers": bootstrap, "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": USER, "sasl.password": password,
            "ssl.ca.location": ca, **QUIET}


def run(*command: str) -> None:
    console.print(f"[dim]$ {' '.join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))}[/]",
                  highlight=False)
    if subprocess.run(command, check=False).returncode != 0:
        raise SystemExit(f"{' '.join(command[1:])} failed")


def run_allowing(codes: tuple[int, ...], *command: str) -> int:
    """Like run, for commands whose other exit codes carry meaning (audit findings, undecryptable fields)."""
    console.print(f"[dim]$ {' '.join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))}[/]",
                  highlight=False)
    code = subprocess.run(command, check=False).returncode
    if code not in codes:
        raise SystemExit(f"{' '.join(command[1:])} failed (exit {code})")
    return code


def ensure_key(kms: Any, alias: str, **spec: str) -> None:
    try:
        kms.describe_key(KeyId=alias)
    except ClientError:
        kms.create_alias(AliasName=alias, TargetKeyId=kms.create_key(**spec)["KeyMetadata"]["KeyId"])


def protect_demo(kms: Any) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples" / "protect"
    policy = str(examples / "orders-policy.yaml")
    ensure_key(kms, "alias/orders-pii")
    ensure_key(kms, "alias/orders-pii-hmac", KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    run(MSKCTL, "protect", "init", policy)
    sample = json.loads((examples / "sample-order.json").read_text())
    records = Path(os.environ.get("MSKCTL_HOME", Path.home() / ".local" / "state" / "mskctl")) / "demo-orders.jsonl"
    records.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for number, customer in enumerate(("c-1", "c-2", "c-42")):
        order = json.loads(json.dumps(sample))
        order["order_id"] += number
        order["customer"]["id"] = customer
        lines.append(json.dumps(order))
    records.write_text("\n".join(lines) + "\n")
    topic = f"orders-pii-{int(time.time())}"
    run(MSKCTL, "topics", "create", topic, "--partitions", "1")
    run(MSKCTL, "produce", topic, "-f", str(records), "--protect", policy, "--auth", "iam")
    console.print("what the brokers store (a plain consumer):")
    run(MSKCTL, "consume", topic, "--auth", "mtls", "--from-beginning", "--max", "1", "--timeout", "10")
    console.print("with --unprotect (kms:Decrypt allowed):")
    run(MSKCTL, "consume", topic, "--auth", "mtls", "--from-beginning", "--max", "3", "--timeout", "10",
        "--unprotect")
    run(MSKCTL, "protect", "forget", "c-42", "--policy", policy)
    console.print("after `protect forget c-42`, c-42's personal fields are gone for good (exit 5), "
                  "the others still decrypt:")
    run_allowing((5,), MSKCTL, "consume", topic, "--auth", "mtls", "--from-beginning", "--max", "3", "--timeout",
                 "10", "--unprotect")


def authenticates(config: dict) -> bool:
    try:
        AdminClient(config).list_topics(timeout=4)
        return True
    except Exception:  # noqa: BLE001 - any failure here means "not accepted"
        return False


def main() -> int:
    step("1. Start the local MSK (mskctl local up)")
    if subprocess.run([MSKCTL, "local", "up"], check=False).returncode != 0:
        return 1
    env = json.loads(subprocess.run([MSKCTL, "local", "env", "--shell", "json"], check=True,
                                    capture_output=True, text=True).stdout)
    os.environ.update(env)  # what `eval "$(mskctl local env)"` does in a shell
    arn, ca = env["MSK_CLUSTER_ARN"], env["MSK_CA_BUNDLE"]

    step("2. Discover it through the Amazon MSK API (boto3, as in AWS)")
    kafka = boto3.client("kafka")
    info = kafka.describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]
    brokers = kafka.get_bootstrap_brokers(ClusterArn=arn)
    table = Table("field", "value")
    table.add_row("cluster", f"{info['ClusterName']} ({info['State']})")
    table.add_row("kafka", info["Provisioned"]["CurrentBrokerSoftwareInfo"]["KafkaVersion"])
    table.add_row("encryption", str(info["Provisioned"]["EncryptionInfo"]["EncryptionInTransit"]))
    for key in ("BootstrapBrokerStringTls", "BootstrapBrokerStringSaslScram", "BootstrapBrokerStringSaslIam"):
        if key in brokers:
            table.add_row(key, brokers[key])
    console.print(table)

    step("3. A SCRAM user, the MSK way: CMK + AmazonMSK_ secret + association")
    kms, sm = boto3.client("kms"), boto3.client("secretsmanager")
    alias = "alias/mskctl-demo-scram"
    try:
        key_id = kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except ClientError:
        key_id = kms.create_key(Description="mskctl demo SCRAM secrets")["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    password = os.urandom(12).hex()
    value = json.dumps({"username": USER, "password": password})
    try:
        secret_arn = sm.create_secret(Name=f"AmazonMSK_{USER}", SecretString=value, KmsKeyId=key_id)["ARN"]
    except ClientError:
        secret_arn = sm.put_secret_value(SecretId=f"AmazonMSK_{USER}", SecretString=value)["ARN"]
    rejected_arn = None
    try:
        rejected_arn = sm.create_secret(Name="demo-without-prefix", SecretString=value)["ARN"]
    except ClientError:
        rejected_arn = sm.describe_secret(SecretId="demo-without-prefix")["ARN"]
    result = kafka.batch_associate_scram_secret(ClusterArn=arn, SecretArnList=[secret_arn, rejected_arn])
    console.print(f"associated  {secret_arn}")
    for item in result["UnprocessedScramSecrets"]:
        console.print(f"[yellow]rejected[/]    {item['SecretArn']}: "
                      f"{item['ErrorCode']} — {item['ErrorMessage']}")

    step("4. mskctl produce over IAM (9098), consume over SASL/SCRAM (9096) and mutual TLS (9094)")
    scram = scram_config(env["MSK_BOOTSTRAP_SERVERS_SCRAM"], ca, password)
    deadline = time.monotonic() + 20
    while not authenticates(scram) and time.monotonic() < deadline:
        time.sleep(0.5)
    os.environ["MSK_SCRAM_SECRET_ARN"] = secret_arn
    topics = subprocess.run([MSKCTL, "topics", "list", "-o", "json"], capture_output=True, text=True, check=True)
    if TOPIC not in {row["topic"] for row in json.loads(topics.stdout)}:
        run(MSKCTL, "topics", "create", TOPIC, "--partitions", "3")
    run(MSKCTL, "produce", TOPIC, "-n", str(RECORDS), "--auth", "iam")
    run(MSKCTL, "consume", TOPIC, "--auth", "scram", "--from-beginning", "--max", "3", "--timeout", "10")
    run(MSKCTL, "consume", TOPIC, "--auth", "mtls", "--from-beginning", "--max", "2", "--timeout", "10")

    step("5. mskctl doctor, for IAM and for SCRAM")
    run(MSKCTL, "doctor", "--auth", "iam", "--topic", TOPIC)
    run(MSKCTL, "doctor", "--auth", "scram", "--topic", TOPIC)

    step("6. Access as code: seed 002's ACLs and SCRAM users from one spec (mskctl plan / apply)")
    spec = str(Path(__file__).resolve().parents[1] / "examples" / "access" / "seed-002.yaml")
    run(MSKCTL, "plan", "-f", spec)
    run(MSKCTL, "apply", "-f", spec, "--yes")
    run(MSKCTL, "plan", "-f", spec, "--detailed-exitcode")  # exit 0: nothing left to change
    run(MSKCTL, "access", "rotate-scram", "producer-app")

    step("7. Rotate a password by hand in Secrets Manager; the brokers follow")
    new_password = os.urandom(12).hex()
    rotated = json.dumps({"username": USER, "password": new_password})
    sm.put_secret_value(SecretId=secret_arn, SecretString=rotated)
    started = time.monotonic()
    while not authenticates(scram_config(env["MSK_BOOTSTRAP_SERVERS_SCRAM"], ca, new_password)):
        time.sleep(0.5)
    console.print(f"new password accepted after {time.monotonic() - started:.1f}s; "
                  f"old one accepted: {authenticates(scram)}")

    step("8. Open monitoring: the JMX exporter on port 11001")
    host = env["MSK_BOOTSTRAP_SERVERS_TLS"].split(",")[0].split(":")[0]
    with urllib.request.urlopen(f"http://{host}:11001/metrics", timeout=10) as response:
        lines = [ln for ln in response.read().decode().splitlines() if ln.startswith("kafka_server_")]
    console.print(f"{len(lines)} kafka_server_* series, e.g. {lines[0][:100]}")

    step("9. Field-level protection: encrypt, tokenize and crypto-shred personal data at the producer")
    protect_demo(boto3.client("kms"))

    step("10. Security audit: the AWS API and the live cluster against seeds 002/004 (mskctl audit)")
    root = Path(__file__).resolve().parents[1]
    run_allowing((0, 1), MSKCTL, "audit", "--aws", "--live", "--terraform", str(root / "terraform"),
                 "--controls", "--fail-on", "high")

    step("Done")
    console.print('Use it from your shell: eval "$(mskctl local env)"   ·   stop it: mskctl local down')
    return 0


if __name__ == "__main__":
    sys.exit(main())
