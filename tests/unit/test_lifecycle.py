"""The local MSK's safe stop/start rules, without brokers."""

from __future__ import annotations

import json

from confluent_kafka.admin import BrokerMetadata, ClusterMetadata, PartitionMetadata, TopicMetadata

from mskctl.local import lifecycle
from mskctl.local.lifecycle import LifecycleState, PartitionReplicas


def test_stop_plan_stops_brokers_alone_and_the_last_two_controllers_together_active_last():
    assert lifecycle.stop_plan([1, 2, 3], controllers=[1, 2, 3], active_controller=2) == [[1], [3, 2]]
    assert lifecycle.stop_plan([1, 2, 3, 4, 5, 6], [1, 2, 3], active_controller=1) == [
        [4], [5], [6], [2], [3, 1]]


def test_stop_plan_with_a_dead_controller_stops_the_two_left_together():
    assert lifecycle.stop_plan([2, 3], controllers=[1, 2, 3], active_controller=3) == [[2, 3]]


def test_stop_plan_of_small_clusters_has_one_controller_last():
    assert lifecycle.stop_plan([1], controllers=[1], active_controller=1) == [[1]]
    assert lifecycle.stop_plan([1, 2], controllers=[1], active_controller=1) == [[2], [1]]


def test_start_order_is_the_reverse_of_the_stop_then_brokers_it_did_not_stop():
    assert lifecycle.start_order([1, 2, 3], [2, 3, 1]) == [1, 3, 2]
    assert lifecycle.start_order([1, 2, 3], [2, 3]) == [3, 2, 1]
    assert lifecycle.start_order([1, 2, 3], []) == [1, 2, 3]


def test_out_of_sync_counts_only_replicas_on_running_brokers_missing_from_the_isr():
    parts = [
        PartitionReplicas("a", 0, (1, 2, 3), (2, 3)),
        PartitionReplicas("a", 1, (2, 3, 1), (2, 3, 1)),
        PartitionReplicas("b", 0, (3, 1, 2), (3,)),
    ]
    assert lifecycle.out_of_sync(parts, alive={1, 2, 3}) == {1: 2, 2: 1}
    # A dead broker cannot catch up: waiting for it would never end.
    assert lifecycle.out_of_sync(parts, alive={2, 3}) == {2: 1}
    assert not parts[0].full and parts[1].full


def test_lifecycle_state_round_trips_and_a_damaged_file_reads_as_empty(tmp_path):
    path = tmp_path / "lifecycle.json"
    LifecycleState(stop_order=[2, 3, 1], held={1: None, 3: "true"}).save(path)
    assert json.loads(path.read_text())["uncleanHeld"] == {"1": None, "3": "true"}
    assert LifecycleState.load(path) == LifecycleState(stop_order=[2, 3, 1], held={1: None, 3: "true"})
    path.write_text('{"uncleanHeld": [1, 2]')
    assert LifecycleState.load(path) == LifecycleState()
    assert LifecycleState.load(tmp_path / "missing.json") == LifecycleState()


class LaggingCluster:
    """Metadata of a cluster whose broker 3 never catches up: a state real brokers cannot hold on demand."""

    def list_topics(self, timeout: float) -> ClusterMetadata:
        metadata = ClusterMetadata()
        for b in (1, 2, 3):
            metadata.brokers[b] = BrokerMetadata()
        topic = TopicMetadata()
        partition = PartitionMetadata()
        partition.id, partition.replicas, partition.isrs = 0, [1, 2, 3], [1, 2]
        topic.partitions = {0: partition}
        metadata.topics = {"orders": topic}
        return metadata


def test_wait_in_sync_reports_what_still_lags_at_its_deadline():
    said: list[str] = []
    lagging = lifecycle.wait_in_sync(LaggingCluster(), lambda: {1, 2, 3}, timeout=0.5, progress=said.append,
                                     poll=0.05)
    assert lagging == {3: 1}
    assert said == ["Waiting for replicas to catch up (broker 3: 1 replica)"]
    assert lifecycle.wait_in_sync(LaggingCluster(), lambda: {1, 2}, timeout=5, progress=said.append) == {}
    assert not lifecycle.every_isr_full(LaggingCluster(), {1, 2, 3})


def test_log_tail_sees_only_what_is_written_after_it_starts_and_survives_rotation(tmp_path):
    from mskctl.local.cluster import CONTROLLED_SHUTDOWN_DONE, LogTail

    log = tmp_path / "server.log"
    log.write_text(f"old line: {CONTROLLED_SHUTDOWN_DONE}\n")
    tail = LogTail(log)
    assert not tail.saw(CONTROLLED_SHUTDOWN_DONE)
    with log.open("a") as handle:
        handle.write("Beginning controlled shutdown.\n")
    assert not tail.saw(CONTROLLED_SHUTDOWN_DONE)
    log.write_text(f"INFO {CONTROLLED_SHUTDOWN_DONE} (kafka.server)\n")  # rotated: shorter than before
    assert tail.saw(CONTROLLED_SHUTDOWN_DONE)
