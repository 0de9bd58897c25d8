"""Access as code against the local MSK with IAM enforcement: apply, plan, drift, least privilege, deletion,
SCRAM rotation, as a user runs `mskctl plan|apply|access`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourcePatternType,
    ResourceType,
)

from mskctl.access.topic_configs import TOPIC_CONFIG_KEYS
from mskctl.errors import ExitCode
from mskctl.local.tls import LocalCA
from tests.integration.iam_helpers import (
    admin_iam_config,
    authentication_error,
    authentication_refusal,
    iam_config,
    token_callback,
)
from tests.integration.kafka_helpers import QUIET, can_produce, consume_all, create_topic, wait_until

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def mskctl(msk, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True, text=True,
                         env=dict(os.environ) | msk.env, timeout=300)
    assert "Traceback" not in out.stderr, out.stderr
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def plan_json(msk, spec: Path, *extra: str) -> dict:
    return json.loads(mskctl(msk, "plan", "-f", str(spec), "-o", "json", *extra).stdout)


def secret_password(msk, user: str) -> str:
    value = msk.boto("secretsmanager").get_secret_value(SecretId=f"AmazonMSK_{user}")["SecretString"]
    return json.loads(value)["password"]


def iam_client(msk, user: str) -> dict:
    iam = msk.boto("iam")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return iam_config(msk, token_callback(msk.spec.region, key["AccessKeyId"], key["SecretAccessKey"]))


def write_spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def scoped(u: str) -> str:
    return f'name: t{u}\nscope: {{topics: ["acc-{u}-*"], principals: ["User:acc-{u}-*"]}}\n'


@dataclass
class Applied:
    u: str
    spec: Path
    iam_writer: dict
    iam_reader: dict
    ops: dict


@pytest.fixture(scope="module")
def applied(msk, tmp_path_factory) -> Applied:
    u = os.urandom(4).hex()
    account = msk.spec.account_id
    iam_writer, iam_reader = iam_client(msk, f"acc-{u}-iw"), iam_client(msk, f"acc-{u}-ir")
    ops_cert = LocalCA(msk.paths.tls, msk.spec.name).issue(f"acc-{u}-ops", f"acc-{u}-ops")
    spec = write_spec(tmp_path_factory.mktemp("access"), scoped(u) + f"""
topics:
  acc-{u}-orders: {{partitions: 3, replication_factor: 3, configs: {{retention.ms: 3600000}}}}
  acc-{u}-audit: {{partitions: 1, replication_factor: 3, configs: {{cleanup.policy: compact}}}}
principals:
  acc-{u}-writer:
    scram: true
    produce: [acc-{u}-orders]
  acc-{u}-reader:
    scram: true
    consume: {{topics: [acc-{u}-orders], groups: [acc-{u}-group]}}
  iam-writer:
    iam: arn:aws:iam::{account}:user/acc-{u}-iw
    produce: [acc-{u}-orders]
  iam-reader:
    iam: arn:aws:iam::{account}:user/acc-{u}-ir
    consume: {{topics: [acc-{u}-orders], groups: [acc-{u}-group]}}
  ops:
    mtls: "{ops_cert.subject}"
    admin: {{topics: [acc-{u}-audit]}}
""")
    out = mskctl(msk, "apply", "-f", str(spec), "--yes")
    assert "Applied:" in out.stdout
    ops = msk.tls_config() | {"ssl.certificate.location": str(ops_cert.cert), "ssl.key.location": str(ops_cert.key)}
    return Applied(u, spec, iam_writer, iam_reader, ops)


def test_apply_then_plan_shows_no_changes(msk, applied):
    out = mskctl(msk, "plan", "-f", str(applied.spec), "--detailed-exitcode")
    assert "No changes" in out.stdout
    second = mskctl(msk, "apply", "-f", str(applied.spec), "--yes")
    assert "No changes" in second.stdout and "Applied" not in second.stdout


def test_generated_iam_policies_allow_exactly_the_intents(msk, applied):
    u = applied.u
    orders, audit = f"acc-{u}-orders", f"acc-{u}-audit"
    assert wait_until(lambda: can_produce(applied.iam_writer, orders, 5) is None, 20)
    refused = can_produce(applied.iam_writer, audit, 5)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    with pytest.raises(KafkaException, match="AUTHORIZATION"):  # the writer may not consume
        consume_all(applied.iam_writer, orders, 1, timeout=10, group=f"acc-{u}-group")

    assert len(consume_all(applied.iam_reader, orders, 1, timeout=30, group=f"acc-{u}-group")) >= 1
    refused = can_produce(applied.iam_reader, orders, 5)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    with pytest.raises(KafkaException, match="GROUP_AUTHORIZATION_FAILED"):  # another group is not the reader's
        consume_all(applied.iam_reader, orders, 1, timeout=10, group=f"other-{u}")


def test_generated_policy_is_attached_and_minimal(msk, applied):
    iam = msk.boto("iam")
    [policy] = iam.list_attached_user_policies(UserName=f"acc-{applied.u}-ir")["AttachedPolicies"]
    version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert actions == {"kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData",
                       "kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"}
    assert all("*" not in r for s in document["Statement"]
               for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]))


def test_scram_users_created_by_apply_authenticate_and_their_acls_hold(msk, applied):
    u = applied.u
    writer = msk.scram_config(f"acc-{u}-writer", secret_password(msk, f"acc-{u}-writer"))
    reader = msk.scram_config(f"acc-{u}-reader", secret_password(msk, f"acc-{u}-reader"))
    orders, audit = f"acc-{u}-orders", f"acc-{u}-audit"
    assert wait_until(lambda: can_produce(writer, orders, 5) is None, 20)
    refused = can_produce(writer, audit, 5)  # audit has ACLs (for ops) and none for the writer
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    refused = can_produce(reader, orders, 5)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert len(consume_all(reader, orders, 1, timeout=30, group=f"acc-{u}-group")) >= 1
    secret = msk.boto("secretsmanager").describe_secret(SecretId=f"AmazonMSK_acc-{u}-writer")
    assert secret["KmsKeyId"] and not secret["KmsKeyId"].startswith("alias/aws/")


def test_mtls_principal_gets_its_admin_acls(msk, applied):
    admin = AdminClient(applied.ops | QUIET)
    resource = ConfigResource(ResourceType.TOPIC, f"acc-{applied.u}-audit")
    configs = admin.describe_configs([resource])[resource].result(timeout=20)
    assert configs["cleanup.policy"].value == "compact"
    refused = can_produce(applied.ops, f"acc-{applied.u}-audit", 5)  # admin is not data access
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_plan_output_never_contains_passwords(msk, applied):
    u = applied.u
    out = mskctl(msk, "plan", "-f", str(applied.spec), "-o", "json")
    for user in (f"acc-{u}-writer", f"acc-{u}-reader"):
        assert secret_password(msk, user) not in out.stdout + out.stderr


def test_out_of_band_drift_shows_in_plan_and_apply_repairs_it(msk, tmp_path, unique):
    u = unique
    spec = write_spec(tmp_path, scoped(u) + f"""
topics:
  acc-{u}-t: {{partitions: 2, replication_factor: 3, configs: {{retention.ms: 3600000}}}}
principals:
  acc-{u}-app:
    scram: {{create: false}}
    consume: [acc-{u}-t]
""")
    mskctl(msk, "apply", "-f", str(spec), "--yes")
    admin = AdminClient(admin_iam_config(msk))
    resource = ConfigResource(ResourceType.TOPIC, f"acc-{u}-t", incremental_configs=[
        ConfigEntry("retention.ms", "60000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("segment.ms", "600000", incremental_operation=AlterConfigOpType.SET)])
    admin.incremental_alter_configs([resource])[resource].result(timeout=20)
    extra = AclBinding(ResourceType.TOPIC, f"acc-{u}-t", ResourcePatternType.LITERAL, f"User:acc-{u}-app", "*",
                       AclOperation.WRITE, AclPermissionType.ALLOW)
    for future in admin.create_acls([extra]).values():
        future.result(timeout=20)

    drift = mskctl(msk, "plan", "-f", str(spec), "--detailed-exitcode", check=False)
    assert drift.returncode == ExitCode.CHANGES
    changes = plan_json(msk, spec)["changes"]
    config = next(c for c in changes if c["kind"] == "topic-config")
    assert config["detail"]["set"] == {"retention.ms": "3600000"} and config["detail"]["reset"] == ["segment.ms"]
    acl = next(c for c in changes if c["kind"] == "acl")
    assert acl["action"] == "delete" and acl["detail"]["operation"] == "WRITE"
    assert "scram-secret" in {c["kind"] for c in changes if c["action"] == "impossible"}  # create: false, no secret

    kept = mskctl(msk, "apply", "-f", str(spec), "--yes")
    assert "deletion needs --allow-delete" in kept.stdout
    mskctl(msk, "apply", "-f", str(spec), "--yes", "--allow-delete")
    remaining = [c for c in plan_json(msk, spec)["changes"] if c["action"] != "impossible"]
    assert remaining == []
    live = admin.describe_configs([ConfigResource(ResourceType.TOPIC, f"acc-{u}-t")])
    entries = next(iter(live.values())).result(timeout=20)
    assert entries["retention.ms"].value == "3600000" and entries["segment.ms"].is_default


def test_allow_delete_removes_users_topics_acls_and_policies(msk, tmp_path, unique):
    u = unique
    account = msk.spec.account_id
    iam_client(msk, f"acc-{u}-iam")
    full = write_spec(tmp_path, scoped(u) + f"""
topics:
  acc-{u}-keep: {{partitions: 1, replication_factor: 3}}
  acc-{u}-drop: {{partitions: 1, replication_factor: 3}}
principals:
  acc-{u}-gone:
    scram: true
    produce: [acc-{u}-keep]
  iam-gone:
    iam: arn:aws:iam::{account}:user/acc-{u}-iam
    consume: [acc-{u}-keep]
""", "full.yaml")
    mskctl(msk, "apply", "-f", str(full), "--yes")
    gone = msk.scram_config(f"acc-{u}-gone", secret_password(msk, f"acc-{u}-gone"))
    assert wait_until(lambda: can_produce(gone, f"acc-{u}-keep", 5) is None, 20)

    smaller = write_spec(tmp_path, scoped(u) + f"topics:\n  acc-{u}-keep: {{partitions: 1, replication_factor: 3}}\n",
                         "smaller.yaml")
    kinds = {(c["kind"], c["action"]) for c in plan_json(msk, smaller)["changes"]}
    assert kinds == {("topic", "delete"), ("acl", "delete"), ("scram-association", "delete"),
                     ("scram-secret", "delete"), ("iam-policy", "delete")}
    mskctl(msk, "apply", "-f", str(smaller), "--yes", "--allow-delete")
    assert plan_json(msk, smaller)["changes"] == []
    assert wait_until(lambda: authentication_refusal(gone, 5) is not None, 30)
    assert msk.boto("iam").list_attached_user_policies(UserName=f"acc-{u}-iam")["AttachedPolicies"] == []
    topics = AdminClient(admin_iam_config(msk)).list_topics(timeout=20).topics
    assert f"acc-{u}-drop" not in topics and f"acc-{u}-keep" in topics


def test_seed_002_example_yields_exactly_its_acls(msk, tmp_path):
    spec = ROOT / "examples" / "access" / "seed-002.yaml"
    mskctl(msk, "apply", "-f", str(spec), "--yes", "--allow-delete")
    assert mskctl(msk, "plan", "-f", str(spec), "--detailed-exitcode").returncode == 0
    admin = AdminClient(admin_iam_config(msk))
    found = set()
    for user in ("producer-app", "consumer-app"):
        wanted = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, f"User:{user}", None,
                                  AclOperation.ANY, AclPermissionType.ANY)
        found |= {(b.principal, b.operation.name, b.restype.name, b.name)
                  for b in admin.describe_acls(wanted).result(timeout=20)}
    assert found == {
        ("User:producer-app", "WRITE", "TOPIC", "user-events"),
        ("User:producer-app", "DESCRIBE", "TOPIC", "user-events"),
        ("User:consumer-app", "READ", "TOPIC", "user-events"),
        ("User:consumer-app", "DESCRIBE", "TOPIC", "user-events"),
        ("User:consumer-app", "READ", "GROUP", "event-processor-group"),
    }


def test_impossible_changes_are_reported_not_attempted_and_partitions_grow(msk, tmp_path, unique):
    u = unique
    topic = f"acc-{u}-t"
    create_topic(msk.tls_config(), topic, partitions=4, replication=2)
    shrink = write_spec(tmp_path, scoped(u) + f"topics:\n  {topic}: {{partitions: 2, replication_factor: 3}}\n")
    out = mskctl(msk, "apply", "-f", str(shrink), "--yes")
    assert "Kafka cannot remove partitions" in out.stdout and "needs a partition reassignment" in out.stdout
    assert "impossible" in out.stdout
    grow = write_spec(tmp_path, scoped(u) + f"topics:\n  {topic}: {{partitions: 6}}\n", "grow.yaml")
    mskctl(msk, "apply", "-f", str(grow), "--yes")
    metadata = AdminClient(admin_iam_config(msk)).list_topics(topic, timeout=20).topics[topic]
    assert len(metadata.partitions) == 6


def test_apply_refuses_to_revoke_the_running_identity_unless_forced(msk, tmp_path, unique):
    u = unique
    admin_arn = msk.boto("sts").get_caller_identity()["Arn"]
    with_admin = write_spec(tmp_path, scoped(u) + f"""
topics:
  acc-{u}-t: {{partitions: 1, replication_factor: 3}}
principals:
  me:
    iam: {admin_arn}
    consume: [acc-{u}-t]
""", "with.yaml")
    mskctl(msk, "apply", "-f", str(with_admin), "--yes")
    without = write_spec(tmp_path, scoped(u) + f"""
topics:
  acc-{u}-t: {{partitions: 1, replication_factor: 3}}
principals:
  me:
    iam: {admin_arn}
    produce: [acc-{u}-t]
""", "without.yaml")
    refused = mskctl(msk, "apply", "-f", str(without), "--yes", check=False)
    assert refused.returncode == ExitCode.USAGE
    assert "would revoke the access of the identity running it" in refused.stderr
    mskctl(msk, "apply", "-f", str(without), "--yes", "--force")
    assert plan_json(msk, without)["changes"] == []


def test_rotate_scram_proves_new_password_works_and_old_one_is_refused(msk, tmp_path, unique):
    u = unique
    spec = write_spec(tmp_path, scoped(u) + f"""
topics:
  acc-{u}-t: {{partitions: 1, replication_factor: 3}}
principals:
  acc-{u}-rot:
    scram: true
    produce: [acc-{u}-t]
""")
    mskctl(msk, "apply", "-f", str(spec), "--yes")
    old = secret_password(msk, f"acc-{u}-rot")
    assert wait_until(lambda: authentication_error(msk.scram_config(f"acc-{u}-rot", old), 5) is None, 20)
    out = mskctl(msk, "access", "rotate-scram", f"acc-{u}-rot", "-o", "json")
    [result] = json.loads(out.stdout)["rotated"]
    assert result["user"] == f"acc-{u}-rot" and 0 < result["acceptedAfterSeconds"] <= result["oldRefusedAfterSeconds"]
    new = secret_password(msk, f"acc-{u}-rot")
    assert new != old and new not in out.stdout + out.stderr and old not in out.stdout + out.stderr
    assert authentication_error(msk.scram_config(f"acc-{u}-rot", new), 5) is None
    assert authentication_refusal(msk.scram_config(f"acc-{u}-rot", old), 5) is not None
    due = json.loads(mskctl(msk, "access", "rotate-scram", "--all-older-than", "90d", "--dry-run",
                            "-o", "json").stdout)["due"]
    assert f"AmazonMSK_acc-{u}-rot" not in {d["secret"] for d in due}


def test_bad_spec_is_an_input_error_with_file_and_line(msk, tmp_path):
    spec = write_spec(tmp_path, "topics:\n  t:\n    configs: {retention.msx: 1}\n")
    out = mskctl(msk, "plan", "-f", str(spec), "--detailed-exitcode", check=False)
    assert out.returncode == ExitCode.DATA  # never 2, which means "changes" here
    assert f"{spec}:3: topics.t.configs.retention.msx: unknown topic config" in out.stderr


def test_topic_config_table_knows_every_key_the_broker_describes(msk, unique):
    topic = f"acc-{unique}-keys"
    create_topic(msk.tls_config(), topic, partitions=1, replication=1)
    admin = AdminClient(admin_iam_config(msk))
    resource = ConfigResource(ResourceType.TOPIC, topic)
    described = set(admin.describe_configs([resource])[resource].result(timeout=20))
    assert described - TOPIC_CONFIG_KEYS == set()
