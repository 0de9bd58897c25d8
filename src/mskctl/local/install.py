"""Installs the jars a local broker runs, from Maven Central, into the cache (once per version)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from mskctl.errors import PrerequisiteError
from mskctl.local.paths import cache_home, kafka_dist_dir

MIN_JAVA = 17
COMPLETE_MARKER = ".complete"


def find_java() -> Path:
    """The ``java`` that runs the brokers: ``$JAVA_HOME/bin/java``, else the one on PATH (≥ 17)."""
    candidates = []
    if java_home := os.environ.get("JAVA_HOME"):
        candidates.append(Path(java_home) / "bin" / "java")
    if on_path := shutil.which("java"):
        candidates.append(Path(on_path))
    for java in candidates:
        if java.exists():
            version = java_major_version(java)
            if version >= MIN_JAVA:
                return java
            raise PrerequisiteError(
                f"{java} is Java {version}; Apache Kafka brokers need Java {MIN_JAVA} or newer.",
                hint="Install a newer JDK (Debian: apt-get install openjdk-17-jre-headless) "
                "and point JAVA_HOME at it.",
            )
    raise PrerequisiteError(
        "No Java runtime found (looked at $JAVA_HOME and PATH).",
        hint=f"Install Java {MIN_JAVA}+ (Debian: apt-get install openjdk-17-jre-headless).",
    )


def java_major_version(java: Path) -> int:
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def kafka_installed(kafka_version: str) -> bool:
    return (kafka_dist_dir(kafka_version) / COMPLETE_MARKER).exists()


def ensure_kafka(kafka_version: str, *, quiet: bool = True) -> Path:
    """Return the directory with ``libs/`` and ``agent/`` for this Kafka release, downloading once."""
    dist = kafka_dist_dir(kafka_version)
    if (dist / COMPLETE_MARKER).exists():
        return dist
    mvn = shutil.which("mvn")
    if mvn is None:
        raise PrerequisiteError(
            f"Apache Kafka {kafka_version} is not installed yet and Maven (mvn) is not on PATH.",
            hint="Install Maven (Debian: apt-get install maven) and run the command again; "
            "it downloads Kafka from Maven Central once.",
        )
    build = cache_home() / "kafka" / f".build-{kafka_version}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    pom = resources.files("mskctl.local") / "maven" / "pom.xml"
    (build / "pom.xml").write_text(pom.read_text())
    staging = build / "dist"
    log = build / "maven.log"
    command = [
        mvn, "-B", "-C", "package",  # -C: fail on any checksum mismatch
        f"-Dmaven.repo.local={cache_home() / 'maven'}",
        f"-Dkafka.version={kafka_version}",
        f"-Ddist.dir={staging}",
    ]
    if quiet:
        command.insert(2, "-q")
    with log.open("w") as out:
        result = subprocess.run(command, cwd=build, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-8:])
        raise PrerequisiteError(
            f"Downloading Apache Kafka {kafka_version} from Maven Central failed "
            f"(mvn exit {result.returncode}). Last lines of {log}:\n{tail}",
            hint="Check that Maven Central is reachable (proxy settings in ~/.m2/settings.xml) "
            "and that the version exists; then run the command again.",
        )
    shutil.rmtree(dist, ignore_errors=True)
    dist.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, dist)
    (dist / COMPLETE_MARKER).write_text(kafka_version + "\n")
    shutil.rmtree(build, ignore_errors=True)
    return dist
