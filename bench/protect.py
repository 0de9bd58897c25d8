"""Field-level protection: throughput per core, KMS calls, and what `produce --protect` costs on a local MSK.

1 KiB JSON records, 3 protected fields (encrypt; a mixed policy too), all ratios from one run:
  core      - records/s per core (CPU time of this process) of Protector.protect / unprotect, next to a bare
              json.loads + json.dumps of the same records (the floor of any JSON field transform)
  confluent - the same records through confluent-kafka's own field encryption (JSONSerializer with an ENCRYPT
              rule, FieldEncryptionExecutor, local KMS driver, mock schema and DEK registries), when
              `confluent-kafka[rules]` is importable (goal: mskctl >= 2x); skipped otherwise
  kms       - KMS calls per 100,000 records, producer and consumer, default data key settings
  produce   - `mskctl produce -f FILE` on a local MSK over mTLS: raw, --format json, raw with a dummy header as
              large as the protection header, --protect POLICY (goal: --protect costs <= 10 %); rounds
              alternate, medians compared; client CPU per record from the child's rusage; and the Python
              API's producer with and without protection, without and with lz4 compression
KMS is moto's (in process for core/kms; the local MSK's AWS API for produce). `--no-cluster` skips `produce`.
BENCH_RECORDS (20000), BENCH_ROUNDS (3), BENCH_KMS_RECORDS (100000) size the runs.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

RECORDS = int(os.environ.get("BENCH_RECORDS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
KMS_RECORDS = int(os.environ.get("BENCH_KMS_RECORDS", "100000"))
CLUSTER = "protect-bench"
ENCRYPT3 = ("      - {path: $.customer.email, action: encrypt}\n"
            "      - {path: $.customer.ssn, action: encrypt}\n"
            "      - {path: $.payment.card, action: encrypt}\n")
MIXED3 = ("      - {path: $.customer.email, action: encrypt}\n"
          "      - {path: $.customer.ssn, action: encrypt-deterministic}\n"
          "      - {path: $.payment.card, action: tokenize, format: digits, keep_last: 4}\n")


def record(i: int) -> dict[str, Any]:
    """About 1 KiB of order JSON; three sensitive fields."""
    return {
        "order_id": i, "created": "2026-01-01T12:00:00Z", "status": "paid",
        "customer": {"id": f"c-{i % 5000}", "email": f"customer{i}@example.com", "ssn": f"{i % 900:03d}-45-6789",
                     "name": "Alice Example", "tier": "gold"},
        "payment": {"card": f"4111-1111-{i % 10000:04d}-1111", "amount": 12.5 + i % 100, "currency": "EUR"},
        "items": [{"sku": f"sku-{i}-{n}", "qty": n + 1, "price": 1.25 * (n + 1), "title": "A useful thing"}
                  for n in range(8)],
        "shipping": {"method": "standard", "city": "Lyon", "country": "FR", "notes": "Leave at the door, please."},
        "channel": "web", "campaign": "spring-2026",
    }


def records(count: int) -> list[bytes]:
    return [json.dumps(record(i)).encode() for i in range(count)]


def policy_text(cmk: str, hmac: str, fields: str, topic: str = "orders*") -> str:
    return f'keys: {{kms: "{cmk}", hmac: "{hmac}"}}\ntopics:\n  - topic: "{topic}"\n    fields:\n{fields}'


def cpu_rate(run: Callable[[], int]) -> float:
    started = time.process_time()
    count = run()
    return count / max(time.process_time() - started, 1e-9)


# ---- confluent-kafka's field encryption, when installed -------------------------------------------------
def confluent_serdes() -> tuple[Callable[[bytes], bytes], Callable[[bytes], Any]] | None:
    try:
        from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
        from confluent_kafka.schema_registry.common.schema_registry_client import (
            Rule,
            RuleKind,
            RuleMode,
            RuleParams,
            RuleSet,
        )
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
        from confluent_kafka.schema_registry.rules.encryption.encrypt_executor import FieldEncryptionExecutor
        from confluent_kafka.schema_registry.rules.encryption.localkms.local_driver import LocalKmsDriver
        from confluent_kafka.serialization import MessageField, SerializationContext
    except ImportError:
        return None
    LocalKmsDriver.register()
    FieldEncryptionExecutor.register()
    client = SchemaRegistryClient.new_client({"url": "mock://"})
    pii = {"type": "string", "confluent:tags": ["PII"]}
    schema = json.dumps({"type": "object", "properties": {
        "customer": {"type": "object", "properties": {"email": pii, "ssn": pii}},
        "payment": {"type": "object", "properties": {"card": pii}}}})
    rule = Rule("encrypt-pii", "", RuleKind.TRANSFORM, RuleMode.WRITEREAD, "ENCRYPT", ["PII"],
                RuleParams({"encrypt.kek.name": "bench-kek", "encrypt.kms.type": "local-kms",
                            "encrypt.kms.key.id": "bench-key"}), None, None, "ERROR,NONE", False)
    client.register_schema("orders-value", Schema(schema, "JSON", [], None, RuleSet(None, [rule])))
    # Schema validation off: mskctl does not validate either; only the field encryption is compared.
    serializer = JSONSerializer(schema, client, conf={"auto.register.schemas": False, "use.latest.version": True,
                                                       "validate": False}, rule_conf={"secret": "bench-secret"})
    deserializer = JSONDeserializer(None, schema_registry_client=client, rule_conf={"secret": "bench-secret"})
    context = SerializationContext("orders", MessageField.VALUE)
    # Bytes in, like a producer reading JSON lines (its serializer also changes the dict it is given).
    return (lambda raw: serializer(json.loads(raw), context)), (lambda data: deserializer(data, context))


# ---- local MSK: mskctl produce with and without --protect ---------------------------------------------------
def cluster_produce(data: list[bytes], kms_arns: Callable[[Any], tuple[str, str]]) -> dict[str, float]:
    from confluent_kafka.admin import AdminClient, NewTopic

    from mskctl.local import cluster
    from mskctl.local.paths import ClusterPaths

    spec = cluster.up(cluster.UpRequest(name=CLUSTER))
    rates: dict[str, list[float]] = {name: [] for name in ("raw", "json", "padded", "protect")}
    cpu: dict[str, list[float]] = {name: [] for name in rates}
    try:
        env = dict(os.environ) | cluster.environment(spec, ClusterPaths.for_name(CLUSTER))
        import boto3

        kms = boto3.client("kms", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                           aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                           aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
        home = Path(os.environ["MSKCTL_HOME"])
        policy = home / "policy.yaml"
        policy.write_text(policy_text(*kms_arns(kms), ENCRYPT3, topic="bench-*"))
        lines = home / "records.jsonl"
        lines.write_bytes(b"\n".join(data) + b"\n")
        admin = AdminClient({"bootstrap.servers": env["MSK_BOOTSTRAP_SERVERS_TLS"], "security.protocol": "SSL",
                             "ssl.ca.location": env["MSK_CA_BUNDLE"], "log_level": 0,
                             "ssl.certificate.location": env["MSK_TLS_CLIENT_CERT"],
                             "ssl.key.location": env["MSK_TLS_CLIENT_KEY"]})
        mskctl = str(Path(sys.executable).parent / "mskctl")
        from mskctl.protect import Protector, load_text

        header = Protector(load_text(policy.read_text()), kms=kms).protect("bench-x", data[0]).header[1]
        variants = {"raw": [], "json": ["--format", "json"], "padded": ["-H", "pad=" + "x" * (len(header) - 3)],
                    "protect": ["--protect", str(policy)]}
        for round_number in range(ROUNDS + 1):  # round 0 warms up brokers, connections and caches
            for name, flags in variants.items():
                topic = f"bench-{name}-{round_number}"
                admin.create_topics([NewTopic(topic, 6, 3)])[topic].result()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                out = subprocess.run([mskctl, "produce", topic, "-f", str(lines), "--auth", "mtls", "-o", "json",
                                      *flags], capture_output=True, text=True, env=env, check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if round_number:
                    rates[name].append(json.loads(out.stdout)["recordsPerSecond"])
                    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                    cpu[name].append(used / len(data) * 1e6)
        rates |= api_produce(env, admin, policy, data)
    finally:
        cluster.down(CLUSTER, wipe=True)
    return ({name: statistics.median(values) for name, values in rates.items()}
            | {f"{name}_cpu": statistics.median(values) for name, values in cpu.items() if values})


def one_round(kms: Any, keys: tuple[str, str], data: list[bytes], confluent: Any) -> dict[str, float]:
    from mskctl.protect import Protector, load_text

    producer = Protector(load_text(policy_text(*keys, ENCRYPT3)), kms=kms)
    mixed = Protector(load_text(policy_text(*keys, MIXED3)), kms=kms)
    consumer = Protector(kms=kms)
    first = producer.protect("orders", data[0])  # keys made outside the timed loops, as in a long-running client
    mixed.protect("orders", data[0])
    consumer.unprotect("orders", first.value, first.headers)
    protected: list[Any] = []

    def json_only() -> int:
        return sum(1 for r in data if json.dumps(json.loads(r)))

    def orjson_only() -> int:
        return sum(1 for r in data if orjson.dumps(orjson.loads(r)))

    def protect() -> int:
        protected.extend(producer.protect("orders", r) for r in data)
        return len(data)

    def protect_mixed() -> int:
        return sum(1 for r in data if mixed.protect("orders", r))

    def unprotect() -> int:
        return sum(1 for p in protected if consumer.unprotect("orders", p.value, p.headers).complete)

    rates = {"json": cpu_rate(json_only), "orjson": cpu_rate(orjson_only), "protect": cpu_rate(protect),
             "mixed": cpu_rate(protect_mixed),
             "unprotect": cpu_rate(unprotect), "header": float(len(first.header[1]))}
    if confluent:
        serialize, deserialize = confluent
        serialize(data[0])  # its DEK made and cached first, as for mskctl
        serialized: list[bytes] = []

        def confluent_encrypt() -> int:
            serialized.extend(serialize(r) for r in data)
            return len(data)

        def confluent_decrypt() -> int:
            return sum(1 for s in serialized if deserialize(s))

        rates |= {"cf_ser": cpu_rate(confluent_encrypt), "cf_de": cpu_rate(confluent_decrypt)}
    return rates


def api_produce(env: dict[str, str], admin: Any, policy: Path, data: list[bytes]) -> dict[str, list[float]]:
    """The Python API's producer, with and without protection, without and with lz4 batches."""
    from confluent_kafka.admin import NewTopic

    from mskctl import connect
    from mskctl.protect import Protector, load_policy

    os.environ.update(env)
    conn = connect(auth="mtls")
    protector = Protector.for_connection(conn, load_policy(policy))
    rates: dict[str, list[float]] = {}
    for round_number in range(ROUNDS + 1):
        for compression in ("none", "lz4"):
            for protect in (False, True):
                topic = f"bench-api-{compression}-{protect}-{round_number}"
                admin.create_topics([NewTopic(topic, 6, 3)])[topic].result()
                producer = conn.producer(compression_type=compression)
                started = time.perf_counter()
                for value in data:
                    headers = None
                    if protect:
                        record = protector.protect(topic, value)
                        value, headers = record.value, record.headers
                    while True:
                        try:
                            producer.produce(topic, value, headers=headers)
                            break
                        except BufferError:
                            producer.poll(0.05)
                    producer.poll(0)
                if producer.flush(120):
                    raise SystemExit("undelivered records")
                if round_number:
                    name = f"api_{compression}{'_protect' if protect else ''}"
                    rates.setdefault(name, []).append(len(data) / (time.perf_counter() - started))
    return rates


def main() -> int:
    os.environ["MSKCTL_HOME"] = tempfile.mkdtemp(prefix="mskctl-bench-protect-")
    os.environ["MSKCTL_CONFIG"] = os.path.join(os.environ["MSKCTL_HOME"], "none.toml")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import boto3
    from moto.server import ThreadedMotoServer

    from mskctl.protect import Protector, load_text

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    kms = boto3.client("kms", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")

    def new_keys(client: Any) -> tuple[str, str]:
        return (client.create_key()["KeyMetadata"]["Arn"],
                client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"])

    keys = new_keys(kms)
    data = records(RECORDS)
    size = statistics.mean(len(r) for r in data)
    confluent = confluent_serdes()
    rates: dict[str, list[float]] = {k: [] for k in ("json", "orjson", "protect", "unprotect", "mixed", "cf_ser",
                                                     "cf_de")}
    header_bytes = 0
    for _ in range(ROUNDS):
        for name, rate in one_round(kms, keys, data, confluent).items():
            if name == "header":
                header_bytes = int(rate)
            else:
                rates[name].append(rate)
    med = {k: statistics.median(v) for k, v in rates.items() if v}

    # KMS calls per 100,000 records, default data key settings (100,000 records or 1 h per data key).
    producer = Protector(load_text(policy_text(*new_keys(kms), ENCRYPT3)), kms=kms)
    consumer = Protector(kms=kms)
    for i in range(KMS_RECORDS):
        out = producer.protect("orders", data[i % len(data)])
        consumer.unprotect("orders", out.value, out.headers)

    print(f"{RECORDS} records of {size:.0f} B JSON, 3 protected fields, {ROUNDS} rounds, medians, records/s per "
          "core (CPU time)")
    print(f"  json.loads+dumps only   {med['json']:8.0f}")
    print(f"  orjson.loads+dumps only {med['orjson']:8.0f}  (the parser mskctl uses)")
    print(f"  mskctl protect          {med['protect']:8.0f}  (3x encrypt; {med['protect'] / med['json']:.2f} of "
          f"the JSON floor; header {header_bytes} B)")
    print(f"  mskctl protect, mixed   {med['mixed']:8.0f}  (encrypt, encrypt-deterministic, tokenize digits)")
    print(f"  mskctl unprotect        {med['unprotect']:8.0f}  ({med['unprotect'] / med['json']:.2f} of the JSON "
          "floor)")
    if confluent:
        print(f"  confluent encrypt       {med['cf_ser']:8.0f}  -> mskctl {med['protect'] / med['cf_ser']:.1f}x")
        print(f"  confluent decrypt       {med['cf_de']:8.0f}  -> mskctl {med['unprotect'] / med['cf_de']:.1f}x")
    else:
        print("  confluent               skipped: install confluent-kafka[rules] (e.g. pip install '.[bench]')")
    print(f"KMS calls for {KMS_RECORDS} records (default data keys: 100,000 records or 1 h each): producer "
          + ", ".join(f"{k} {v}" for k, v in producer.stats["kmsCalls"].items())
          + "; consumer " + ", ".join(f"{k} {v}" for k, v in consumer.stats["kmsCalls"].items()))
    server.stop()

    if "--no-cluster" not in sys.argv:
        produced = cluster_produce(data, new_keys)
        print(f"mskctl produce -f FILE on a local MSK (mTLS, acks=all, idempotent), {RECORDS} records, "
              f"{ROUNDS} rounds, medians (records/s)")
        for name, label in (("raw", "raw"), ("json", "--format json"), ("padded", "raw + header-sized header"),
                            ("protect", "--protect")):
            print(f"  {label:27} {produced[name]:8.0f}   client CPU {produced[name + '_cpu']:5.0f} us/record "
                  "(process start included)")
        for compression in ("none", "lz4"):
            plain, protected = produced[f"api_{compression}"], produced[f"api_{compression}_protect"]
            print(f"  API producer, compression {compression:4}: plain {plain:8.0f}   protected {protected:8.0f}  "
                  f"-> protection costs {1 - protected / plain:.0%}")
        print(f"  --protect costs {1 - produced['protect'] / produced['raw']:.0%} of the throughput vs raw, "
              f"{1 - produced['protect'] / produced['json']:.0%} vs --format json (goal <= 10 %); the header's bytes "
              f"alone cost {1 - produced['padded'] / produced['raw']:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
