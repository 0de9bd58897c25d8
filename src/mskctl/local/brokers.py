"""The broker JVMs of one local cluster: configuration files, storage format, start and stop."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mskctl.errors import LocalClusterError
from mskctl.local import broker_config, processes
from mskctl.local.paths import ClusterPaths
from mskctl.local.spec import ClusterSpec
from mskctl.local.tls import Identity, LocalCA

HEAP = "512m"
# Measured on 2 cores: C1 only + serial GC + a class-data archive halve start-up time.
FAST_START_FLAGS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
OPERATOR_CN = "mskctl-operator"
CLIENT_CN = "mskctl-local-client"

LOG4J2 = """\
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = info
"""

# The JMX exporter's defaults name metrics the way MSK open monitoring does
# (kafka_server_BrokerTopicMetrics_..., kafka_controller_KafkaController_Value{name=...}).
JMX_EXPORTER_CONFIG = "lowercaseOutputName: false\n"


@dataclass(frozen=True)
class Identities:
    brokers: dict[int, Identity]
    operator: Identity
    client: Identity


def issue_identities(spec: ClusterSpec, paths: ClusterPaths) -> Identities:
    ca = LocalCA(paths.tls, spec.name)
    brokers = {
        b: ca.issue(
            f"broker-{b}",
            f"b-{b}.{spec.name}.local-msk",
            ip_addresses=[spec.broker_host(b)],
            dns_names=[f"b-{b}.{spec.name}.local-msk"],
            server=True,
        )
        for b in spec.broker_ids()
    }
    operator = ca.issue("operator", OPERATOR_CN)
    client = ca.issue("client", CLIENT_CN)
    return Identities(brokers, operator, client)


def write_configs(spec: ClusterSpec, paths: ClusterPaths, ids: Identities) -> None:
    (paths.root / "log4j2.properties").write_text(LOG4J2)
    (paths.root / "jmx-exporter.yaml").write_text(JMX_EXPORTER_CONFIG)
    super_users = [ident.subject for ident in ids.brokers.values()] + [ids.operator.subject]
    for b in spec.broker_ids():
        props = broker_config.render(
            spec,
            b,
            keystore=ids.brokers[b].pem,
            truststore=paths.ca_bundle,
            data_dir=paths.broker_data(b),
            super_users=super_users,
            iam_token_file=paths.iam_token if spec.client_auth.iam else None,
        )
        target = paths.broker_properties(b)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(broker_config.to_properties_text(props))


def is_formatted(paths: ClusterPaths, broker_id: int) -> bool:
    return (paths.broker_data(broker_id) / "meta.properties").exists()


def format_storage(spec: ClusterSpec, paths: ClusterPaths, java: Path, dist: Path) -> None:
    """Format every unformatted broker's log directory with the cluster's KRaft id, in parallel."""
    todo = [b for b in spec.broker_ids() if not is_formatted(paths, b)]

    def run(broker_id: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(java), *FAST_START_FLAGS, "-cp", str(dist / "libs" / "*"),
             "kafka.tools.StorageTool", "format", "--ignore-formatted",
             f"--cluster-id={spec.kraft_cluster_id}", "-c", str(paths.broker_properties(broker_id))],
            capture_output=True, text=True, check=False,
        )

    with ThreadPoolExecutor(max_workers=max(1, len(todo))) as pool:
        for broker_id, result in zip(todo, pool.map(run, todo), strict=True):
            if result.returncode != 0:
                raise LocalClusterError(
                    f"Formatting the storage of broker {broker_id} failed: "
                    f"{(result.stdout + result.stderr).strip()[-600:]}",
                    hint="If the data directory is from another cluster, "
                    "run `mskctl local down --wipe` first.",
                )


def cds_archive(dist: Path) -> Path:
    return dist / "kafka-cds.jsa"


def java_command(
    spec: ClusterSpec, paths: ClusterPaths, broker_id: int, java: Path, dist: Path,
    extra_classpath: list[Path] | None = None,
) -> list[str]:
    archive = cds_archive(dist)
    # The JMX exporter is a Java agent; archiving classes next to one is a diagnostic option.
    agent_cds = ["-XX:+UnlockDiagnosticVMOptions", "-XX:+AllowArchivingWithJavaAgent"]
    if archive.exists():
        cds = [*agent_cds, f"-XX:SharedArchiveFile={archive}", "-Xshare:auto"]
    elif broker_id == 1:
        # Written at this broker's clean exit; later starts map it (see finish_cds_archive).
        cds = [*agent_cds, f"-XX:ArchiveClassesAtExit={archive}.building"]
    else:
        cds = []
    host = spec.broker_host(broker_id)
    agent = dist / "agent" / "jmx_prometheus_javaagent.jar"
    classpath = [str(dist / "libs" / "*"), *(str(p) for p in extra_classpath or [])]
    extra = os.environ.get("MSKCTL_BROKER_JVM_OPTS", "").split()
    return [
        str(java),
        f"-Xms{HEAP}", f"-Xmx{HEAP}",
        *FAST_START_FLAGS,
        *cds,
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={paths.root / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={paths.broker_log(broker_id).parent}",
        f"-javaagent:{agent}={host}:{broker_config.JMX_EXPORTER_PORT}:{paths.root / 'jmx-exporter.yaml'}",
        *extra,
        "-cp", os.pathsep.join(classpath),
        "kafka.Kafka",
        str(paths.broker_properties(broker_id)),
    ]


def plugin_classpath(spec: ClusterSpec) -> list[Path]:
    """broker-plugins for clusters with IAM access control (built by `up`, see install)."""
    from mskctl.local import install

    return [install.broker_plugins_jar(spec.kafka_version)] if spec.client_auth.iam else []


def finish_cds_archive(dist: Path) -> None:
    building = Path(f"{cds_archive(dist)}.building")
    if building.exists() and building.stat().st_size > 0:
        os.replace(building, cds_archive(dist))


def marker(paths: ClusterPaths, broker_id: int) -> str:
    return str(paths.broker_properties(broker_id))


def broker_pid(paths: ClusterPaths, broker_id: int) -> int | None:
    return processes.running_pid(paths.broker_pid(broker_id), marker(paths, broker_id))


def start_broker(spec: ClusterSpec, paths: ClusterPaths, broker_id: int, java: Path, dist: Path) -> int:
    if (pid := broker_pid(paths, broker_id)) is not None:
        return pid
    log_dir = paths.broker_log(broker_id).parent
    log_dir.mkdir(parents=True, exist_ok=True)
    return processes.start_detached(
        java_command(spec, paths, broker_id, java, dist, plugin_classpath(spec)),
        pid_file=paths.broker_pid(broker_id),
        log_file=log_dir / "stdout.log",
    )


def stop_broker(paths: ClusterPaths, broker_id: int, *, timeout: float = 40.0) -> bool:
    return processes.stop(paths.broker_pid(broker_id), marker(paths, broker_id), timeout=timeout)


def stop_brokers(spec: ClusterSpec, paths: ClusterPaths, dist: Path | None) -> list[int]:
    """Stop all brokers at once (a controlled shutdown each), controllers last."""
    controllers = set(broker_config.controller_ids(spec))
    order = [b for b in spec.broker_ids() if b not in controllers]
    stopped: list[int] = []
    with ThreadPoolExecutor(max_workers=max(1, len(order))) as pool:
        stopped += [b for b, ok in zip(order, pool.map(lambda b: stop_broker(paths, b), order),
                                       strict=True) if ok]
    rest = [b for b in spec.broker_ids() if b in controllers]
    with ThreadPoolExecutor(max_workers=len(rest)) as pool:
        stopped += [b for b, ok in zip(rest, pool.map(lambda b: stop_broker(paths, b), rest),
                                       strict=True) if ok]
    if dist is not None:
        finish_cds_archive(dist)
    return sorted(stopped)
