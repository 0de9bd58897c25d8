"""Small helpers the integration tests share: secrets, topics, produce and consume."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

QUIET = {"log_level": 0}


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def create_cmk(kms, spec: str = "SYMMETRIC_DEFAULT") -> str:
    usage = "SIGN_VERIFY" if spec.startswith(("RSA", "ECC")) else "ENCRYPT_DECRYPT"
    return kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["Arn"]


def scram_secret(sm, name: str, user: str, password: str, kms_key: str | None) -> str:
    args = {"Name": name, "SecretString": json.dumps({"username": user, "password": password})}
    if kms_key:
        args["KmsKeyId"] = kms_key
    return sm.create_secret(**args)["ARN"]


def create_topic(config: dict, topic: str, partitions: int = 3, replication: int = 3,
                 configs: dict[str, str] | None = None) -> None:
    admin = AdminClient(config | QUIET)
    futures = admin.create_topics(
        [NewTopic(topic, partitions, replication, config=configs or {})], request_timeout=30
    )
    for future in futures.values():
        future.result()


def can_produce(config: dict, topic: str, timeout: float = 15.0) -> KafkaError | None:
    """Produce one record; None on success, else the delivery (or client) error."""
    outcome: list[KafkaError | None] = []
    producer = Producer(config | QUIET | {"message.timeout.ms": int(timeout * 1000)})
    try:
        producer.produce(topic, b"probe", on_delivery=lambda err, _msg: outcome.append(err))
    except KafkaException as exc:
        return exc.args[0]
    producer.flush(timeout + 5)
    return outcome[0] if outcome else KafkaError(KafkaError._MSG_TIMED_OUT)


def consume_all(config: dict, topic: str, expected: int, timeout: float = 60.0,
                group: str | None = None) -> list[bytes]:
    consumer = Consumer(config | QUIET | {
        "group.id": group or f"reader-{topic}-{time.monotonic_ns()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while len(values) < expected and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=1000, timeout=1.0):
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise KafkaException(message.error())
                values.append(message.value())
    finally:
        consumer.close()
    return values
