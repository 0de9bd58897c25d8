"""The broker plugin's IAM model, run from Python: one javac and one JVM for a whole batch.

The plugin's pure classes (MskIamActions, IamPolicyEvaluator, IamConditions, PolicyDecision) and its batch entry point
IamDecisions are compiled from broker-plugins/src/main with nothing but Jackson on the classpath, so a
Kafka class creeping into the evaluation path fails the compile, and an edit to the model applies at once.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mskctl.local.paths import cache_home

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "broker-plugins"
SOURCES = PLUGIN / "src" / "main" / "java" / "dev" / "mskctl" / "broker" / "iam"
PURE_CLASSES = ("MskIamActions", "IamPolicyEvaluator", "IamConditions", "PolicyDecision", "IamDecisions")
JACKSON = ("jackson-databind", "jackson-core", "jackson-annotations")


class ModelUnavailable(RuntimeError):
    """The JDK or the Jackson jars are missing: say how to get them."""


@dataclass(frozen=True)
class Authorization:
    """One authorize() call a broker makes: a Kafka AclOperation on a ResourceType and name."""

    operation: str
    resource_type: str
    name: str


@dataclass(frozen=True)
class Check:
    action: str
    resource: str
    allowed: bool
    reason: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    checks: tuple[Check, ...]
    reason: str = ""

    def missing(self) -> list[Check]:
        return [check for check in self.checks if not check.allowed]


@dataclass
class Case:
    """Policies of one identity on one cluster, and the authorizations to decide."""

    id: str
    cluster_arn: str
    principal_arn: str
    identity_policies: list[dict[str, Any]]
    cluster_policy: dict[str, Any] | None
    authorizations: list[Authorization] = field(default_factory=list)


def _jackson_jars() -> list[Path]:
    version = re.search(r"<jackson\.version>([^<]+)</jackson\.version>", (PLUGIN / "pom.xml").read_text())
    if version is None:
        raise ModelUnavailable("broker-plugins/pom.xml names no jackson.version")
    v = version.group(1)
    # The Maven cache `make plugin-test` fills, else the Kafka distribution `mskctl local up` installs.
    for maven in (cache_home() / "maven", Path.home() / ".cache" / "mskctl" / "maven"):
        jars = [maven / "com/fasterxml/jackson/core" / a / v / f"{a}-{v}.jar" for a in JACKSON]
        if all(jar.exists() for jar in jars):
            return jars
    for libs in sorted((cache_home() / "kafka").glob("*/libs")):
        jars = [libs / f"{a}-{v}.jar" for a in JACKSON]
        if all(jar.exists() for jar in jars):
            return jars
    raise ModelUnavailable(f"Jackson {v} jars not found in the Maven cache: run `make plugin-test` once.")


def compile_model(out: Path) -> str:
    """Compile the pure classes into ``out``; the classpath to run them with."""
    javac = shutil.which("javac")
    if javac is None:
        raise ModelUnavailable("javac is not on PATH (a JDK 17 is needed, as for broker-plugins).")
    classpath = ":".join(str(jar) for jar in _jackson_jars())
    sources = [str(SOURCES / f"{name}.java") for name in PURE_CLASSES]
    result = subprocess.run([javac, "-nowarn", "--release", "17", "-d", str(out), "-cp", classpath, *sources],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"broker-plugins' IAM model does not compile on its own:\n{result.stderr}")
    return f"{out}:{classpath}"


def decide(classpath: str, cases: list[Case]) -> dict[str, dict[Authorization, Decision]]:
    """Every case's authorizations decided by the plugin's classes, in one JVM."""
    payload = {"cases": [{
        "id": case.id,
        "clusterArn": case.cluster_arn,
        "principalArn": case.principal_arn,
        "identityPolicies": case.identity_policies,
        "clusterPolicy": case.cluster_policy,
        "authorizations": [{"operation": a.operation, "resourceType": a.resource_type, "name": a.name}
                           for a in case.authorizations],
    } for case in cases]}
    java = shutil.which("java")
    if java is None:
        raise ModelUnavailable("java is not on PATH.")
    result = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-cp", classpath, "dev.mskctl.broker.iam.IamDecisions"],
                            input=json.dumps(payload), capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"IamDecisions failed (exit {result.returncode}):\n{result.stderr}")
    decided: dict[str, dict[Authorization, Decision]] = {}
    for case in json.loads(result.stdout)["cases"]:
        decisions: dict[Authorization, Decision] = {}
        for item in case["decisions"]:
            checks = tuple(Check(c["action"], c["resource"], c["allowed"], c["reason"]) for c in item["checks"])
            key = Authorization(item["operation"], item["resourceType"], item["name"])
            decisions[key] = Decision(item["allowed"], checks, item.get("reason", ""))
        decided[case["id"]] = decisions
    return decided


def features(classpath: str) -> dict[str, list[str]]:
    """What the model evaluates (`IamDecisions --features`): condition operators and keys, principals, policies."""
    java = shutil.which("java")
    if java is None:
        raise ModelUnavailable("java is not on PATH.")
    result = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-cp", classpath, "dev.mskctl.broker.iam.IamDecisions",
                             "--features"], capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"IamDecisions --features failed (exit {result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout)
