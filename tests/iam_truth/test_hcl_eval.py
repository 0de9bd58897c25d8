"""The policy renderer against small modules whose rendering is known, so a renderer bug cannot pass
a wrong policy off as the module's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.iam_truth.hcl_eval import Evaluator, Module, NotEvaluable
from tests.iam_truth.module_policies import Variant, policies_of

MODULE = """
variable "cluster_arn" { type = string }
variable "topics" {
  type    = list(string)
  default = ["a", "b"]
}
variable "groups" {
  type    = list(string)
  default = []
}
locals {
  topic_arns = [for t in var.topics : "${replace(var.cluster_arn, ":cluster/", ":topic/")}/${t}" if t != "b"]
  account    = split(":", var.cluster_arn)[4]
  policy = {
    Statement = concat(
      [{ Effect = "Allow", Action = ["kafka-cluster:Connect"], Resource = var.cluster_arn }],
      length(var.groups) > 0 ? [{ Effect = "Allow", Action = ["kafka-cluster:AlterGroup"], Resource = var.groups }]
      : [],
    )
  }
}
resource "aws_iam_role_policy" "kafka" {
  role   = aws_iam_role.this.id
  policy = jsonencode(merge(local.policy, { Version = "2012-10-17" }))
}
resource "aws_iam_role_policy" "off" {
  count  = length(var.groups) > 0 ? 1 : 0
  policy = jsonencode({ Statement = [] })
}
data "aws_iam_policy_document" "topics" {
  statement {
    sid       = "Topics${local.account}"
    actions   = ["kafka-cluster:ReadData"]
    resources = local.topic_arns
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account}:root"]
    }
  }
}
resource "aws_msk_cluster_policy" "this" {
  cluster_arn = aws_msk_cluster.this.arn
  policy      = data.aws_iam_policy_document.topics.json
}
"""
CLUSTER = "arn:aws:kafka:eu-west-1:123456789012:cluster/c/u-1"


@pytest.fixture
def module(tmp_path: Path) -> Module:
    (tmp_path / "main.tf").write_text(MODULE)
    return Module.load(tmp_path)


def test_policies_render_as_terraform_would(module: Module, tmp_path: Path) -> None:
    policies = {p.address: p for p in policies_of(module, Variant("t", {"cluster_arn": CLUSTER}, {}), tmp_path)}
    assert set(policies) == {"data.aws_iam_policy_document.topics", "aws_iam_role_policy.kafka",
                             "aws_msk_cluster_policy.this"}  # count = 0 leaves "off" out
    assert policies["aws_iam_role_policy.kafka"].document == {
        "Statement": [{"Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": CLUSTER}],
        "Version": "2012-10-17"}
    expected = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Sid": "Topics123456789012", "Action": ["kafka-cluster:ReadData"],
        "Resource": ["arn:aws:kafka:eu-west-1:123456789012:topic/c/u-1/a"],
        "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]}}]}
    assert policies["data.aws_iam_policy_document.topics"].document == expected
    assert policies["aws_msk_cluster_policy.this"].document == expected  # through .json
    assert policies["aws_msk_cluster_policy.this"].resource_policy
    assert policies["aws_iam_role_policy.kafka"].location.endswith("main.tf:22")


def test_inputs_change_the_rendering(module: Module, tmp_path: Path) -> None:
    variant = Variant("t", {"cluster_arn": CLUSTER, "groups": ["g"]}, {})
    policies = {p.address: p for p in policies_of(module, variant, tmp_path)}
    assert "aws_iam_role_policy.off" in policies
    assert json.dumps(policies["aws_iam_role_policy.kafka"].document).count("AlterGroup") == 1


def test_unknown_values_stay_visible_and_unsupported_ones_fail(module: Module) -> None:
    evaluator = Evaluator(module, {"cluster_arn": CLUSTER}, {"aws_msk_cluster.this": {"arn": CLUSTER}})
    cluster_policy = next(r for r in module.resources if r.type == "aws_msk_cluster_policy")
    assert evaluator.value(cluster_policy.block.attributes["cluster_arn"].expr) == CLUSTER
    role_policy = next(r for r in module.resources if r.name == "kafka")
    assert evaluator.value(role_policy.block.attributes["role"].expr) == "(known after apply: aws_iam_role.this.id)"
    with pytest.raises(NotEvaluable, match=r"var\.cluster_arn has no value"):
        Evaluator(module, {}, {}).local("account")
