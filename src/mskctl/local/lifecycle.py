"""Stopping and starting a local cluster without losing an acknowledged record.

MSK's default ``unclean.leader.election.enable=true`` lets the controller make an
out-of-sync replica leader when no in-sync one is alive. Stopping every broker at once,
or starting them in any order, can therefore hand leadership to a replica that missed
acknowledged records, and the others truncate to follow it. So:

- ``down`` waits until every replica on a running broker is in sync, holds unclean
  election off (a dynamic override to ``false`` on every running controller), and stops
  the brokers one after the other, the active controller in the last group;
- ``up`` starts them in the reverse order, the held controllers first; the local AWS API
  (which runs beside the brokers) then releases the hold, restoring whatever dynamic value
  was there before, once every broker is registered and every ISR is full, so ``up``
  itself does not wait for followers to catch up.

The hold is in the metadata log before any broker stops, so it is there when they start.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    ResourceType,
)

UNCLEAN = "unclean.leader.election.enable"
HELD_VALUE = "false"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class PartitionReplicas:
    topic: str
    partition: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]

    def out_of_sync(self, alive: set[int]) -> set[int]:
        """Replicas on running brokers that are not in the ISR."""
        return {r for r in self.replicas if r in alive and r not in self.isr}

    @property
    def full(self) -> bool:
        return set(self.isr) == set(self.replicas)


@dataclass
class LifecycleState:
    """What ``down`` left for ``up``: kept in ``lifecycle.json`` beside ``cluster.json``."""

    stop_order: list[int] = field(default_factory=list)
    # Controller (voter) id -> the node-level dynamic value the hold replaced (None: none).
    held: dict[int, str | None] = field(default_factory=dict)
    hold_error: str | None = None

    @classmethod
    def load(cls, path: Path) -> LifecycleState:
        try:
            data = json.loads(path.read_text())
            return cls(
                stop_order=[int(b) for b in data.get("stopOrder", [])],
                held={int(b): v for b, v in data.get("uncleanHeld", {}).items()},
                hold_error=data.get("holdError"),
            )
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        data = {"stopOrder": self.stop_order,
                "uncleanHeld": {str(b): v for b, v in sorted(self.held.items())},
                "holdError": self.hold_error}
        write_atomically(path, json.dumps(data, indent=2) + "\n")


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---- reading the cluster ------------------------------------------------------------------
def partitions(client: AdminClient, timeout: float = 5.0) -> list[PartitionReplicas]:
    metadata = client.list_topics(timeout=timeout)
    return [
        PartitionReplicas(topic, pid, tuple(p.replicas), tuple(p.isrs))
        for topic, info in metadata.topics.items()
        for pid, p in info.partitions.items()
    ]


def registered_brokers(client: AdminClient, timeout: float = 5.0) -> set[int]:
    return set(client.list_topics(timeout=timeout).brokers)


def out_of_sync(parts: list[PartitionReplicas], alive: set[int]) -> dict[int, int]:
    """Broker id -> how many of its replicas (on running brokers) are not in sync."""
    lagging: dict[int, int] = {}
    for part in parts:
        for broker in part.out_of_sync(alive):
            lagging[broker] = lagging.get(broker, 0) + 1
    return lagging


def describe_lag(lagging: dict[int, int]) -> str:
    return ", ".join(f"broker {b}: {n} replica{'s' if n != 1 else ''}" for b, n in sorted(lagging.items()))


def wait_in_sync(
    client: AdminClient, alive: Callable[[], set[int]], *, timeout: float, progress: Progress,
    poll: float = 0.3,
) -> dict[int, int]:
    """Wait until every replica on a running broker is in its ISR; what still lags at the deadline."""
    deadline = time.monotonic() + timeout
    reported = ""
    while True:
        try:
            lagging = out_of_sync(partitions(client), alive())
        except KafkaException:
            lagging = {-1: 0}  # no metadata yet: keep waiting
        if not lagging:
            return {}
        if time.monotonic() >= deadline:
            return {b: n for b, n in lagging.items() if b >= 0}
        text = describe_lag({b: n for b, n in lagging.items() if b >= 0})
        if text and text != reported:
            progress(f"Waiting for replicas to catch up ({text})")
            reported = text
        time.sleep(poll)


def every_isr_full(client: AdminClient, brokers: set[int]) -> bool:
    try:
        return registered_brokers(client) >= brokers and all(p.full for p in partitions(client))
    except KafkaException:
        return False


# ---- the hold on unclean leader election ---------------------------------------------------
# The controller reads a topic's unclean.leader.election.enable from, in order: the topic, the
# active controller's own node-level dynamic config, the cluster-wide default, its static file.
# librdkafka cannot address the cluster-wide default (an empty resource name), so the hold is a
# node-level override on every controller: whichever of them is active reads it.
def _broker(broker: int, *entries: ConfigEntry) -> ConfigResource:
    return ConfigResource(ResourceType.BROKER, str(broker), incremental_configs=list(entries) or None)


def node_dynamic_unclean(client: AdminClient, broker: int, timeout: float = 10.0) -> str | None:
    """The node-level dynamic value of unclean.leader.election.enable on ``broker``, if set."""
    resource = _broker(broker)
    return _node_value(client.describe_configs([resource], request_timeout=timeout)[resource].result())


def _node_value(configs: dict[str, ConfigEntry]) -> str | None:
    entry = configs.get(UNCLEAN)
    if entry is None or entry.source != ConfigSource.DYNAMIC_BROKER_CONFIG.value:
        return None
    return entry.value


def _set_node_unclean(client: AdminClient, brokers: dict[int, str | None], timeout: float) -> dict[int, str]:
    """Set (or, for None, delete) each broker's override, all at once; broker -> error for the failures."""
    futures = {}
    for broker, value in brokers.items():
        op = AlterConfigOpType.DELETE if value is None else AlterConfigOpType.SET
        resource = _broker(broker, ConfigEntry(UNCLEAN, value or "", incremental_operation=op))
        futures[broker] = client.incremental_alter_configs([resource], request_timeout=timeout)[resource]
    return {b: error for b, future in futures.items() if (error := _error_of(future)) is not None}


def _error_of(future) -> str | None:
    try:
        future.result()
    except KafkaException as exc:
        return _error_of_exception(exc)
    return None


def hold_unclean(client: AdminClient, controllers: list[int], state: LifecycleState,
                 timeout: float = 10.0) -> list[int]:
    """Override unclean election to false on each controller, remembering what it replaces.

    The controllers are asked side by side, each on its own: one that cannot be reached does
    not keep the others unheld. Returns the ones that could not be held (``state.hold_error``
    says why).
    """
    resources = {b: _broker(b) for b in controllers}
    described = {b: client.describe_configs([r], request_timeout=timeout)[r] for b, r in resources.items()}
    previous: dict[int, str | None] = {}
    errors: dict[int, str] = {}
    for broker, future in described.items():
        try:
            previous[broker] = _node_value(future.result())
        except KafkaException as exc:
            errors[broker] = _error_of_exception(exc)
    errors |= _set_node_unclean(client, dict.fromkeys(previous, HELD_VALUE), timeout)
    for broker in previous:
        if broker not in errors:
            state.held.setdefault(broker, previous[broker])
    state.hold_error = "; ".join(f"broker {b}: {e}" for b, e in sorted(errors.items())) or None
    return sorted(errors)


def _error_of_exception(exc: KafkaException) -> str:
    return exc.args[0].str() if exc.args and hasattr(exc.args[0], "str") else str(exc)


def release_unclean(client: AdminClient, state: LifecycleState, timeout: float = 10.0) -> None:
    """Put back each controller's node-level value the hold replaced (or remove the override)."""
    errors = _set_node_unclean(client, dict(state.held), timeout)
    for broker in list(state.held):
        if broker not in errors:
            del state.held[broker]
    if errors:
        raise KafkaException(f"could not release the hold on {sorted(errors)}: {errors}")


def reconcile_hold(client: AdminClient, brokers: set[int], controllers: list[int], path: Path) -> bool:
    """One step of the hold's life; True when no hold remains.

    While a hold is on, a controller that comes back without it (it was down at ``down``) is held
    too; once every broker is registered and every ISR is full, the hold is released.
    """
    state = LifecycleState.load(path)
    if not state.held:
        return True
    registered = registered_brokers(client)
    if unheld := [b for b in controllers if b not in state.held and b in registered]:
        hold_unclean(client, unheld, state)
        state.save(path)
    if not (registered >= brokers and all(p.full for p in partitions(client))):
        return False
    try:
        release_unclean(client, state)
    finally:
        state.save(path)  # what was released stays released, even when one controller refused
    return True


# ---- order --------------------------------------------------------------------------------
def stop_plan(alive: list[int], controllers: list[int], active_controller: int | None) -> list[list[int]]:
    """Groups of brokers to stop, one group after the other.

    Brokers first, one at a time, then the controllers. The last two running controllers stop
    together: a controlled shutdown needs a quorum to commit it, and a controller left alone
    has none, so it would hang until killed. The active controller is in that last group, so
    no earlier shutdown waits for a controller failover.
    """
    def rank(broker: int) -> tuple[int, int]:
        if broker == active_controller:
            return (2, broker)
        return (1 if broker in controllers else 0, broker)

    ordered = sorted(alive, key=rank)
    running_controllers = [b for b in ordered if b in controllers]
    last = running_controllers[-2:]
    return [[b] for b in ordered if b not in last] + ([last] if last else [])


def start_order(all_brokers: list[int], previous_stop_order: list[int]) -> list[int]:
    """The reverse of the last stop (the last stopped first), then the brokers it did not stop."""
    first = [b for b in reversed(previous_stop_order) if b in all_brokers]
    return first + [b for b in all_brokers if b not in first]
