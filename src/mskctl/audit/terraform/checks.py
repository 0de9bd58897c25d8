"""Which check reads which resource type; runs them over every resource found."""

from __future__ import annotations

from collections.abc import Callable

from mskctl.audit.terraform import check_access as access
from mskctl.audit.terraform import check_msk as msk
from mskctl.audit.terraform.findings import Context, Findings
from mskctl.audit.terraform.nodes import Node

Check = Callable[[Node, Context, Findings], None]

CHECKS: dict[tuple[str, str], Check] = {
    ("managed", "aws_msk_cluster"): msk.check_cluster,
    ("managed", "aws_msk_serverless_cluster"): msk.check_serverless_cluster,
    ("managed", "aws_msk_configuration"): msk.check_configuration,
    ("managed", "aws_mskconnect_connector"): msk.check_connector,
    ("managed", "aws_kms_key"): access.check_kms_key,
    ("managed", "aws_security_group"): access.check_security_group,
    ("managed", "aws_security_group_rule"): access.check_security_group_rule,
    ("managed", "aws_vpc_security_group_ingress_rule"): access.check_ingress_rule,
    ("managed", "aws_secretsmanager_secret"): access.check_secret,
    ("managed", "aws_secretsmanager_secret_version"): access.check_secret_version,
    ("managed", "aws_iam_policy"): access.check_policy,
    ("managed", "aws_iam_role_policy"): access.check_policy,
    ("managed", "aws_iam_user_policy"): access.check_policy,
    ("managed", "aws_iam_group_policy"): access.check_policy,
    ("data", "aws_iam_policy_document"): access.check_policy_document,
}


def run_checks(nodes: list[Node], findings: Findings) -> None:
    context = access.scram_context(nodes)
    context.configurations = msk.configurations(nodes)
    for node in nodes:
        check = CHECKS.get((node.mode, node.type))
        if check is not None:
            check(node, context, findings)
