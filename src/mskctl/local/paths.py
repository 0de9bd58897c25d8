"""Where the local MSK keeps its state and its downloads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def state_home() -> Path:
    """Root of all local clusters' state: ``$MSKCTL_HOME`` or the XDG state directory."""
    if home := os.environ.get("MSKCTL_HOME"):
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "mskctl"


def cache_home() -> Path:
    """Downloads shared by every cluster (Kafka jars, the Maven repository)."""
    if cache := os.environ.get("MSKCTL_CACHE"):
        return Path(cache).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "mskctl"


@dataclass(frozen=True)
class ClusterPaths:
    """The files of one named local cluster."""

    root: Path

    @classmethod
    def for_name(cls, name: str) -> ClusterPaths:
        return cls(state_home() / "clusters" / name)

    @property
    def spec(self) -> Path:
        return self.root / "cluster.json"

    @property
    def lifecycle(self) -> Path:
        """How the brokers were last stopped and whether unclean election is held off."""
        return self.root / "lifecycle.json"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def ca_bundle(self) -> Path:
        return self.tls / "ca.pem"

    def broker_dir(self, broker_id: int) -> Path:
        return self.root / "brokers" / str(broker_id)

    def broker_properties(self, broker_id: int) -> Path:
        return self.broker_dir(broker_id) / "server.properties"

    def broker_data(self, broker_id: int) -> Path:
        return self.broker_dir(broker_id) / "data"

    def broker_log(self, broker_id: int) -> Path:
        return self.broker_dir(broker_id) / "logs" / "server.log"

    def broker_pid(self, broker_id: int) -> Path:
        return self.broker_dir(broker_id) / "broker.pid"

    @property
    def emulator_dir(self) -> Path:
        return self.root / "emulator"

    @property
    def emulator_pid(self) -> Path:
        return self.emulator_dir / "emulator.pid"

    @property
    def emulator_log(self) -> Path:
        return self.emulator_dir / "emulator.log"

    @property
    def aws_state(self) -> Path:
        return self.emulator_dir / "aws-state.pickle"

    @property
    def admin_credentials(self) -> Path:
        return self.emulator_dir / "admin-credentials.json"

    @property
    def iam_token(self) -> Path:
        """Bearer token the brokers' IAM plugin presents to the local AWS API."""
        return self.emulator_dir / "iam-plugin.token"

    @property
    def scram_associations(self) -> Path:
        return self.emulator_dir / "scram-associations.json"


def kafka_dist_dir(kafka_version: str) -> Path:
    return cache_home() / "kafka" / kafka_version
