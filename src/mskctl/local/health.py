"""Is the local cluster serving? Listener handshakes, broker metadata, the active controller."""

from __future__ import annotations

import re
import time
import urllib.request
from dataclasses import dataclass

from mskctl.errors import LocalClusterError
from mskctl.local import broker_config, brokers, operator
from mskctl.local.network import accepts_tcp
from mskctl.local.paths import ClusterPaths
from mskctl.local.spec import ClusterSpec

ACTIVE_CONTROLLER = re.compile(
    r'^kafka_controller_KafkaController_Value\{name="ActiveControllerCount",?\}\s+([0-9.]+)', re.M
)


@dataclass(frozen=True)
class BrokerHealth:
    broker_id: int
    host: str
    pid: int | None
    listeners_ok: dict[int, bool]  # port -> TLS handshake (or TCP for plaintext) succeeded
    in_metadata: bool
    metrics_ok: bool
    active_controller: bool

    @property
    def up(self) -> bool:
        return self.pid is not None and all(self.listeners_ok.values()) and self.in_metadata


def listener_ok(spec: ClusterSpec, paths: ClusterPaths, host: str, port: int, protocol: str) -> bool:
    if protocol == "PLAINTEXT":
        return accepts_tcp(host, port)
    return operator.tls_handshake_ok(host, port, paths)


def scrape_metrics(host: str, timeout: float = 2.0) -> str | None:
    url = f"http://{host}:{broker_config.JMX_EXPORTER_PORT}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode()
    except OSError:
        return None


def broker_health(
    spec: ClusterSpec, paths: ClusterPaths, broker_id: int, in_metadata: set[int],
    *, with_metrics: bool = True,
) -> BrokerHealth:
    host = spec.broker_host(broker_id)
    pid = brokers.broker_pid(paths, broker_id)
    ports = {lst.port: lst.security_protocol for lst in spec.client_listeners()}
    ports[broker_config.REPLICATION_PORT] = "SSL"
    listeners = {
        port: pid is not None and listener_ok(spec, paths, host, port, proto)
        for port, proto in ports.items()
    }
    metrics = scrape_metrics(host) if (with_metrics and pid is not None) else None
    active = bool(metrics and (m := ACTIVE_CONTROLLER.search(metrics)) and float(m.group(1)) >= 1)
    return BrokerHealth(
        broker_id, host, pid, listeners, broker_id in in_metadata, metrics is not None, active
    )


def active_controller(spec: ClusterSpec, controllers: list[int]) -> int | None:
    """The controller whose metrics say it is active (scraped side by side: ~0.2 s each)."""
    from concurrent.futures import ThreadPoolExecutor

    def is_active(broker_id: int) -> bool:
        metrics = scrape_metrics(spec.broker_host(broker_id))
        return bool(metrics and (m := ACTIVE_CONTROLLER.search(metrics)) and float(m.group(1)) >= 1)

    with ThreadPoolExecutor(max_workers=max(1, len(controllers))) as pool:
        return next((b for b, active in zip(controllers, pool.map(is_active, controllers), strict=True)
                     if active), None)


def cluster_health(spec: ClusterSpec, paths: ClusterPaths, *, with_metrics: bool = True
                   ) -> list[BrokerHealth]:
    client = operator.admin(spec, paths)
    in_metadata = operator.broker_ids_in_metadata(client, timeout=3)
    return [broker_health(spec, paths, b, in_metadata, with_metrics=with_metrics)
            for b in spec.broker_ids()]


def wait_for_broker(spec: ClusterSpec, paths: ClusterPaths, broker_id: int, *, timeout: float
                    ) -> None:
    deadline = time.monotonic() + timeout
    client = operator.admin(spec, paths)
    while time.monotonic() < deadline:
        if brokers.broker_pid(paths, broker_id) is None:
            raise LocalClusterError(
                f"Broker {broker_id} exited while starting.",
                hint=f"See {paths.broker_log(broker_id)} (or `mskctl local logs --broker {broker_id}`).",
            )
        metadata = operator.broker_ids_in_metadata(client, timeout=2)
        if broker_id in metadata and broker_health(
            spec, paths, broker_id, metadata, with_metrics=False
        ).up:
            return
        time.sleep(0.3)
    raise LocalClusterError(
        f"Broker {broker_id} did not become ready within {timeout:.0f} s.",
        hint=f"See {paths.broker_log(broker_id)} (or `mskctl local logs --broker {broker_id}`).",
    )
