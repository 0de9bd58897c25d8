"""No acknowledged record is lost by any lifecycle step of the local MSK.

A seeded random walk over {reboot_broker, kill -9 of one broker, `local down`/`up`, an
acks=all idempotent batch, topic creation}; after each sequence every acknowledged record
is read back exactly once. The seed and the steps are printed when a sequence fails:
rerun it with MSKCTL_LIFECYCLE_SEED=<seed>. A run is the fixed cases (sequences that found
bugs) plus MSKCTL_LIFECYCLE_SEQUENCES random ones (7: ten sequences in all); `make soak` runs more.
"""

from __future__ import annotations

import os
import random
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from botocore.exceptions import ClientError
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from mskctl.local import brokers, cluster, lifecycle, operator
from tests.integration.kafka_helpers import QUIET, create_topic, wait_until

pytestmark = pytest.mark.integration

SEQUENCES = int(os.environ.get("MSKCTL_LIFECYCLE_SEQUENCES", "7"))
STEPS = ("batch", "topic", "reboot", "kill", "downup")
WEIGHTS = (30, 12, 20, 18, 20)
BATCH = 100


@pytest.fixture(autouse=True)
def cluster_left_running(msk):
    """Whatever a test here did to the session's cluster, the next test finds it up."""
    yield
    cluster.up(cluster.UpRequest(name=msk.spec.name))


@dataclass
class Walk:
    """What one sequence did and what the cluster acknowledged."""

    seed: int
    steps: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    acked: list[tuple[str, bytes]] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def describe(self) -> str:
        timed = ", ".join(f"{step} {t:.1f}s" for step, t in zip(self.steps, self.seconds, strict=False))
        return f"seed={self.seed} steps=[{timed}]"


def read_to_end(config: dict, topic: str, timeout: float = 60.0) -> list[bytes]:
    """Every record of every partition, from offset 0 to the high watermark."""
    consumer = Consumer(config | QUIET | {"group.id": f"audit-{uuid.uuid4().hex}",
                                          "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
                for p in partitions}
        consumer.assign([TopicPartition(topic, p, 0) for p, end in ends.items() if end > 0])
        positions = dict.fromkeys(ends, 0)
        values: list[bytes] = []
        deadline = time.monotonic() + timeout
        while any(positions[p] < end for p, end in ends.items()):
            assert time.monotonic() < deadline, f"{topic}: read {positions} of {ends} in {timeout} s"
            for message in consumer.consume(num_messages=1000, timeout=1.0):
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise KafkaException(message.error())
                positions[message.partition()] = message.offset() + 1
                values.append(message.value())
        return values
    finally:
        consumer.close()


class Lifecycle:
    """The steps, acting on the session's local MSK."""

    def __init__(self, msk, walk: Walk) -> None:
        self.msk, self.walk = msk, walk
        self.kafka = msk.boto("kafka")

    def running(self) -> list[int]:
        return [b for b in self.msk.spec.broker_ids() if brokers.broker_pid(self.msk.paths, b) is not None]

    def batch(self, rng: random.Random) -> None:
        if not self.walk.topics:
            self.topic(rng)
            if not self.walk.topics:
                return
        topic = rng.choice(self.walk.topics)
        producer = Producer(self.msk.tls_config(**QUIET, **{
            "enable.idempotence": True, "acks": "all", "linger.ms": 5,
            "message.timeout.ms": 30_000,
        }))
        step = len(self.walk.steps)

        def delivered(err, message) -> None:
            if err is None:
                self.walk.acked.append((topic, message.value()))

        for i in range(BATCH):
            producer.produce(topic, f"{self.walk.seed}-{step}-{i}".encode(), on_delivery=delivered)
        producer.flush(60)

    def topic(self, _: random.Random) -> None:
        name = f"walk-{self.walk.seed}-{len(self.walk.steps)}-{uuid.uuid4().hex[:6]}"
        try:
            create_topic(self.msk.tls_config(), name, partitions=3, replication=3,
                         configs={"min.insync.replicas": "2"})
        except KafkaException:
            return  # a broker is down: RF 3 cannot be placed, as on MSK
        self.walk.topics.append(name)

    def reboot(self, rng: random.Random) -> None:
        broker = rng.choice(self.msk.spec.broker_ids())
        try:
            arn = self.kafka.reboot_broker(ClusterArn=self.msk.spec.arn, BrokerIds=[str(broker)])
            self.walk.operations.append(arn["ClusterOperationArn"])
        except ClientError as exc:
            # MSK refuses while a broker is down (HEALING) or another reboot runs.
            assert exc.response["Error"]["Code"] in ("BadRequestException", "ConflictException"), exc

    def reboot_done(self, rng: random.Random) -> None:
        """A reboot, then on only once MSK's API reports it done."""
        self.reboot(rng)
        if self.walk.operations:
            arn = self.walk.operations[-1]
            assert wait_until(lambda: self.operation_state(arn) not in ("PENDING", "UPDATE_IN_PROGRESS"), 300)

    def kill(self, rng: random.Random) -> None:
        running = self.running()
        rebooting = any(self.operation_state(a) in ("PENDING", "UPDATE_IN_PROGRESS") for a in self.walk.operations)
        if len(running) < self.msk.spec.brokers or rebooting:
            return  # one failure at a time: two brokers down of three is beyond Kafka's own guarantee
        pid = brokers.broker_pid(self.msk.paths, victim := rng.choice(running))
        os.kill(pid, signal.SIGKILL)
        assert wait_until(lambda: brokers.broker_pid(self.msk.paths, victim) is None, 10)

    def downup(self, _: random.Random) -> None:
        cluster.down(self.msk.spec.name)
        assert self.running() == []
        state = lifecycle.LifecycleState.load(self.msk.paths.lifecycle)
        if len(state.stop_order) >= 2:  # a controller quorum was there to take the hold
            assert sorted(state.held) == sorted(state.stop_order), state
        cluster.up(cluster.UpRequest(name=self.msk.spec.name))
        self.released()

    def released(self) -> None:
        """The AWS API released the hold once every ISR was full: no node-level override is left."""
        assert wait_until(lambda: lifecycle.LifecycleState.load(self.msk.paths.lifecycle).held == {}, 120)
        client = operator.admin(self.msk.spec, self.msk.paths)
        # Each broker answers from its own copy of the metadata, which follows the controller's.
        assert wait_until(lambda: all(lifecycle.node_dynamic_unclean(client, b) is None for b in (1, 2, 3)), 15)

    def settle(self) -> None:
        """Every reboot finished, every broker back, the hold released."""
        for arn in self.walk.operations:
            assert wait_until(lambda a=arn: self.operation_state(a) not in ("PENDING", "UPDATE_IN_PROGRESS"),
                              300), f"reboot {arn} never finished"
        if len(self.running()) < self.msk.spec.brokers:
            cluster.up(cluster.UpRequest(name=self.msk.spec.name))
        self.released()

    def operation_state(self, arn: str) -> str:
        try:
            return self.kafka.describe_cluster_operation(ClusterOperationArn=arn)[
                "ClusterOperationInfo"]["OperationState"]
        except ClientError:
            return "GONE"  # `down` stopped the AWS API that ran it: the broker was stopped too

    def check(self) -> None:
        for topic in self.walk.topics:
            read = Counter(read_to_end(self.msk.tls_config(), topic))
            acked = [value for t, value in self.walk.acked if t == topic]
            lost = [v for v in acked if read[v] == 0]
            doubled = [v for v in acked if read[v] > 1]
            assert not lost, f"{topic}: {len(lost)} of {len(acked)} acknowledged records lost"
            assert not doubled, f"{topic}: {len(doubled)} acknowledged records read twice"


def run_walk(msk, seed: int, steps: list[str]) -> Walk:
    walk = Walk(seed)
    life = Lifecycle(msk, walk)
    rng = random.Random(seed)
    try:
        for step in [*steps, "settle", "check"]:
            walk.steps.append(step)
            started = time.monotonic()
            if step in ("settle", "check"):
                getattr(life, step)()
            else:
                getattr(life, step)(rng)
            walk.seconds.append(time.monotonic() - started)
    except BaseException as exc:
        raise AssertionError(f"lifecycle sequence failed ({walk.describe()}): {exc}") from exc
    print(walk.describe())
    return walk


def random_steps(seed: int) -> list[str]:
    """4 to 6 steps; the first makes a topic, so every sequence has records at stake."""
    rng = random.Random(seed * 7919)
    return ["topic", *rng.choices(STEPS, WEIGHTS, k=rng.randint(3, 5))]


# Sequences that found bugs, kept as fixed cases.
FIXED_CASES = {
    # Issue 15: a replica out of sync (a broker killed, records acknowledged by the other
    # two), then down/up: the killed broker must not become an unclean leader.
    "killed-then-downup": ["topic", "kill", "batch", "downup", "batch"],
    # Issue 15 as reported: a reboot reported done, a new topic and a batch right after, down/up.
    "reboot-topic-batch-downup": ["reboot_done", "topic", "batch", "downup"],
    # A reboot still running when `down` stops the AWS API (found on the previous main: the
    # reboot thread restarted its broker after `down`, and `up` found the port taken).
    "reboot-downup": ["topic", "batch", "reboot", "downup", "batch"],
}


@pytest.mark.parametrize("case", sorted(FIXED_CASES))
def test_fixed_lifecycle_sequence_loses_no_acknowledged_record(msk, case):
    walk = run_walk(msk, seed=sum(map(ord, case)), steps=FIXED_CASES[case])
    assert walk.acked, "the sequence acknowledged nothing: it tested nothing"


def test_random_lifecycle_sequences_lose_no_acknowledged_record(msk):
    base = int(os.environ.get("MSKCTL_LIFECYCLE_SEED", time.time_ns() % 1_000_000))
    print(f"lifecycle walk: MSKCTL_LIFECYCLE_SEED={base}, {SEQUENCES} sequences")
    acked = 0
    for i in range(SEQUENCES):
        walk = run_walk(msk, base + i, random_steps(base + i))
        acked += len(walk.acked)
    assert acked > 0


def test_reboot_completes_only_once_the_broker_is_back_in_every_isr(msk, unique):
    topic = f"rebooted-{unique}"
    create_topic(msk.tls_config(), topic, partitions=6, replication=3, configs={"min.insync.replicas": "2"})
    producer = Producer(msk.tls_config(**QUIET, acks="all"))
    for i in range(2_000):
        producer.produce(topic, str(i).encode())
    assert producer.flush(30) == 0
    kafka = msk.boto("kafka")
    pid_before = brokers.broker_pid(msk.paths, 2)
    arn = kafka.reboot_broker(ClusterArn=msk.spec.arn, BrokerIds=["2"])["ClusterOperationArn"]
    client = operator.admin(msk.spec, msk.paths)
    states: list[str] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        info = kafka.describe_cluster_operation(ClusterOperationArn=arn)["ClusterOperationInfo"]
        states.append(kafka.describe_cluster_v2(ClusterArn=msk.spec.arn)["ClusterInfo"]["State"])
        if info["OperationState"] not in ("PENDING", "UPDATE_IN_PROGRESS"):
            break
        time.sleep(0.1)
    assert info["OperationState"] == "UPDATE_COMPLETE"
    # Reported done means broker 2 is in the ISR of every partition it holds.
    assert lifecycle.out_of_sync(lifecycle.partitions(client), {2}) == {}
    assert "REBOOTING_BROKER" in states
    # ...and the broker really restarted: it is another process.
    assert brokers.broker_pid(msk.paths, 2) not in (None, pid_before)


def test_reboot_is_refused_while_a_broker_is_down_as_msk_refuses_it_while_healing(msk):
    os.kill(brokers.broker_pid(msk.paths, 3), signal.SIGKILL)
    assert wait_until(lambda: brokers.broker_pid(msk.paths, 3) is None, 10)
    kafka = msk.boto("kafka")
    try:
        assert kafka.describe_cluster_v2(ClusterArn=msk.spec.arn)["ClusterInfo"]["State"] == "HEALING"
        with pytest.raises(ClientError) as refused:
            kafka.reboot_broker(ClusterArn=msk.spec.arn, BrokerIds=["1"])
        assert refused.value.response["Error"]["Code"] == "BadRequestException"
        assert "HEALING" in refused.value.response["Error"]["Message"]
    finally:
        cluster.up(cluster.UpRequest(name=msk.spec.name))

