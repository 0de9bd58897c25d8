"""Prometheus node exporter on port 11002 of each broker address, as MSK's open monitoring has.

Optional: it runs when Debian's ``prometheus-node-exporter`` (or ``node_exporter``) is
installed (``make`` installs it where it can); the cluster reports whether it is on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mskctl.local import broker_config, processes
from mskctl.local.paths import ClusterPaths
from mskctl.local.spec import ClusterSpec

CANDIDATES = ("prometheus-node-exporter", "node_exporter")


def binary() -> Path | None:
    for name in CANDIDATES:
        if found := shutil.which(name):
            return Path(found)
    return None


def _pid_file(paths: ClusterPaths, broker_id: int) -> Path:
    return paths.broker_dir(broker_id) / "node-exporter.pid"


def _address(spec: ClusterSpec, broker_id: int) -> str:
    return f"{spec.broker_host(broker_id)}:{broker_config.NODE_EXPORTER_PORT}"


def pid(spec: ClusterSpec, paths: ClusterPaths, broker_id: int) -> int | None:
    return processes.running_pid(_pid_file(paths, broker_id), _address(spec, broker_id))


def start(spec: ClusterSpec, paths: ClusterPaths, broker_id: int) -> int | None:
    exe = binary()
    if exe is None:
        return None
    if (running := pid(spec, paths, broker_id)) is not None:
        return running
    return processes.start_detached(
        [str(exe), f"--web.listen-address={_address(spec, broker_id)}"],
        pid_file=_pid_file(paths, broker_id),
        log_file=paths.broker_log(broker_id).parent / "node-exporter.log",
    )


def stop(spec: ClusterSpec, paths: ClusterPaths, broker_id: int) -> bool:
    return processes.stop(_pid_file(paths, broker_id), _address(spec, broker_id), timeout=5)
