"""`mskctl audit` at scale: a live cluster with 1,000 topics and 5,000 ACLs, plus a 50-file Terraform tree.

Goal (issue 9): <= 10 s end to end (`mskctl audit --live --terraform DIR`, process start included).
Baselines measured in the same run:
  live      - what a script does without batching: one DescribeConfigs and one DescribeAcls (filtered)
              per topic, timed on a sample of 100 topics and scaled to all of them
  terraform - checkov on the same Terraform tree, when its venv from `make iac-check` is there
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

TOPICS = int(os.environ.get("BENCH_TOPICS", "1000"))
ACLS_PER_TOPIC = 5
SAMPLE = 100
ROOT = Path(__file__).resolve().parents[1]
CHECKOV = Path.home() / ".cache" / "mskctl" / "checkov-venv" / "bin" / "checkov"


def terraform_tree(target: Path) -> int:
    """The project's modules, environments and state backend: about 50 .tf files whose calls resolve."""
    files = [p for part in ("modules", "environments", "global")
             for p in sorted((ROOT / "terraform" / part).rglob("*.tf")) if ".terraform" not in p.parts]
    for source in files:
        destination = target / source.relative_to(ROOT / "terraform")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, destination)
    return len(files)


def fill(admin: Any) -> None:
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        NewTopic,
        ResourcePatternType,
        ResourceType,
    )

    topics = [NewTopic(f"bench.t{i:04d}", 3, 3, config={"min.insync.replicas": "2"}) for i in range(TOPICS)]
    for start in range(0, len(topics), 250):
        for future in admin.create_topics(topics[start:start + 250], request_timeout=120).values():
            future.result()
    bindings = []
    for i in range(TOPICS):
        principal = f"User:CN=bench-{i:04d}"
        for operation in ("READ", "DESCRIBE", "WRITE"):
            bindings.append(AclBinding(ResourceType.TOPIC, f"bench.t{i:04d}", ResourcePatternType.LITERAL,
                                       principal, "*", AclOperation[operation], AclPermissionType.ALLOW))
        for operation in ("READ", "DESCRIBE"):
            bindings.append(AclBinding(ResourceType.GROUP, f"g{i:04d}", ResourcePatternType.LITERAL, principal, "*",
                                       AclOperation[operation], AclPermissionType.ALLOW))
    for start in range(0, len(bindings), 1000):
        for future in admin.create_acls(bindings[start:start + 1000], request_timeout=120).values():
            future.result()


def settle(admin: Any, limit: float = 300) -> float:
    """Seconds until every bench partition has all its replicas in sync and the machine is idle again."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        topics = admin.list_topics(timeout=30).topics
        lagging = sum(1 for name, topic in topics.items() if name.startswith("bench.")
                      for partition in topic.partitions.values() if len(partition.isrs) < len(partition.replicas))
        if lagging == 0 and sum(1 for name in topics if name.startswith("bench.")) == TOPICS:
            # In sync is not idle: the brokers keep the 2 cores busy for a while after 9,000 new replicas.
            while time.perf_counter() - started < limit and psutil.cpu_percent(interval=3) > 25:
                pass
            return time.perf_counter() - started
        time.sleep(2)
    raise SystemExit(f"partitions still out of sync after {limit:.0f} s")


def per_topic_seconds(admin: Any) -> float:
    """A script's way: each topic's configs and ACLs in their own requests; seconds for all topics."""
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ConfigResource,
        ResourcePatternType,
        ResourceType,
    )

    started = time.perf_counter()
    for i in range(SAMPLE):
        name = f"bench.t{i:04d}"
        resource = ConfigResource(ResourceType.TOPIC, name)
        admin.describe_configs([resource])[resource].result()
        admin.describe_acls(AclBindingFilter(ResourceType.TOPIC, name, ResourcePatternType.MATCH, None, None,
                                             AclOperation.ANY, AclPermissionType.ANY)).result()
    return (time.perf_counter() - started) / SAMPLE * TOPICS


def main() -> int:
    os.environ["MSKCTL_HOME"] = tempfile.mkdtemp(prefix="mskctl-bench-audit-")
    os.environ["MSKCTL_CONFIG"] = os.path.join(os.environ["MSKCTL_HOME"], "none.toml")
    from mskctl.local import cluster, operator
    from mskctl.local.paths import ClusterPaths

    tree = Path(os.environ["MSKCTL_HOME"]) / "terraform"
    files = terraform_tree(tree)
    mskctl = str(Path(sys.executable).parent / "mskctl")
    spec = cluster.up(cluster.UpRequest(name="bench-audit"))
    try:
        paths = ClusterPaths.for_name(spec.name)
        env = dict(os.environ) | cluster.environment(spec, paths)
        admin = operator.admin(spec, paths)
        started = time.perf_counter()
        fill(admin)
        filled = time.perf_counter() - started
        settled = settle(admin)  # 9,000 new replicas: time reads once every partition is in sync
        runs: list[float] = []
        layers: list[dict[str, float]] = []
        for _ in range(5):
            started = time.perf_counter()
            out = subprocess.run([mskctl, "audit", "--live", "--terraform", str(tree), "--auth", "mtls", "-o", "json",
                                  "--fail-on", "critical"], capture_output=True, text=True, env=env)
            runs.append(time.perf_counter() - started)
            if out.returncode not in (0, 1):
                raise SystemExit(f"audit failed (exit {out.returncode}): {out.stderr[-800:]}")
            layers.append({name: data["seconds"] for name, data in json.loads(out.stdout)["layers"].items()})
        report = json.loads(out.stdout)
        started = time.perf_counter()
        subprocess.run([mskctl, "audit", "--terraform", str(tree), "-o", "json", "--fail-on", "critical"],
                       capture_output=True, text=True, env=env, check=False)
        static_only = time.perf_counter() - started
        script = per_topic_seconds(admin)
    finally:
        cluster.down("bench-audit", wipe=True)
    checkov = None
    if CHECKOV.exists():
        started = time.perf_counter()
        subprocess.run([str(CHECKOV), "-d", str(tree), "--framework", "terraform", "-o", "json", "--quiet"],
                       capture_output=True, text=True, check=False)
        checkov = time.perf_counter() - started
    best = min(runs)
    median = statistics.median(runs)
    counts = report["summary"]["bySeverity"]
    print(f"audit of a live local MSK ({TOPICS} topics x 3 partitions RF 3, {TOPICS * ACLS_PER_TOPIC} ACLs; "
          f"filled in {filled:.0f} s, in sync {settled:.0f} s later) + {files} Terraform files")
    print(f"  mskctl audit --live --terraform (CLI, e2e)  median {median:5.1f} s, best {best:5.1f} s  runs "
          + ", ".join(f"{r:.1f}" for r in runs) + f"  (goal <= 10 s; {report['summary']['findings']} findings: "
          + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + ")")
    print("  per run, seconds inside each layer (side by side): " + "; ".join(
        ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.items()) for run in layers))
    print(f"  of which the static layer alone (CLI)       {static_only:5.1f} s")
    print(f"  live reads one topic at a time (a script)  {script:5.1f} s  -> mskctl {script / median:.1f}x faster "
          "end to end")
    if checkov is not None:
        print(f"  checkov on the same Terraform tree          {checkov:5.1f} s  -> mskctl static layer "
              f"{checkov / static_only:.1f}x faster")
    else:
        print("  checkov                                    not installed (run `make iac-check` once)")
    return 0 if median <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
