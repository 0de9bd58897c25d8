"""Installs the jars a local broker runs, from Maven Central, into the cache (once per version)."""

from __future__ import annotations

import hashlib
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


# ---- broker-plugins (MSK IAM on 9098) --------------------------------------------------
def plugin_sources() -> Path:
    """The broker-plugins Maven project: the repository's, or the copy shipped in the wheel."""
    in_repo = Path(__file__).resolve().parents[3] / "broker-plugins"
    if (in_repo / "pom.xml").exists():
        return in_repo
    shipped = Path(str(resources.files("mskctl.local") / "broker-plugins"))
    if (shipped / "pom.xml").exists():
        return shipped
    raise PrerequisiteError(
        "The broker-plugins sources (MSK IAM for the local brokers) are not where mskctl expects them.",
        hint="Reinstall mskctl, or run from a checkout of its repository.",
    )


def _sources_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([root / "pom.xml", *(root / "src" / "main").rglob("*.java")]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def broker_plugins_jar(kafka_version: str) -> Path:
    """Where the plugin jar built from the current sources for this Kafka release lives."""
    return cache_home() / "plugins" / f"{kafka_version}-{_sources_digest(plugin_sources())}" / (
        "mskctl-broker-plugins.jar"
    )


def ensure_broker_plugins(kafka_version: str) -> Path:
    """Build broker-plugins once per source version and Kafka release (Maven, tests skipped)."""
    jar = broker_plugins_jar(kafka_version)
    if jar.exists():
        return jar
    mvn = shutil.which("mvn")
    if mvn is None:
        raise PrerequisiteError(
            "Maven (mvn) is needed to build the local MSK's IAM plugin and is not on PATH.",
            hint="Install Maven (Debian: apt-get install maven), or leave iam out of --client-auth.",
        )
    build = cache_home() / "plugins" / f".build-{jar.parent.name}"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(plugin_sources(), build, ignore=shutil.ignore_patterns("target"))
    log = build / "maven.log"
    command = [mvn, "-B", "-q", "-C", "package", "-DskipTests",
               f"-Dmaven.repo.local={cache_home() / 'maven'}", f"-Dkafka.version={kafka_version}"]
    with log.open("w") as out:
        result = subprocess.run(command, cwd=build, stdout=out, stderr=subprocess.STDOUT, check=False)
    built = build / "target" / "mskctl-broker-plugins.jar"
    if result.returncode != 0 or not built.exists():
        tail = "\n".join(log.read_text().splitlines()[-8:])
        raise PrerequisiteError(
            f"Building broker-plugins for Kafka {kafka_version} failed (mvn exit {result.returncode}). "
            f"Last lines of {log}:\n{tail}",
            hint="Check that Maven Central is reachable; the sources are in broker-plugins/.",
        )
    jar.parent.mkdir(parents=True, exist_ok=True)
    os.replace(built, jar)
    shutil.rmtree(build, ignore_errors=True)
    return jar
