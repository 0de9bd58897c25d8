"""`make demo`: the local MSK, used exactly as Amazon MSK is, with boto3 and confluent-kafka.

Starts the default local cluster, reads its settings the way a client in AWS would
(the MSK API), creates a SCRAM user the MSK way (a customer-managed KMS key, an
`AmazonMSK_` secret, an association), produces over SASL/SCRAM on 9096, consumes over
mutual TLS on 9094, rotates the password and shows the cluster following it, and
reads the brokers' Prometheus metrics. Run it again: it reuses what it made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.exceptions import ClientError
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from rich.console import Console
from rich.table import Table

console = Console(soft_wrap=True, emoji=False)
MSKCTL = str(Path(sys.executable).parent / "mskctl")
TOPIC = "demo-orders"
USER = "demo-producer"
RECORDS = 1_000
QUIET = {"log_level": 0}


def step(title: str) -> None:
    console.rule(f"[bold]{title}")


def scram_config(bootstrap: str, ca: str, password: str) -> dict:
    return {"bootstrap.servers": bootstrap, "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": USER, "sasl.password": password,
            "ssl.ca.location": ca, **QUIET}


def produce(config: dict, count: int) -> tuple[int, float]:
    errors: list[KafkaError] = []
    producer = Producer(config | {"acks": "all", "enable.idempotence": True})
    started = time.perf_counter()
    for i in range(count):
        order = {"order_id": i, "amount": round(10 + i * 0.37, 2)}
        producer.produce(TOPIC, json.dumps(order).encode(), key=str(i).encode(),
                         on_delivery=lambda err, _m: err and errors.append(err))
        producer.poll(0)
    producer.flush(60)
    if errors:
        raise SystemExit(f"delivery failed: {errors[0]}")
    return count, time.perf_counter() - started


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

    step(f"4. Produce {RECORDS} records over SASL/SCRAM (9096), consume over mutual TLS (9094)")
    tls = {"bootstrap.servers": env["MSK_BOOTSTRAP_SERVERS_TLS"], "security.protocol": "SSL",
           "ssl.ca.location": ca, "ssl.certificate.location": env["MSK_TLS_CLIENT_CERT"],
           "ssl.key.location": env["MSK_TLS_CLIENT_KEY"], **QUIET}
    admin = AdminClient(tls)
    if TOPIC not in admin.list_topics(timeout=10).topics:
        for future in admin.create_topics([NewTopic(TOPIC, 3, 3)]).values():
            future.result()
    scram = scram_config(env["MSK_BOOTSTRAP_SERVERS_SCRAM"], ca, password)
    deadline = time.monotonic() + 20
    while not authenticates(scram) and time.monotonic() < deadline:
        time.sleep(0.5)
    count, seconds = produce(scram, RECORDS)
    console.print(f"produced {count} records (acks=all, idempotent) in {seconds:.2f}s")
    consumer = Consumer(tls | {"group.id": f"demo-{time.time_ns()}", "auto.offset.reset": "earliest"})
    consumer.subscribe([TOPIC])
    seen, deadline = 0, time.monotonic() + 30
    while seen < RECORDS and time.monotonic() < deadline:
        seen += sum(1 for m in consumer.consume(500, timeout=1.0) if not m.error())
    consumer.close()
    console.print(f"consumed {seen} records (the topic keeps earlier runs' records too)")

    step("5. Rotate the password in Secrets Manager; the brokers follow")
    new_password = os.urandom(12).hex()
    rotated = json.dumps({"username": USER, "password": new_password})
    sm.put_secret_value(SecretId=secret_arn, SecretString=rotated)
    started = time.monotonic()
    while not authenticates(scram_config(env["MSK_BOOTSTRAP_SERVERS_SCRAM"], ca, new_password)):
        time.sleep(0.5)
    console.print(f"new password accepted after {time.monotonic() - started:.1f}s; "
                  f"old one accepted: {authenticates(scram)}")

    step("6. Open monitoring: the JMX exporter on port 11001")
    host = env["MSK_BOOTSTRAP_SERVERS_TLS"].split(",")[0].split(":")[0]
    with urllib.request.urlopen(f"http://{host}:11001/metrics", timeout=10) as response:
        lines = [ln for ln in response.read().decode().splitlines() if ln.startswith("kafka_server_")]
    console.print(f"{len(lines)} kafka_server_* series, e.g. {lines[0][:100]}")

    step("Done")
    console.print('Use it from your shell: eval "$(mskctl local env)"   ·   stop it: mskctl local down')
    return 0


if __name__ == "__main__":
    sys.exit(main())
