"""mskctl's clients against a raw confluent-kafka client with the same settings, on one local MSK.

Produce (1 KiB records, acks=all, idempotent) and consume, over SASL/SCRAM:
  raw  - confluent_kafka.Producer/Consumer built by hand
  api  - mskctl.connect(...).producer()/consumer()
  cli  - `mskctl produce -f FILE` / `mskctl consume -o jsonl` (rate from its own summary, and end to end
         including process start)
Goals: api/raw >= 0.98, cli/raw >= 0.90. Rounds alternate; medians are compared.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECORDS = int(os.environ.get("BENCH_RECORDS", "20000"))
CONSUMED = 3 * RECORDS  # each round's topic holds what raw, api and cli produced
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PAYLOAD = "x" * 1024


def produce_rate(producer, topic: str) -> float:
    payload = PAYLOAD.encode()
    started = time.perf_counter()
    for _ in range(RECORDS):
        while True:
            try:
                producer.produce(topic, payload)
                break
            except BufferError:
                producer.poll(0.05)
    if producer.flush(120) != 0:
        raise SystemExit("undelivered records")
    return RECORDS / (time.perf_counter() - started)


def consume_rate(consumer, topic: str) -> float:
    consumer.subscribe([topic])
    seen, started = 0, None
    while seen < CONSUMED:
        batch = consumer.consume(1000, timeout=5)
        if not batch:
            raise SystemExit("consumer stalled")
        started = started or time.perf_counter()
        seen += sum(1 for m in batch if not m.error())
    rate = seen / (time.perf_counter() - started)
    consumer.close()
    return rate


def main() -> int:
    os.environ["MSKCTL_HOME"] = tempfile.mkdtemp(prefix="mskctl-bench-")
    os.environ["MSKCTL_CONFIG"] = os.path.join(os.environ["MSKCTL_HOME"], "none.toml")
    import boto3
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import NewTopic

    from mskctl import connect
    from mskctl.local import cluster
    from mskctl.local.paths import ClusterPaths

    spec = cluster.up(cluster.UpRequest(name="bench"))
    rates: dict[str, list[float]] = {
        k: [] for k in ("raw", "api", "cli", "cli_e2e", "raw_c", "api_c", "cli_c", "cli_c_e2e")}
    try:
        env = cluster.environment(spec, ClusterPaths.for_name("bench"))
        os.environ.update(env)
        kms, sm, kafka = (boto3.client(s) for s in ("kms", "secretsmanager", "kafka"))
        secret = sm.create_secret(Name="AmazonMSK_bench", KmsKeyId=kms.create_key()["KeyMetadata"]["Arn"],
                                  SecretString=json.dumps({"username": "bench", "password": "bench-pw"}))["ARN"]
        kafka.batch_associate_scram_secret(ClusterArn=spec.arn, SecretArnList=[secret])
        os.environ["MSK_SCRAM_SECRET_ARN"] = secret
        time.sleep(3)
        raw_config = {"bootstrap.servers": env["MSK_BOOTSTRAP_SERVERS_SCRAM"], "security.protocol": "SASL_SSL",
                      "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "bench", "sasl.password": "bench-pw",
                      "ssl.ca.location": env["MSK_CA_BUNDLE"], "ssl.endpoint.identification.algorithm": "https",
                      "acks": "all", "enable.idempotence": True, "log_level": 0}
        conn = connect(auth="scram")
        lines = Path(os.environ["MSKCTL_HOME"]) / "records.txt"
        lines.write_text((PAYLOAD + "\n") * RECORDS)
        mskctl = str(Path(sys.executable).parent / "mskctl")
        produce_rate(Producer(raw_config), "warmup")  # JIT, connections, auto-less topic creation below
        for round_number in range(ROUNDS):
            topic = f"bench-{round_number}"
            conn.admin().create_topics([NewTopic(topic, 6, 3)])[
                topic].result()
            rates["raw"].append(produce_rate(Producer(raw_config), topic))
            rates["api"].append(produce_rate(conn.producer(), topic))
            started = time.perf_counter()
            out = subprocess.run([mskctl, "produce", topic, "-f", str(lines), "--auth", "scram", "-o", "json"],
                                 capture_output=True, text=True, check=True)
            rates["cli_e2e"].append(RECORDS / (time.perf_counter() - started))
            rates["cli"].append(json.loads(out.stdout)["recordsPerSecond"])
            group = f"g{round_number}"
            rates["raw_c"].append(consume_rate(Consumer(raw_config | {"group.id": group + "r",
                                                                      "auto.offset.reset": "earliest"}), topic))
            rates["api_c"].append(consume_rate(conn.consumer(group + "a"), topic))
            def cli_consume(count: int, group_id: str, topic: str = topic) -> float:
                started = time.perf_counter()
                subprocess.run([mskctl, "consume", topic, "--auth", "scram", "-g", group_id, "--from-beginning",
                                "--max", str(count), "-o", "jsonl"], stdout=subprocess.DEVNULL, check=True)
                return time.perf_counter() - started

            # Process start and group join measured with one record, then taken out of the full run.
            fixed = cli_consume(1, group + "c1")
            full = cli_consume(CONSUMED, group + "c")
            rates["cli_c"].append((CONSUMED - 1) / max(full - fixed, 1e-3))
            rates["cli_c_e2e"].append(CONSUMED / full)
    finally:
        cluster.down("bench", wipe=True)

    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"produce {RECORDS} / consume {CONSUMED} x 1 KiB over SCRAM, acks=all idempotent, {ROUNDS} rounds, "
          "medians (records/s)")
    print(f"  produce  raw {med['raw']:7.0f}  api {med['api']:7.0f} ({med['api'] / med['raw']:.2f})  "
          f"cli {med['cli']:7.0f} ({med['cli'] / med['raw']:.2f}; end to end {med['cli_e2e'] / med['raw']:.2f})")
    print(f"  consume  raw {med['raw_c']:7.0f}  api {med['api_c']:7.0f} ({med['api_c'] / med['raw_c']:.2f})  "
          f"cli {med['cli_c']:7.0f} ({med['cli_c'] / med['raw_c']:.2f}; end to end incl. start and group join "
          f"{med['cli_c_e2e'] / med['raw_c']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
