"""Produce throughput over IAM (9098) against SASL/SCRAM (9096) on the same local MSK, same records.

The IAM path pays for token validation once per connection and for an IAM policy decision
per request (cached per principal and resource); the goal is a ratio of at least 0.95.
Runs in its own state directory; rounds alternate SCRAM and IAM, medians are compared.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

RECORDS = int(os.environ.get("BENCH_RECORDS", "30000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
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
        admin_keys = StaticCredentialProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
        iam = librdkafka_settings(env["MSK_BOOTSTRAP_SERVERS_IAM"], env["MSK_CA_BUNDLE"],
                                  oauth_callback(env["AWS_REGION"], admin_keys))
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
    finally:
        cluster.down("bench", wipe=True)

    scram_rate, iam_rate = statistics.median(rates["scram"]), statistics.median(rates["iam"])
    ratio = iam_rate / scram_rate
    print(f"produce {RECORDS} x 1 KiB, acks=all, 3 brokers, RF 3, {ROUNDS} alternating rounds (records/s)")
    print(f"  SCRAM 9096  median {scram_rate:8.0f}   runs {', '.join(f'{r:.0f}' for r in rates['scram'])}")
    print(f"  IAM   9098  median {iam_rate:8.0f}   runs {', '.join(f'{r:.0f}' for r in rates['iam'])}")
    print(f"  ratio IAM/SCRAM {ratio:.3f} (goal >= {GOAL})")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
