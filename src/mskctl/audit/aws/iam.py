"""IAM policies in use (customer-managed ones attached to someone, and inline ones) that grant Kafka too broadly.

One paginated ``iam:GetAccountAuthorizationDetails`` returns every user, group and role with its inline
policies and every customer-managed policy with its default version: no call per policy or principal.
AWS-managed policies (AmazonMSKFullAccess grants kafka:*) are not judged here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote

from mskctl.audit.aws.calls import AwsCalls
from mskctl.audit.model import LayerResult, Location
from mskctl.audit.properties import report

KAFKA_SERVICES = ("kafka-cluster", "kafka")
PRINCIPAL_LISTS = (("UserDetailList", "UserPolicyList", "user"), ("RoleDetailList", "RolePolicyList", "role"),
                   ("GroupDetailList", "GroupPolicyList", "group"))


@dataclass(frozen=True)
class PolicyInUse:
    location: Location
    document: dict[str, Any]
    attached_to: tuple[str, ...]  # "role/name", "user/name", "group/name"


def read_policies(calls: AwsCalls) -> list[PolicyInUse] | None:
    """Inline and attached customer-managed policies, or None when IAM is not readable (noted)."""
    iam = calls.client("iam")

    def everything() -> list[dict[str, Any]]:
        paginator = iam.get_paginator("get_account_authorization_details")
        return list(paginator.paginate(Filter=["User", "Role", "Group", "LocalManagedPolicy"]))

    pages = calls.optional("iam", "iam:GetAccountAuthorizationDetails", everything)
    if pages is None:
        return None
    found: list[PolicyInUse] = []
    attached: dict[str, list[str]] = {}
    for page in pages:
        for list_key, inline_key, kind in PRINCIPAL_LISTS:
            for principal in page.get(list_key, []):
                name = principal.get(f"{kind.capitalize()}Name", "")
                for managed in principal.get("AttachedManagedPolicies", []):
                    attached.setdefault(managed["PolicyArn"], []).append(f"{kind}/{name}")
                for inline in principal.get(inline_key, []):
                    where = Location(arn=principal["Arn"],
                                     name=f"{principal['Arn']}#inline-policy:{inline['PolicyName']}")
                    found.append(PolicyInUse(where, _document(inline["PolicyDocument"]), (f"{kind}/{name}",)))
    for page in pages:
        for policy in page.get("Policies", []):
            users = attached.get(policy["Arn"], [])
            if not users and not policy.get("AttachmentCount"):
                continue
            default = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
            if default is not None:
                name = policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1]  # moto leaves it out
                found.append(PolicyInUse(Location(arn=policy["Arn"], name=name),
                                         _document(default["Document"]), tuple(users)))
    return found


def _document(document: Any) -> dict[str, Any]:
    if isinstance(document, str):  # URL-encoded JSON when botocore leaves it undecoded
        return json.loads(unquote(document))
    return document


def check_policy(result: LayerResult, policy: PolicyInUse) -> None:
    result.checked.update({"iam-kafka-wildcard-action", "iam-kafka-wildcard-resource"})
    holders = f"attached to {', '.join(policy.attached_to)}" if policy.attached_to else "attached"
    for label, statement in _allow_statements(policy.document):
        actions, excluded = _strings(statement.get("Action")), _strings(statement.get("NotAction"))
        conditional = " with a Condition" if statement.get("Condition") else ""
        if "NotAction" in statement:
            grants_kafka = not any(_covers_service(a, "kafka-cluster") for a in excluded)
            wildcard = [f"every action but {', '.join(excluded)}"] if grants_kafka else []
        else:
            grants_kafka = any(_service_matches(a, "kafka-cluster") for a in actions)
            wildcard = [a for a in actions if any(_covers_service(a, s) for s in KAFKA_SERVICES)]
        if wildcard:
            report(result, "iam-kafka-wildcard-action", policy.location,
                   f"{label} allows {', '.join(wildcard)}{conditional} ({holders}).",
                   "Replace the wildcard with the kafka-cluster actions needed "
                   "(mskctl access generates least-privilege policies).")
        resources = _strings(statement.get("Resource"))
        every = ["NotResource " + ", ".join(_strings(statement["NotResource"]))] if "NotResource" in statement \
            else [r for r in resources if _all_resources(r)]
        if grants_kafka and every:
            report(result, "iam-kafka-wildcard-resource", policy.location,
                   f"{label} grants kafka-cluster actions on {', '.join(every)}{conditional} ({holders}).",
                   "Scope Resource to the cluster, topic and group ARNs "
                   "(arn:aws:kafka:<region>:<account>:topic/<cluster>/<uuid>/<topic>).")


def _allow_statements(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [(f"Statement {s.get('Sid') or f'#{i + 1}'}", s) for i, s in enumerate(statements)
            if isinstance(s, dict) and s.get("Effect") == "Allow"]


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _service_matches(action: str, service: str) -> bool:
    """The action pattern names at least one action of ``service`` (``*``, ``kafka-cluster:Read*``)."""
    if action == "*":
        return True
    prefix, _, _ = action.partition(":")
    return fnmatchcase(service, prefix.lower())


def _covers_service(action: str, service: str) -> bool:
    """The action pattern names every action of ``service`` (``*``, ``kafka-cluster:*``, ``kafka*:*``)."""
    if action == "*":
        return True
    prefix, _, name = action.partition(":")
    return fnmatchcase(service, prefix.lower()) and bool(name) and set(name) == {"*"}


def _all_resources(resource: str) -> bool:
    """``*``, or an ARN pattern that matches every resource of some service (``arn:aws:kafka:*:*:*``)."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[2] in ("*", "kafka") and set(parts[5]) == {"*"}
