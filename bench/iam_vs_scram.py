"""Produce throughput over IAM (9098) against SASL/SCRAM (9096) on the same local MSK, same records,
and the cost of the AWS_MSK_IAM handshake against OAUTHBEARER.

The IAM path pays for token validation once per connection and for an IAM policy decision per
request (cached per principal, resource and client address; not cached when a condition reads
aws:CurrentTime). The IAM producer here is an IAM user whose policy has conditions on every
statement (aws:SourceIp, aws:ResourceTag on the cluster, aws:SecureTransport, aws:CurrentTime,
which turns the cache off) plus a conditional Deny guardrail; the goal is IAM/SCRAM >= 0.95.
Then Kafka's Java Admin client with aws-msk-iam-auth (tests/integration/iam_java_tools) opens new
clients in turn with AWS_MSK_IAM and OAUTHBEARER (`mskctl config export` properties); the medians
are compared. Runs in its own state directory; rounds alternate, medians are compared.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RECORDS = int(os.environ.get("BENCH_RECORDS", "30000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
HANDSHAKES = int(os.environ.get("BENCH_HANDSHAKES", "40"))
PAYLOAD = b"x" * 1024
GOAL = 0.95


def produce(config: dict, topic: str) -> float:
    from confluent_kafka import Producer

    producer = Producer(config | {"acks": "all", "linger.ms": 5, "log_level": 0})
    started = time.perf_counter()
    for _ in range(RECORDS):
        while True:
            try:
                producer.produce(topic, PAYLOAD)
                break
            except BufferError:
                producer.poll(0.05)
    if producer.flush(120) != 0:
        raise SystemExit("records left undelivered")
    return RECORDS / (time.perf_counter() - started)


def main() -> int:
    os.environ["MSKCTL_HOME"] = tempfile.mkdtemp(prefix="mskctl-bench-")
    import boto3
    from confluent_kafka.admin import AdminClient, NewTopic

    from mskctl.auth.iam import StaticCredentialProvider, librdkafka_settings, oauth_callback
    from mskctl.local import cluster
    from mskctl.local.paths import ClusterPaths

    spec = cluster.up(cluster.UpRequest(name="bench"))
    try:
        paths = ClusterPaths.for_name("bench")
        env = cluster.environment(spec, paths)
        session = {"endpoint_url": env["AWS_ENDPOINT_URL"], "region_name": env["AWS_REGION"],
                   "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
                   "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"]}
        kms, sm, kafka = (boto3.client(s, **session) for s in ("kms", "secretsmanager", "kafka"))
        key = kms.create_key()["KeyMetadata"]["Arn"]
        secret = sm.create_secret(Name="AmazonMSK_bench", KmsKeyId=key, SecretString=json.dumps(
            {"username": "bench", "password": "bench-password"}))["ARN"]
        kafka.batch_associate_scram_secret(ClusterArn=spec.arn, SecretArnList=[secret])
        scram = {"bootstrap.servers": env["MSK_BOOTSTRAP_SERVERS_SCRAM"], "security.protocol": "SASL_SSL",
                 "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "bench",
                 "sasl.password": "bench-password", "ssl.ca.location": env["MSK_CA_BUNDLE"]}
        user_keys = conditioned_user(boto3.client("iam", **session), kafka, spec)
        iam = librdkafka_settings(env["MSK_BOOTSTRAP_SERVERS_IAM"], env["MSK_CA_BUNDLE"],
                                  oauth_callback(env["AWS_REGION"], StaticCredentialProvider(*user_keys)))
        admin = AdminClient(scram | {"log_level": 0})
        for future in admin.create_topics([NewTopic("bench", 6, 3)]).values():
            future.result()
        time.sleep(2)  # let the SCRAM user and topic settle everywhere

        produce(scram, "bench")  # warm-up: JIT, connections, caches
        produce(iam, "bench")
        rates: dict[str, list[float]] = {"scram": [], "iam": []}
        for _ in range(ROUNDS):
            rates["scram"].append(produce(scram, "bench"))
            rates["iam"].append(produce(iam, "bench"))
        handshakes = handshake_costs(env, user_keys)
    finally:
        cluster.down("bench", wipe=True)

    scram_rate, iam_rate = statistics.median(rates["scram"]), statistics.median(rates["iam"])
    ratio = iam_rate / scram_rate
    print(f"produce {RECORDS} x 1 KiB, acks=all, 3 brokers, RF 3, {ROUNDS} alternating rounds (records/s)")
    print(f"  SCRAM 9096  median {scram_rate:8.0f}   runs {', '.join(f'{r:.0f}' for r in rates['scram'])}")
    print(f"  IAM   9098  median {iam_rate:8.0f}   runs {', '.join(f'{r:.0f}' for r in rates['iam'])}")
    print(f"  ratio IAM/SCRAM {ratio:.3f} (goal >= {GOAL}; IAM policy with conditions on every statement)")
    if handshakes:
        print(f"new Java Admin client + DescribeCluster, aws-msk-iam-auth, {HANDSHAKES} alternating rounds (ms)")
        for mechanism, (median, best) in handshakes.items():
            print(f"  {mechanism:<12} median {median:7.1f}   min {best:7.1f}")
        if {"AWS_MSK_IAM", "OAUTHBEARER"} <= handshakes.keys():
            cost = handshakes["AWS_MSK_IAM"][0] / handshakes["OAUTHBEARER"][0]
            print(f"  AWS_MSK_IAM/OAUTHBEARER {cost:.2f}")
    return 0 if ratio >= GOAL else 1


def conditioned_user(iam, kafka, spec) -> tuple[str, str]:
    """An IAM user whose every statement has conditions, and a conditional Deny guardrail; its keys."""
    kafka.tag_resource(ResourceArn=spec.arn, Tags={"env": "bench"})
    until = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    conditions = {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]},
                  "Bool": {"aws:SecureTransport": "true"},
                  "DateLessThan": {"aws:CurrentTime": until}}
    topic_arn = spec.resource_arn("topic", "*")
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster",
                                       "kafka-cluster:WriteDataIdempotently"], "Resource": spec.arn,
         "Condition": {**conditions, "StringEquals": {"aws:ResourceTag/env": "bench"}}},
        {"Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
         "Resource": topic_arn, "Condition": conditions},
        {"Effect": "Deny", "Action": "kafka-cluster:*", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]}}}]}
    iam.create_user(UserName="bench-producer")
    iam.put_user_policy(UserName="bench-producer", PolicyName="kafka", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName="bench-producer")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def handshake_costs(env: dict[str, str], keys: tuple[str, str]) -> dict[str, tuple[float, float]]:
    """Median and min ms of a new Java Admin client per mechanism (aws-msk-iam-auth), or {} without Maven."""
    from tests.integration.iam_java_tools import ensure_tools, oauthbearer_variant

    from mskctl.local.install import find_java

    try:
        libs = ensure_tools()
    except RuntimeError as exc:
        print(f"  (handshake cost skipped: {exc})")
        return {}
    client_env = {k: v for k, v in os.environ.items() if not k.startswith(("MSK_", "AWS_"))} | env | {
        "AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1], "MSKCTL_CONFIG": "/nonexistent.toml"}
    exported = subprocess.run([sys.executable, "-m", "mskctl.cli.main", "config", "export", "--auth", "iam",
                               "--format", "properties"], capture_output=True, text=True, env=client_env,
                              check=True).stdout
    work = Path(tempfile.mkdtemp(prefix="mskctl-bench-handshake-"))
    (work / "aws_msk_iam.properties").write_text(exported)
    (work / "oauthbearer.properties").write_text(oauthbearer_variant(exported))
    out = subprocess.run([str(find_java()), "-cp", f"{libs}/*", str(REPO / "bench" / "IamHandshake.java"),
                          str(HANDSHAKES), str(work / "aws_msk_iam.properties"), str(work / "oauthbearer.properties")],
                         capture_output=True, text=True, env=client_env, timeout=900, check=False)
    if out.returncode != 0:
        print(f"  (handshake cost failed: {out.stderr[-2000:]})")
        return {}
    costs = {}
    for line in out.stdout.splitlines():
        mechanism, median, best = line.split()
        costs[mechanism] = (float(median), float(best))
    return costs


if __name__ == "__main__":
    sys.exit(main())
