"""Kafka's own Java tools with AWS's aws-msk-iam-auth, for the IAM integration tests and bench.

`iam_java_tools/pom.xml` names them (kafka-tools 4.1.1, aws-msk-iam-auth's shaded `all` jar, a
log4j binding so client errors are printed); Maven fetches them once from Maven Central with
checksums enforced (`-C`) into ~/.cache/mskctl/iam-java-tools/<pom digest>/libs. Nothing is
committed or shipped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mskctl.local.install import find_java
from mskctl.local.paths import cache_home

HERE = Path(__file__).parent / "iam_java_tools"
POM = HERE / "pom.xml"
JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
             f"-Dlog4j2.configurationFile={HERE / 'log4j2.properties'}"]
PRODUCER = "org.apache.kafka.tools.ConsoleProducer"
CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
TOPICS = "org.apache.kafka.tools.TopicCommand"
IAM_LOGIN = "software.amazon.msk.auth.iam.IAMLoginModule"
OAUTH_HANDLER = "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler"


def ensure_tools() -> Path:
    """The directory of jars, fetched once per version of the pom."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:16]
    home = cache_home() / "iam-java-tools" / digest
    libs = home / "libs"
    if (home / ".complete").exists():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to fetch kafka-tools and aws-msk-iam-auth from Maven Central")
    build = home.parent / f".build-{digest}-{os.getpid()}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    shutil.copy(POM, build / "pom.xml")
    result = subprocess.run([mvn, "-B", "-q", "-C", "package", f"-Dmaven.repo.local={cache_home() / 'maven'}",
                             f"-Ddist.dir={build / 'libs'}"], cwd=build, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"mvn failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.replace(build / "libs", libs)
    (home / ".complete").write_text(digest + "\n")
    shutil.rmtree(build, ignore_errors=True)
    return libs


def oauthbearer_variant(properties: str) -> str:
    """The same client properties with aws-msk-iam-auth's OAUTHBEARER settings (its README's)."""
    kept = [line for line in properties.splitlines()
            if not line.startswith(("sasl.mechanism=", "sasl.jaas.config=", "sasl.client.callback.handler.class="))]
    return "\n".join([*kept, "sasl.mechanism=OAUTHBEARER",
                      "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
                      f"sasl.login.callback.handler.class={OAUTH_HANDLER}",
                      f"sasl.client.callback.handler.class={OAUTH_HANDLER}"]) + "\n"


@dataclass
class ToolRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams: log4j's default console appender writes client errors to stdout."""
        return self.stdout + self.stderr


def run_tool(libs: Path, main: str, args: list[str], env: dict[str, str], stdin: str = "",
             timeout: float = 90) -> ToolRun:
    """One Kafka tool in its own JVM with the tools' classpath; AWS credentials come from ``env``."""
    command = [str(find_java()), *JVM_FLAGS, "-cp", f"{libs}/*", main, *args]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=timeout,
                            check=False)
    return ToolRun(result.returncode, result.stdout, result.stderr)


@dataclass
class Run:
    """One tool invocation of a batch: its name, main class, arguments and stdin."""

    name: str
    main: str
    args: list[str]
    stdin: str = ""


def run_batch(libs: Path, runs: list[Run], env: dict[str, str], work: Path, timeout: float = 240) -> dict[str, ToolRun]:
    """Several tools in one JVM (ToolBatch.java, source-launch), each with its own stdin, output and exit code."""
    lines = []
    for run in runs:
        stdin = "-"
        if run.stdin:
            (work / f"{run.name}.stdin").write_text(run.stdin)
            stdin = str(work / f"{run.name}.stdin")
        assert all("\t" not in a and "\n" not in a for a in run.args), run.args
        lines.append("\t".join([run.name, stdin, run.main, *run.args]))
    batch = work / "batch.tsv"
    batch.write_text("\n".join(lines) + "\n")
    command = [str(find_java()), *JVM_FLAGS, "-cp", f"{libs}/*", str(HERE / "ToolBatch.java"), str(batch), str(work)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(f"ToolBatch failed ({result.returncode}):\n{result.stdout[-2000:]}\n"
                             f"{result.stderr[-3000:]}")
    return {run.name: ToolRun(int((work / f"{run.name}.rc").read_text()), (work / f"{run.name}.out").read_text(),
                              (work / f"{run.name}.err").read_text()) for run in runs}


def bootstrap_of(properties: str) -> str:
    return next(line.split("=", 1)[1] for line in properties.splitlines() if line.startswith("bootstrap.servers="))
