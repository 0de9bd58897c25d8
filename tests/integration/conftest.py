"""One local MSK for the whole integration session, in its own state directory."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from mskctl.local import cluster
from mskctl.local.paths import ClusterPaths
from mskctl.local.spec import ClusterSpec

CLUSTER_NAME = "itest"


@dataclass
class LocalMsk:
    spec: ClusterSpec
    paths: ClusterPaths
    env: dict[str, str]

    def boto(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.env["AWS_ENDPOINT_URL"],
            region_name=self.env["AWS_REGION"],
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )

    @property
    def ca(self) -> str:
        return str(self.paths.ca_bundle)

    def tls_config(self, **extra: object) -> dict[str, object]:
        return {
            "bootstrap.servers": self.env["MSK_BOOTSTRAP_SERVERS_TLS"],
            "security.protocol": "SSL",
            "ssl.ca.location": self.ca,
            "ssl.certificate.location": self.env["MSK_TLS_CLIENT_CERT"],
            "ssl.key.location": self.env["MSK_TLS_CLIENT_KEY"],
            **extra,
        }

    def scram_config(self, user: str, password: str, **extra: object) -> dict[str, object]:
        return {
            "bootstrap.servers": self.env["MSK_BOOTSTRAP_SERVERS_SCRAM"],
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": user,
            "sasl.password": password,
            "ssl.ca.location": self.ca,
            **extra,
        }


@pytest.fixture(scope="session")
def state_home() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="mskctl-itest-"))
    previous = os.environ.get("MSKCTL_HOME")
    os.environ["MSKCTL_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("MSKCTL_HOME", None)
    else:
        os.environ["MSKCTL_HOME"] = previous
    if not os.environ.get("MSKCTL_TEST_KEEP_STATE"):
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def msk(state_home: Path) -> Iterator[LocalMsk]:
    spec = cluster.up(cluster.UpRequest(name=CLUSTER_NAME))
    paths = ClusterPaths.for_name(spec.name)
    try:
        yield LocalMsk(spec, paths, cluster.environment(spec, paths))
    finally:
        keep = bool(os.environ.get("MSKCTL_TEST_KEEP_STATE"))  # to read logs after a failure
        for name in list((state_home / "clusters").iterdir()):
            cluster.down(name.name, wipe=not keep)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]
