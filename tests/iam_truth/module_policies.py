"""Every IAM policy document a Terraform module writes, rendered from the module's own files with the
inputs of its own `tofu test` runs (terraform/modules/<m>/tests/*.tftest.hcl)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mskctl.audit.terraform.hcl import Block, parse_file
from tests.iam_truth.hcl_eval import Evaluator, Module, NotEvaluable, Resource

# Resources whose attribute holds a policy document; aws_msk_cluster_policy's is a resource policy.
POLICY_ATTRIBUTE = {
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_msk_cluster_policy": "policy",
}
RESOURCE_POLICIES = {"aws_msk_cluster_policy"}


@dataclass(frozen=True)
class Variant:
    """One `run` of a module's tests: its inputs and resource overrides."""

    name: str
    variables: dict[str, Any]
    overrides: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ModulePolicy:
    module: str
    address: str  # aws_iam_role_policy.kafka
    location: str  # terraform/modules/kafka_client/main.tf:127
    variant: Variant
    document: dict[str, Any]
    resource_policy: bool
    evaluator: Evaluator


def _literal(node: Any) -> Any:
    return Evaluator(Module(), {}, {}).value(node)  # tftest inputs are literals


def _target(node: Any) -> str:
    return str(node.serialize()).removeprefix("${").removesuffix("}")


def _overrides(blocks: list[Block]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        if block.type in ("override_resource", "override_data") and "values" in block.attributes:
            found[_target(block.attributes["target"].expr)] = _literal(block.attributes["values"].expr)
    return found


def _variables(block: Block | None) -> dict[str, Any]:
    return {name: _literal(attr.expr) for name, attr in block.attributes.items()} if block else {}


def tofu_test_variants(module_dir: Path) -> list[Variant]:
    """The inputs of every `run` that is meant to plan (runs expecting a failure are left out)."""
    variants: list[Variant] = []
    seen: set[str] = set()
    for path in sorted((module_dir / "tests").glob("*.tftest.hcl")):
        blocks = parse_file(path, str(path)).blocks
        top_variables = _variables(next((b for b in blocks if b.type == "variables"), None))
        top_overrides = _overrides(blocks)
        for run in (b for b in blocks if b.type == "run"):
            if "expect_failures" in run.attributes:
                continue
            variables = top_variables | _variables(next(iter(run.children("variables")), None))
            overrides = top_overrides | _overrides(run.blocks)
            key = json.dumps([variables, overrides], sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                variants.append(Variant(f"{path.name} run {run.labels[0]!r}", variables, overrides))
    return variants


def _count(evaluator: Evaluator, resource: Resource) -> int:
    if "for_each" in resource.block.attributes:
        raise NotEvaluable(f"{resource.address} uses for_each")
    count = resource.block.attributes.get("count")
    return 1 if count is None else int(evaluator.value(count.expr))


def _policy_document(evaluator: Evaluator, block: Block) -> dict[str, Any]:
    """data "aws_iam_policy_document": its statement blocks as the JSON the provider renders."""
    if any(child.type == "dynamic" for child in block.blocks):
        raise NotEvaluable("dynamic blocks in aws_iam_policy_document")
    statements = []
    for statement in block.children("statement"):
        attrs = {name: evaluator.value(attr.expr) for name, attr in statement.attributes.items()}
        rendered: dict[str, Any] = {"Effect": attrs.get("effect", "Allow")}
        if "sid" in attrs:
            rendered["Sid"] = attrs["sid"]
        for key, field in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                           ("not_resources", "NotResource")):
            if key in attrs:
                rendered[field] = attrs[key]
        principals = statement.children("principals")
        if principals:
            rendered["Principal"] = {evaluator.value(p.attributes["type"].expr):
                                     evaluator.value(p.attributes["identifiers"].expr) for p in principals}
        conditions = statement.children("condition")
        if conditions:
            rendered["Condition"] = {}
            for condition in conditions:
                test = evaluator.value(condition.attributes["test"].expr)
                variable = evaluator.value(condition.attributes["variable"].expr)
                rendered["Condition"].setdefault(test, {})[variable] = evaluator.value(
                    condition.attributes["values"].expr)
        statements.append(rendered)
    return {"Version": "2012-10-17", "Statement": statements}


def module_policies(module_dir: Path, repo: Path) -> list[ModulePolicy]:
    """Each policy document of each resource that exists in each test variant of the module."""
    module = Module.load(module_dir)
    return [policy for variant in tofu_test_variants(module_dir) for policy in policies_of(module, variant, repo)]


def policies_of(module: Module, variant: Variant, repo: Path) -> list[ModulePolicy]:
    """The policy documents a module writes with one set of inputs."""
    assert module.directory is not None
    overrides = dict(variant.overrides)
    evaluator = Evaluator(module, variant.variables, overrides)
    documents: list[tuple[Resource, dict[str, Any]]] = []
    for data in module.data:
        if data.type == "aws_iam_policy_document":
            document = _policy_document(evaluator, data.block)
            overrides[data.address] = {"json": json.dumps(document)}  # what .json references see
            documents.append((data, document))
    for resource in module.resources:
        attribute = POLICY_ATTRIBUTE.get(resource.type)
        if attribute is None or attribute not in resource.block.attributes or _count(evaluator, resource) == 0:
            continue
        value = evaluator.value(resource.block.attributes[attribute].expr)
        documents.append((resource, json.loads(value) if isinstance(value, str) else value))
    return [ModulePolicy(module=module.directory.name, address=source.address,
                         location=f"{_shown(source.file, repo)}:{source.block.line}", variant=variant,
                         document=document, resource_policy=source.type in RESOURCE_POLICIES, evaluator=evaluator)
            for source, document in documents]


def _shown(path: Path, repo: Path) -> str:
    return str(path.relative_to(repo)) if path.is_relative_to(repo) else str(path)


def grants_kafka_cluster(document: dict[str, Any]) -> bool:
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", statement.get("NotAction", []))
        if any(str(a).lower().startswith("kafka-cluster:") for a in ([actions] if isinstance(actions, str)
                                                                        else actions)):
            return True
    return False
