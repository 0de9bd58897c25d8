"""`mskctl plan`/`apply` at scale on one local MSK: 1,000 topics, 5,000 ACLs, 200 IAM principals.

Goal (issue 6): plan <= 20 s. Apply from empty is batched; its rate is compared, in the same run, with
the baseline of scripts and the Kafka provider: one admin request per topic and per ACL (measured
on a sample of the same shape, then compared per item).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOPICS = int(os.environ.get("BENCH_TOPICS", "1000"))
MTLS_PRINCIPALS = TOPICS  # five ACLs each: consume a topic with a group, produce to the next topic
IAM_PRINCIPALS = int(os.environ.get("BENCH_IAM_PRINCIPALS", "200"))
PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "3"))
BASELINE_SAMPLE = 100  # topics (and 5x ACLs) created one request at a time


def spec_text(account: str) -> str:
    lines = ["version: 1", "name: bench", "scope: {topics: ['bench.*'], principals: ['User:CN=bench-*']}",
             f"defaults: {{topic: {{partitions: {PARTITIONS}, replication_factor: 3, "
             "configs: {min.insync.replicas: 2}}}", "topics:"]
    lines += [f"  bench.t{i:04d}: {{configs: {{retention.ms: {86400000 + i}}}}}" for i in range(TOPICS)]
    lines.append("principals:")
    for i in range(MTLS_PRINCIPALS):
        lines += [f"  m{i:04d}:", f"    mtls: CN=bench-{i:04d},O=Bench",
                  f"    consume: {{topics: [bench.t{i:04d}], groups: [g{i:04d}]}}",
                  f"    produce: {{topics: [bench.t{(i + 1) % TOPICS:04d}]}}"]
    for i in range(IAM_PRINCIPALS):
        mine = [f"bench.t{(i * 5 + k) % TOPICS:04d}" for k in range(5)]
        lines += [f"  r{i:03d}:", f"    iam: arn:aws:iam::{account}:role/bench-{i:03d}",
                  f"    consume: {{topics: [{', '.join(mine)}], groups: [bench-{i:03d}-*]}}",
                  f"    produce: {{topics: [bench.t{i:04d}]}}"]
    return "\n".join(lines) + "\n"


def baseline_rate(admin, prefix: str) -> float:
    """Items per second when every topic and ACL is its own admin request (scripts, Terraform providers)."""
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        NewTopic,
        ResourcePatternType,
        ResourceType,
    )

    started = time.perf_counter()
    for i in range(BASELINE_SAMPLE):
        topic = f"{prefix}{i:04d}"
        admin.create_topics([NewTopic(topic, PARTITIONS, 3, config={"min.insync.replicas": "2"})])[topic].result()
    for i in range(BASELINE_SAMPLE):
        for resource, name, operation in (("TOPIC", f"{prefix}{i:04d}", "READ"), ("TOPIC", f"{prefix}{i:04d}",
                                                                                   "DESCRIBE"),
                                          ("GROUP", f"bg{i:04d}", "READ"), ("TOPIC", f"{prefix}{i:04d}", "WRITE"),
                                          ("TOPIC", f"{prefix}{i:04d}", "CREATE")):
            binding = AclBinding(ResourceType[resource], name, ResourcePatternType.LITERAL, f"User:CN=base-{i}", "*",
                                 AclOperation[operation], AclPermissionType.ALLOW)
            for future in admin.create_acls([binding]).values():
                future.result()
    return BASELINE_SAMPLE * 6 / (time.perf_counter() - started)


def main() -> int:
    os.environ["MSKCTL_HOME"] = tempfile.mkdtemp(prefix="mskctl-bench-")
    os.environ["MSKCTL_CONFIG"] = os.path.join(os.environ["MSKCTL_HOME"], "none.toml")
    import boto3

    from mskctl import connect
    from mskctl.access.apply import apply_plan
    from mskctl.access.context import AccessContext, plan_spec
    from mskctl.access.loader import load
    from mskctl.local import cluster
    from mskctl.local.paths import ClusterPaths

    spec = cluster.up(cluster.UpRequest(name="bench-access"))
    try:
        env = cluster.environment(spec, ClusterPaths.for_name(spec.name))
        os.environ.update(env)
        iam = boto3.client("iam")
        for i in range(IAM_PRINCIPALS):
            iam.create_role(RoleName=f"bench-{i:03d}", AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": []}))
        path = Path(os.environ["MSKCTL_HOME"]) / "bench-spec.yaml"
        path.write_text(spec_text(spec.account_id))

        started = time.perf_counter()
        loaded = load([path])
        ctx = AccessContext(connect(auth="iam"))
        _, plan = plan_spec(loaded, None, ctx)
        first_plan = time.perf_counter() - started
        counts = {k.value: sum(1 for c in plan.changes if c.kind is k) for k in {c.kind for c in plan.changes}}
        started = time.perf_counter()
        result = apply_plan(plan, ctx, allow_delete=False)
        applied = time.perf_counter() - started
        started = time.perf_counter()
        out = subprocess.run([str(Path(sys.executable).parent / "mskctl"), "plan", "-f", str(path), "--auth", "iam",
                              "--detailed-exitcode", "-o", "json"], capture_output=True, text=True)
        cli_plan = time.perf_counter() - started
        if out.returncode != 0:
            if out.returncode == 2:
                left = json.loads(out.stdout)["changes"]
                kinds: dict[str, int] = {}
                for change in left:
                    kinds[f"{change['kind']} {change['action']}"] = kinds.get(f"{change['kind']} {change['action']}",
                                                                              0) + 1
                print("left after apply:", kinds, left[0]["target"], left[-1]["target"], file=sys.stderr)
            raise SystemExit(f"plan after apply is not empty (exit {out.returncode}): {out.stdout[:300]}"
                             f"{out.stderr[-500:]}")
        reads = json.loads(out.stdout)["readRequests"]

        rate_baseline = baseline_rate(ctx.admin, "base.t")
        items = counts.get("topic", 0) + counts.get("acl", 0)
        kafka_seconds = applied  # includes the IAM calls: the ratio below is conservative
        rate_batched = items / kafka_seconds
    finally:
        cluster.down("bench-access", wipe=True)

    print(f"access spec: {TOPICS} topics x {PARTITIONS} partitions (RF 3), {counts.get('acl', 0)} ACLs, "
          f"{IAM_PRINCIPALS} IAM principals ({counts.get('iam-policy', 0)} policies)")
    print(f"  plan from empty (read + diff)        {first_plan:6.1f} s  ({len(plan.changes)} changes)")
    print(f"  apply from empty (batched)           {applied:6.1f} s  ({result.requests['kafka']} Kafka admin requests,"
          f" {result.requests['aws']} AWS API calls; brokers caught up {result.converged_after:.1f} s later)")
    print(f"  plan of the applied spec (CLI, e2e)  {cli_plan:6.1f} s  (goal <= 20 s; {reads['kafka']} Kafka reads, "
          f"{reads['aws']} AWS reads)")
    print(f"  topics+ACLs per second: batched {rate_batched:7.0f}  one request each {rate_baseline:7.0f}  "
          f"ratio {rate_batched / rate_baseline:.1f}x")
    return 0 if cli_plan <= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
