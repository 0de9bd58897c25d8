"""`mskctl access export --terraform`: the spec's desired state as HCL, parsed back with python-hcl2 (offline)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

from mskctl.access import permissions
from mskctl.access.desired import Desired, desired_state
from mskctl.access.loader import load, load_text
from mskctl.access.permissions import ClusterArn
from mskctl.access.terraform_export import MARKER, export_terraform, identifier, quote, unique_identifiers
from mskctl.errors import ExitCode, UsageError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "access"
ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
MODULE = "../modules/scram_secrets"
OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)
TF_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def desired_for(spec: Path | str, arn: str = ARN) -> Desired:
    loaded = load([spec]) if isinstance(spec, Path) else load_text(spec)
    return desired_state(loaded.spec, None, arn)


def export(desired: Desired, out: Path, **kwargs) -> dict[str, dict]:
    """Export and parse every file written: {file name: parsed HCL}."""
    kwargs = {"cluster_arn_known": True, "cluster_arn": ARN, "scram_module_source": MODULE} | kwargs
    written = export_terraform(desired, out, **kwargs)
    return {path.name: hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=OPTIONS)
            for path in written}


def blocks(parsed: dict[str, dict], kind: str, type_: str | None = None) -> dict[str, dict]:
    """Blocks of one kind (resource of one type) over all files, by name; names must be unique."""
    found: dict[str, dict] = {}
    for document in parsed.values():
        for entry in document.get(kind, []):
            if type_ is not None:
                entry = entry.get(type_, {})
            for name, body in entry.items():
                assert name not in found, f"duplicate {kind} {type_ or ''} {name}"
                assert TF_IDENTIFIER.match(name), name
                found[name] = body
    return found


def test_every_file_starts_with_the_generated_comment(tmp_path):
    written = export_terraform(desired_for(EXAMPLES / "platform.yaml"), tmp_path, cluster_arn_known=True,
                               cluster_arn=ARN, scram_module_source=MODULE, sources=["examples/access/platform.yaml"])
    assert sorted(p.name for p in written) == ["acls.tf", "iam.tf", "outputs.tf", "scram.tf", "topics.tf",
                                               "variables.tf", "versions.tf"]
    for path in written:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(MARKER) and "examples/access/platform.yaml" in first


def test_versions_pin_the_providers(tmp_path):
    parsed = export(desired_for(EXAMPLES / "seed-002.yaml"), tmp_path)
    terraform = parsed["versions.tf"]["terraform"][0]
    assert terraform["required_version"] == ">= 1.5"
    assert terraform["required_providers"][0] == {
        "kafka": {"source": "Mongey/kafka", "version": "~> 0.13"},
        "aws": {"source": "hashicorp/aws", "version": ">= 5.0"},
    }


def test_seed_002_gives_its_five_acls(tmp_path):
    parsed = export(desired_for(EXAMPLES / "seed-002.yaml"), tmp_path)
    acls = blocks(parsed, "resource", "kafka_acl")
    assert len(acls) == 5
    assert {(a["acl_principal"], a["resource_type"], a["resource_name"], a["acl_operation"]) for a in acls.values()} \
        == {("User:producer-app", "Topic", "user-events", "Write"),
            ("User:producer-app", "Topic", "user-events", "Describe"),
            ("User:consumer-app", "Topic", "user-events", "Read"),
            ("User:consumer-app", "Topic", "user-events", "Describe"),
            ("User:consumer-app", "Group", "event-processor-group", "Read")}
    for acl in acls.values():
        assert acl["resource_pattern_type_filter"] == "Literal"
        assert acl["acl_host"] == "*" and acl["acl_permission_type"] == "Allow"


def test_seed_002_topic_and_scram_module(tmp_path):
    parsed = export(desired_for(EXAMPLES / "seed-002.yaml"), tmp_path)
    assert blocks(parsed, "resource", "kafka_topic") == {"user_events": {
        "name": "user-events", "partitions": 6, "replication_factor": "${var.default_replication_factor}",
        "config": {"retention.ms": "604800000"}}}
    variables = blocks(parsed, "variable")
    assert variables["default_replication_factor"]["default"] == 3
    assert "default_partitions" not in variables  # every topic sets its partitions
    assert variables["cluster_arn"]["default"] == ARN
    assert set(variables) >= {"cluster_arn", "bootstrap_servers", "scram_kms_key_arn"}
    assert blocks(parsed, "module") == {"scram_secrets": {
        "source": MODULE, "cluster_arn": "${var.cluster_arn}", "kms_key_arn": "${var.scram_kms_key_arn}",
        "users": ["consumer-app", "producer-app"]}}
    assert blocks(parsed, "resource", "aws_iam_policy") == {}


def _evaluate(text: str, locals_: dict[str, str]) -> str:
    for name, arn in locals_.items():
        text = text.replace("${local." + name + "}", arn)
    return text.replace("${var.cluster_arn}", ARN)


def _resolved(item, locals_: dict[str, str]):
    if isinstance(item, dict):
        return {k: _resolved(v, locals_) for k, v in item.items()}
    if isinstance(item, list):
        return [_resolved(v, locals_) for v in item]
    return _evaluate(item, locals_) if isinstance(item, str) else item


# The least-privilege documents for platform.yaml's IAM principals, written out from MSK's "Semantics of
# actions and resources" (not computed by the product): consume = Connect, DescribeTopic+ReadData,
# DescribeGroup+AlterGroup; idempotent transactional produce = Connect+WriteDataIdempotently,
# DescribeTopic+WriteData, DescribeTransactionalId+AlterTransactionalId.
_R = "arn:aws:kafka:us-east-1:123456789012"
PLATFORM_POLICIES = {
    "analytics": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": f"{_R}:cluster/demo/abcd-1"},
        {"Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
         "Resource": [f"{_R}:topic/demo/abcd-1/customers.profile", f"{_R}:topic/demo/abcd-1/orders.*"]},
        {"Effect": "Allow", "Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
         "Resource": f"{_R}:group/demo/abcd-1/analytics-*"}]},
    "order-service": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"],
         "Resource": f"{_R}:cluster/demo/abcd-1"},
        {"Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
         "Resource": f"{_R}:topic/demo/abcd-1/orders.*"},
        {"Effect": "Allow", "Action": ["kafka-cluster:AlterTransactionalId", "kafka-cluster:DescribeTransactionalId"],
         "Resource": f"{_R}:transactional-id/demo/abcd-1/order-service-*"}]},
}


def test_platform_iam_policies_are_the_documents_of_permissions(tmp_path):
    desired = desired_for(EXAMPLES / "platform.yaml")
    parsed = export(desired, tmp_path)
    # locals: replace(var.cluster_arn, ":cluster/", ":<kind>/"), evaluated for the cluster ARN
    locals_ = {}
    for name, expr in parsed["iam.tf"]["locals"][0].items():
        match = re.fullmatch(r'\$\{replace\(var\.cluster_arn, "([^"]+)", "([^"]+)"\)\}', expr)
        assert match, expr
        locals_[name] = ARN.replace(match.group(1), match.group(2))
    policies = blocks(parsed, "resource", "aws_iam_policy")
    attachments = blocks(parsed, "resource", "aws_iam_role_policy_attachment")
    spec = load([EXAMPLES / "platform.yaml"]).spec
    cluster = ClusterArn.parse(ARN)
    assert set(policies) == set(attachments) == {"analytics", "order_service"}
    for key, ident in (("analytics", "analytics"), ("order-service", "order_service")):
        policy = policies[ident]
        assert policy["name"] == desired.iam[key].policy_name
        assert policy["path"] == desired.policy_path == "/mskctl/demo/default/"
        body = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", policy["policy"], re.S)
        assert body, policy["policy"]
        document = hcl2.loads(f"doc = {body.group(1)}\n", serialization_options=OPTIONS)["doc"]
        assert _resolved(document, locals_) == PLATFORM_POLICIES[key]
        assert PLATFORM_POLICIES[key] == permissions.iam_policy(spec.principals[key], cluster)
        assert attachments[ident] == {"role": key, "policy_arn": f"${{aws_iam_policy.{ident}.arn}}"}
    outputs = blocks(parsed, "output")
    assert outputs["iam_policy_arns"]["value"] == {"analytics": "${aws_iam_policy.analytics.arn}",
                                                   "order-service": "${aws_iam_policy.order_service.arn}"}
    assert len(outputs["topic_names"]["value"]) == 3


def test_platform_acls_use_the_provider_spellings(tmp_path):
    parsed = export(desired_for(EXAMPLES / "platform.yaml"), tmp_path)
    acls = blocks(parsed, "resource", "kafka_acl")
    ops = {(a["acl_principal"], a["resource_name"], a["resource_pattern_type_filter"], a["acl_operation"])
           for a in acls.values() if a["resource_type"] == "Topic"}
    assert ("User:CN=ops.example.com,O=Example", "orders.", "Prefixed", "AlterConfigs") in ops
    assert ("User:CN=ops.example.com,O=Example", "orders.", "Prefixed", "DescribeConfigs") in ops
    assert ("User:billing-app", "orders.shipped", "Literal", "Read") in ops
    assert len(acls) == len(desired_for(EXAMPLES / "platform.yaml").acls)


def test_output_is_byte_identical_on_a_second_run(tmp_path):
    for spec in ("platform.yaml", "seed-002.yaml"):
        first, second = tmp_path / spec / "a", tmp_path / spec / "b"
        export(desired_for(EXAMPLES / spec), first)
        export(desired_for(EXAMPLES / spec), second)
        export(desired_for(EXAMPLES / spec), first)  # over its own output: allowed, same bytes
        names = sorted(p.name for p in first.iterdir())
        assert names == sorted(p.name for p in second.iterdir())
        for name in names:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


SPEC_NAMES = """
topics:
  1.orders: {}
  orders.v2: {partitions: 2}
  orders_v2: {partitions: 2}
  ORDERS-v2: {partitions: 2, configs: {cleanup.policy: compact}}
principals:
  7app:
    scram: {create: false}
    produce: ["1.orders"]
"""


def test_topic_names_with_dots_and_digits_get_valid_unique_identifiers(tmp_path):
    parsed = export(desired_for(SPEC_NAMES), tmp_path)
    topics = blocks(parsed, "resource", "kafka_topic")  # asserts valid and unique
    by_name = {t["name"]: ident for ident, t in topics.items()}
    assert set(by_name) == {"1.orders", "orders.v2", "orders_v2", "ORDERS-v2"}
    assert by_name["1.orders"] == "t_1_orders"
    assert by_name["orders_v2"] == "orders_v2"  # a name that is already an identifier keeps it
    assert by_name["orders.v2"].startswith("orders_v2_") and by_name["ORDERS-v2"] == "ORDERS_v2"
    assert topics["t_1_orders"]["partitions"] == "${var.default_partitions}"
    assert blocks(parsed, "variable")["default_partitions"]["default"] == 3
    # no SCRAM user to create: no scram.tf, no KMS variable; the user managed elsewhere is named in a comment
    assert "scram.tf" not in parsed and "scram_kms_key_arn" not in blocks(parsed, "variable")
    assert "7app" in (tmp_path / "acls.tf").read_text()
    assert all(TF_IDENTIFIER.match(i) for i in blocks(parsed, "resource", "kafka_acl"))


def test_identifiers():
    assert identifier("orders.created") == "orders_created"
    assert identifier("9lives") == "t_9lives"
    assert identifier("a-b c") == "a_b_c"
    ids = unique_identifiers({"a.b": "a_b", "a_b": "a_b", "a-b": "a_b"})
    assert ids["a_b"] == "a_b" and len(set(ids.values())) == 3
    assert ids == unique_identifiers(dict(reversed(list({"a.b": "a_b", "a_b": "a_b", "a-b": "a_b"}.items()))))


def test_strings_are_escaped():
    assert quote('say "hi"\\ ${x} %{if} \n') == r'"say \"hi\"\\ $${x} %%{if} \n"'
    text = 'a"b\\c\nd\te'
    parsed = hcl2.loads(f"x = {quote(text)}\n", serialization_options=OPTIONS)
    assert parsed["x"] == text


def test_refuses_to_overwrite_files_it_did_not_write(tmp_path):
    desired = desired_for(EXAMPLES / "seed-002.yaml")
    (tmp_path / "main.tf").write_text('provider "kafka" {}\n')
    (tmp_path / "topics.tf").write_text("# mine\n")
    with pytest.raises(UsageError, match=r"main\.tf, topics\.tf"):
        export(desired, tmp_path)
    assert (tmp_path / "topics.tf").read_text() == "# mine\n"
    export(desired, tmp_path, force=True)
    assert (tmp_path / "main.tf").read_text() == 'provider "kafka" {}\n'  # other files are left alone
    assert (tmp_path / "topics.tf").read_text().startswith(MARKER)


def test_stale_generated_files_are_removed(tmp_path):
    export(desired_for(EXAMPLES / "seed-002.yaml"), tmp_path)
    assert (tmp_path / "scram.tf").exists()
    export(desired_for(SPEC_NAMES), tmp_path)  # no SCRAM user to create any more
    assert not (tmp_path / "scram.tf").exists()


def test_no_cluster_arn_leaves_the_variable_without_default(tmp_path):
    placeholder = "arn:aws:kafka:us-east-1:123456789012:cluster/CLUSTER/UUID"
    parsed = export(desired_for(EXAMPLES / "platform.yaml", placeholder), tmp_path, cluster_arn_known=False,
                    cluster_arn=None)
    assert "default" not in blocks(parsed, "variable")["cluster_arn"]
    iam = (tmp_path / "iam.tf").read_text()
    assert "placeholder" in iam and "UUID" not in iam  # the documents follow var.cluster_arn


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mskctl.cli.main", "access", "export", *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_cli_writes_the_files(tmp_path):
    out = run_cli("-f", str(EXAMPLES / "platform.yaml"), "--terraform", str(tmp_path / "tf"), "--cluster-arn", ARN)
    assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in (tmp_path / "tf").iterdir())
    assert names == ["acls.tf", "iam.tf", "outputs.tf", "scram.tf", "topics.tf", "variables.tf", "versions.tf"]
    for name in names:
        assert f"wrote {tmp_path / 'tf' / name}" in out.stderr
    assert "placeholder" not in out.stderr


def test_cli_without_cluster_arn_warns_and_refuses_foreign_files(tmp_path):
    out = run_cli("-f", str(EXAMPLES / "seed-002.yaml"), "--terraform", str(tmp_path), "--scram-module-source",
                  "git::https://example.com/scram.git")
    assert out.returncode == 0, out.stderr
    assert "placeholder" in out.stderr and "--cluster-arn" in out.stderr
    scram = hcl2.loads((tmp_path / "scram.tf").read_text(), serialization_options=OPTIONS)
    assert scram["module"][0]["scram_secrets"]["source"] == "git::https://example.com/scram.git"
    (tmp_path / "main.tf").write_text("")
    out = run_cli("-f", str(EXAMPLES / "seed-002.yaml"), "--terraform", str(tmp_path))
    assert out.returncode == ExitCode.USAGE and "main.tf" in out.stderr and "--force" in out.stderr
    assert run_cli("-f", str(EXAMPLES / "seed-002.yaml"), "--terraform", str(tmp_path), "--force").returncode == 0
