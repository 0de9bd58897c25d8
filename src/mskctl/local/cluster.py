"""``mskctl local up | down | status | env | logs``: one named local MSK cluster."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mskctl.errors import LocalClusterError, UsageError
from mskctl.local import broker_config, brokers, health, install, lifecycle, node_exporter, operator, processes
from mskctl.local.network import PortHolder, port_is_free, taken_ports
from mskctl.local.paths import ClusterPaths, kafka_dist_dir, state_home
from mskctl.local.spec import (
    EMULATOR_PORT,
    MAX_SLOT,
    ClientAuth,
    ClientBroker,
    ClusterSpec,
    load_spec,
    new_spec,
    save_spec,
    validate_name,
)
from mskctl.local.versions import resolve_kafka_version

EMULATOR_MARKER = "mskctl.local.emulator"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class UpRequest:
    name: str = "local"
    brokers: int | None = None
    kafka_version: str | None = None
    client_auth: str | None = None
    client_broker: str | None = None
    configuration: Path | None = None
    region: str | None = None
    timeout: float = 180.0


# How long `down` waits for out-of-sync replicas to catch up before it refuses (see --force).
SYNC_WAIT = 60.0
# How long a group of brokers may take to finish its controlled shutdown before the next group is
# stopped anyway (the hold, not the order, is what keeps acknowledged records).
GROUP_SHUTDOWN_WAIT = 15.0
# What a broker logs once the controller has granted its controlled shutdown and it stops
# heartbeating (Kafka 4.x, BrokerServer.shutdown).
CONTROLLED_SHUTDOWN_DONE = "Node to controller channel manager for heartbeat shutdown"


class LogTail:
    """What a log file gains from now on (read incrementally; a rotated file reads from its start)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self.seen = ""

    def saw(self, text: str) -> bool:
        try:
            with self.path.open("rb") as handle:
                if handle.seek(0, 2) < self.offset:
                    self.offset = 0
                handle.seek(self.offset)
                chunk = handle.read(4 * 1024 * 1024)
        except OSError:
            return False
        self.offset += len(chunk)
        self.seen = (self.seen + chunk.decode(errors="replace"))[-64 * 1024:]
        return text in self.seen


def existing_spec(name: str) -> ClusterSpec | None:
    paths = ClusterPaths.for_name(validate_name(name))
    return load_spec(paths.spec) if paths.spec.exists() else None


def require_spec(name: str) -> tuple[ClusterSpec, ClusterPaths]:
    spec = existing_spec(name)
    if spec is None:
        raise UsageError(
            f"There is no local cluster named {name!r} (looked in {state_home() / 'clusters'}).",
            hint=f"Start it with `mskctl local up --name {name}`.",
        )
    return spec, ClusterPaths.for_name(name)


def _free_slot(name: str) -> int:
    used = set()
    clusters = state_home() / "clusters"
    if clusters.exists():
        for other in clusters.iterdir():
            if other.name != name and (other / "cluster.json").exists():
                try:
                    used.add(load_spec(other / "cluster.json").slot)
                except LocalClusterError:
                    continue
    for slot in range(1, MAX_SLOT + 1):
        # A cluster of another state directory may hold the slot's addresses: skip it too. Its
        # AWS API may be down while its brokers run, so look at the brokers' ports too.
        if slot not in used and slot_is_free(slot):
            return slot
    raise LocalClusterError(f"All {MAX_SLOT} local cluster slots are in use.",
                            hint="Remove one with `mskctl local down --wipe --name NAME`.")


def slot_is_free(slot: int) -> bool:
    # The JMX exporter's port is bound first, as the JVM starts; the replication port once Kafka runs.
    addresses = [(f"127.0.0.{slot * 10}", EMULATOR_PORT)] + [
        (f"127.0.0.{slot * 10 + b}", port) for b in range(1, 7)
        for port in (broker_config.JMX_EXPORTER_PORT, broker_config.REPLICATION_PORT)]
    return all(port_is_free(host, port) for host, port in addresses)


IAM_MIN_KAFKA = (4, 1)


def supports_iam_plugin(apache_version: str) -> bool:
    major, minor = (int(part) for part in apache_version.split(".")[:2])
    return (major, minor) >= IAM_MIN_KAFKA


def _configuration(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        text = path.read_text()
    except OSError as exc:
        raise UsageError(f"Cannot read the configuration file {path}: {exc.strerror}.",
                         hint="Pass a server.properties file, as aws_msk_configuration holds it.",
                         ) from exc
    props = broker_config.parse_properties(text, str(path))
    if rejected := broker_config.rejected_overrides(props):
        raise UsageError(
            f"{path}: MSK does not let a configuration set {', '.join(rejected)}.",
            hint="Remove those keys: listeners, TLS, SASL and the authorizer are managed by MSK.",
        )
    return props


# A broker killed a moment ago has left the process table's command line (its memory is being
# released) but not yet closed its sockets: its ports look taken by an unknown process.
PORT_RELEASE_WAIT = 15.0


def ports_taken(endpoints: list[tuple[str, int]]) -> list[PortHolder]:
    """Ports another process holds; ports held by no process we can name get a few seconds to free."""
    deadline = time.monotonic() + PORT_RELEASE_WAIT
    taken = taken_ports(endpoints)
    while taken and all(t.pid is None or t.process is None for t in taken) and time.monotonic() < deadline:
        time.sleep(0.2)
        taken = taken_ports(endpoints)
    return taken


def plan_spec(request: UpRequest) -> tuple[ClusterSpec, bool]:
    """The cluster's definition: the saved one (flags must agree with it) or a new one."""
    current = existing_spec(request.name)
    if current is not None:
        conflicts = []
        if request.brokers is not None and request.brokers != current.brokers:
            conflicts.append(f"--brokers {request.brokers} (it has {current.brokers})")
        if request.kafka_version is not None:
            wanted = resolve_kafka_version(request.kafka_version)
            if wanted != (current.msk_kafka_version, current.kafka_version):
                conflicts.append(f"--kafka-version {request.kafka_version} "
                                 f"(it runs {current.msk_kafka_version})")
        if request.client_auth is not None and (
            ClientAuth.parse(request.client_auth) != current.client_auth
        ):
            conflicts.append(f"--client-auth {request.client_auth} "
                             f"(it has {','.join(current.client_auth.enabled())})")
        if request.client_broker is not None and request.client_broker != current.client_broker:
            conflicts.append(f"--client-broker {request.client_broker} "
                             f"(it has {current.client_broker.value})")
        if request.configuration is not None:
            wanted_props = _configuration(request.configuration)
            if wanted_props != current.server_properties:
                conflicts.append(f"--configuration {request.configuration} (differs from its own)")
        if conflicts:
            raise UsageError(
                f"Local cluster {request.name!r} already exists with other settings: "
                + "; ".join(conflicts) + ".",
                hint=f"Run `mskctl local down --wipe --name {request.name}` to recreate it, "
                "or drop those flags.",
            )
        return current, False

    msk_version, apache_version = resolve_kafka_version(request.kafka_version)
    client_auth = ClientAuth.parse(request.client_auth) if request.client_auth else ClientAuth()
    if client_auth.iam and not supports_iam_plugin(apache_version):
        if request.client_auth:
            raise UsageError(
                f"IAM access control on the local MSK needs Kafka {'.'.join(map(str, IAM_MIN_KAFKA))} "
                f"or newer (the broker plugin builds against that authorizer API); "
                f"{msk_version} is older.",
                hint="Use --kafka-version 4.1.x, or --client-auth scram,tls for this version.",
            )
        client_auth = client_auth.model_copy(update={"iam": False})
    try:
        client_broker = ClientBroker(request.client_broker or "TLS")
    except ValueError:
        raise UsageError(f"--client-broker {request.client_broker!r} is not one of MSK's values.",
                         hint="Use TLS (default), TLS_PLAINTEXT or PLAINTEXT.") from None
    if client_broker is ClientBroker.PLAINTEXT and (
        client_auth.iam or client_auth.scram or client_auth.tls
    ):
        raise UsageError("IAM, SCRAM and TLS client authentication need TLS encryption; "
                         "--client-broker PLAINTEXT allows only unauthenticated access.",
                         hint="Use --client-broker TLS_PLAINTEXT, or --client-auth unauthenticated.")
    brokers_count = request.brokers or 3
    if not 1 <= brokers_count <= 6:
        raise UsageError(f"--brokers {brokers_count} is out of range.", hint="Use 1 to 6 brokers.")
    spec = new_spec(
        name=request.name, slot=_free_slot(request.name), brokers=brokers_count,
        msk_kafka_version=msk_version, kafka_version=apache_version,
        client_auth=client_auth, client_broker=client_broker,
        server_properties=_configuration(request.configuration),
        region=request.region or "us-east-1",
    )
    return spec, True


def ensure_iam_token(paths: ClusterPaths) -> None:
    """The secret the brokers' IAM plugin shows the local AWS API (created once, mode 0600)."""
    if paths.iam_token.exists():
        return
    paths.iam_token.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(paths.iam_token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32))


# ---- emulator -------------------------------------------------------------------------
def emulator_pid(paths: ClusterPaths) -> int | None:
    return processes.running_pid(paths.emulator_pid, str(paths.root))


def emulator_healthy(spec: ClusterSpec) -> bool:
    try:
        with urllib.request.urlopen(f"{spec.endpoint_url}/mskctl/health", timeout=1) as resp:
            return json.loads(resp.read()).get("clusterArn") == spec.arn
    except (OSError, ValueError):
        return False


def start_emulator(spec: ClusterSpec, paths: ClusterPaths, timeout: float = 30.0) -> None:
    if emulator_pid(paths) is not None:
        return
    pid = processes.start_detached(
        [sys.executable, "-m", EMULATOR_MARKER, str(paths.root)],
        pid_file=paths.emulator_pid, log_file=paths.emulator_log,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if emulator_healthy(spec):
            return
        if not processes.is_alive(pid):
            break
        time.sleep(0.1)
    tail = "\n".join(paths.emulator_log.read_text().splitlines()[-5:]) if paths.emulator_log.exists() else ""
    raise LocalClusterError(f"The local AWS API did not start at {spec.endpoint_url}.\n{tail}",
                            hint=f"See {paths.emulator_log}.")


# ---- up / down ------------------------------------------------------------------------
def endpoints_to_bind(
    spec: ClusterSpec, paths: ClusterPaths, broker_ids: list[int], emulator: bool
) -> list[tuple[str, int]]:
    wanted: list[tuple[str, int]] = []
    for b in broker_ids:
        host = spec.broker_host(b)
        ports = [lst.port for lst in spec.client_listeners()]
        ports += [broker_config.REPLICATION_PORT, broker_config.JMX_EXPORTER_PORT]
        if node_exporter.binary() is not None and node_exporter.pid(spec, paths, b) is None:
            ports.append(broker_config.NODE_EXPORTER_PORT)
        if b in broker_config.controller_ids(spec):
            ports.append(broker_config.CONTROLLER_PORT)
        wanted += [(host, p) for p in ports]
    if emulator:
        wanted.append((spec.emulator_host, EMULATOR_PORT))
    return wanted


def up(request: UpRequest, progress: Progress = lambda _: None) -> ClusterSpec:
    validate_name(request.name)
    spec, created = plan_spec(request)
    paths = ClusterPaths.for_name(spec.name)
    java = install.find_java()
    if not install.kafka_installed(spec.kafka_version):
        progress(f"Downloading Apache Kafka {spec.kafka_version} from Maven Central (once)")
    dist = install.ensure_kafka(spec.kafka_version)
    if spec.client_auth.iam:
        if not install.broker_plugins_jar(spec.kafka_version).exists():
            progress("Building broker-plugins (MSK IAM on 9098) with Maven (once)")
        install.ensure_broker_plugins(spec.kafka_version)

    stopped = [b for b in spec.broker_ids() if brokers.broker_pid(paths, b) is None]
    emulator_down = emulator_pid(paths) is None
    if taken := ports_taken(endpoints_to_bind(spec, paths, stopped, emulator_down)):
        raise LocalClusterError(
            "Cannot start the local MSK: " + "; ".join(t.describe() for t in taken) + ".",
            hint="Stop that process, or give this cluster another --name (it gets other addresses).",
        )
    if created:
        save_spec(spec, paths.spec)
    progress("Preparing certificates and broker configuration")
    ensure_iam_token(paths)
    ids = brokers.issue_identities(spec, paths)
    brokers.write_configs(spec, paths, ids)
    if any(not brokers.is_formatted(paths, b) for b in spec.broker_ids()):
        progress("Formatting KRaft storage")
        brokers.format_storage(spec, paths, java, dist)

    state = lifecycle.LifecycleState.load(paths.lifecycle)
    if stopped:
        start_brokers(spec, paths, stopped, state, java, dist, progress)
    for b in spec.broker_ids():
        node_exporter.start(spec, paths, b)
    if emulator_down:
        progress(f"Starting the local AWS API on {spec.endpoint_url}")
        start_emulator(spec, paths)
    progress("Waiting for every listener and the cluster metadata")
    wait_ready(spec, paths, timeout=request.timeout)
    if state.held:
        progress("Unclean leader election stays held off until every ISR is full "
                 "(the local AWS API releases it; `mskctl local status` shows it)")
    return spec


def start_brokers(
    spec: ClusterSpec, paths: ClusterPaths, stopped: list[int], state: lifecycle.LifecycleState,
    java: Path, dist: Path, progress: Progress,
) -> None:
    """Start in the reverse of the last stop; held controllers first when some controller is not held.

    A controller that was not running at `down` has no hold: if it won the first controller
    election it could elect an out-of-sync leader. Starting the held ones first lets them form the
    quorum and elect one of themselves before it runs.
    """
    order = [b for b in lifecycle.start_order(spec.broker_ids(), state.stop_order) if b in stopped]
    controllers = broker_config.controller_ids(spec)
    unheld = [b for b in order if b in controllers and b not in state.held]
    first = [b for b in order if b in state.held] if state.held and unheld else order
    progress(f"Starting broker{'s' if len(first) > 1 else ''} {', '.join(map(str, first))}")
    for b in first:
        brokers.start_broker(spec, paths, b, java, dist)
    rest = [b for b in order if b not in first]
    if rest:
        wait_registered(spec, paths, set(first))
        progress(f"Starting broker{'s' if len(rest) > 1 else ''} {', '.join(map(str, rest))}")
        for b in rest:
            brokers.start_broker(spec, paths, b, java, dist)


def wait_registered(spec: ClusterSpec, paths: ClusterPaths, wanted: set[int], timeout: float = 120.0) -> None:
    client = operator.admin(spec, paths)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not operator.broker_ids_in_metadata(client, timeout=2) & wanted:
        time.sleep(0.2)


def wait_ready(spec: ClusterSpec, paths: ClusterPaths, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for b in spec.broker_ids():
        health.wait_for_broker(spec, paths, b, timeout=max(1.0, deadline - time.monotonic()))


def down(
    name: str, *, wipe: bool = False, force: bool = False, sync_timeout: float = SYNC_WAIT,
    progress: Progress = lambda _: None,
) -> list[int]:
    """Stop the brokers without losing an acknowledged record (see `lifecycle`), then the AWS API."""
    spec, paths = require_spec(name)
    dist = kafka_dist_dir(spec.kafka_version)
    stopped: list[int] = []
    api_was_up = emulator_pid(paths) is not None
    # The AWS API first: a RebootBroker in progress must not stop or start a broker behind our back.
    progress("Stopping the local AWS API")
    processes.stop(paths.emulator_pid, str(paths.root), timeout=20)
    if running_brokers(spec, paths) and not (wipe or force):
        progress("Waiting until every replica on a running broker is in sync")
        lagging = lifecycle.wait_in_sync(operator.admin(spec, paths), lambda: set(running_brokers(spec, paths)),
                                         timeout=sync_timeout, progress=progress)
        if lagging:
            if api_was_up:
                start_emulator(spec, paths)
            raise LocalClusterError(
                f"Replicas are still out of sync after {sync_timeout:.0f} s "
                f"({lifecycle.describe_lag(lagging)}); nothing was stopped.",
                hint="Wait and run `mskctl local down` again, or pass --force to stop now "
                "(no acknowledged record is lost: unclean leader election stays held off "
                "until every ISR is full again after `up`).",
            )
    if wipe:
        stopped = brokers.stop_brokers(spec, paths, dist if dist.exists() else None)
    elif alive := running_brokers(spec, paths):
        stopped = stop_safely(spec, paths, alive, progress)
        if dist.exists():
            brokers.finish_cds_archive(dist)
    for b in spec.broker_ids():
        node_exporter.stop(spec, paths, b)
    if wipe:
        progress(f"Deleting {paths.root}")
        shutil.rmtree(paths.root, ignore_errors=True)
    return stopped


def running_brokers(spec: ClusterSpec, paths: ClusterPaths) -> list[int]:
    return [b for b in spec.broker_ids() if brokers.broker_pid(paths, b) is not None]


def stop_safely(spec: ClusterSpec, paths: ClusterPaths, alive: list[int], progress: Progress) -> list[int]:
    """Hold unclean election off on the running controllers, then stop group by group."""
    state = lifecycle.LifecycleState.load(paths.lifecycle)
    controllers = broker_config.controller_ids(spec)
    client = operator.admin(spec, paths)
    if failed := lifecycle.hold_unclean(client, [b for b in controllers if b in alive], state):
        # Without a controller quorum nothing can be committed: say so, and stop anyway.
        progress(f"warning: could not hold off unclean leader election on {state.hold_error}; "
                 f"an out-of-sync replica may be elected leader after `up` if broker "
                 f"{', '.join(map(str, failed))} wins the first controller election")
    state.save(paths.lifecycle)
    active = health.active_controller(spec, [b for b in controllers if b in alive])
    pids = {b: pid for b in alive if (pid := brokers.broker_pid(paths, b)) is not None}
    groups = lifecycle.stop_plan(list(pids), controllers, active)
    order: list[int] = []
    for i, group in enumerate(groups):
        progress(f"Stopping broker{'s' if len(group) > 1 else ''} {', '.join(map(str, group))}")
        logs = {b: LogTail(paths.broker_log(b)) for b in group}
        for b in group:
            processes.terminate(pids[b])
        order += group
        if i < len(groups) - 1:
            # The next group starts once this one's controlled shutdown is done, not once its JVMs
            # have exited (their teardown takes seconds more and overlaps the next group's).
            processes.wait_until(
                lambda g=group, t=logs: all(t[b].saw(CONTROLLED_SHUTDOWN_DONE) or not processes.is_alive(pids[b])
                                            for b in g),
                timeout=GROUP_SHUTDOWN_WAIT, interval=0.1)
    processes.stop_all(list(pids.values()))
    for b in pids:
        paths.broker_pid(b).unlink(missing_ok=True)
    state.stop_order = order
    state.save(paths.lifecycle)
    return sorted(order)


# ---- env ------------------------------------------------------------------------------
def environment(spec: ClusterSpec, paths: ClusterPaths) -> dict[str, str]:
    """What ``mskctl local env`` exports: boto3, the AWS CLI and Kafka clients reach this cluster."""
    creds_file = paths.admin_credentials
    if not creds_file.exists():
        raise LocalClusterError(
            f"Local cluster {spec.name!r} has no administrator credentials yet.",
            hint=f"Start it first: `mskctl local up --name {spec.name}`.",
        )
    creds = json.loads(creds_file.read_text())
    env = {
        "AWS_ENDPOINT_URL": spec.endpoint_url,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "MSK_CLUSTER_ARN": spec.arn,
        "MSK_CLUSTER_NAME": spec.name,
        "MSK_CA_BUNDLE": str(paths.ca_bundle),
    }
    for mode, var in (("iam", "MSK_BOOTSTRAP_SERVERS_IAM"), ("scram", "MSK_BOOTSTRAP_SERVERS_SCRAM"),
                      ("tls", "MSK_BOOTSTRAP_SERVERS_TLS"), ("plaintext", "MSK_BOOTSTRAP_SERVERS")):
        if servers := spec.bootstrap(mode):
            env[var] = servers
    if spec.client_auth.tls:
        env["MSK_TLS_CLIENT_CERT"] = str(paths.tls / "client.crt")
        env["MSK_TLS_CLIENT_KEY"] = str(paths.tls / "client.key")
    return env


def log_file(spec: ClusterSpec, paths: ClusterPaths, broker: int | None) -> Path:
    if broker is None:
        return paths.emulator_log
    if broker not in spec.broker_ids():
        raise UsageError(f"Broker {broker} is not in cluster {spec.name!r}.",
                         hint=f"Its brokers are {', '.join(map(str, spec.broker_ids()))}.")
    return paths.broker_log(broker)
