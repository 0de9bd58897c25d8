"""Where moto answers differently from AWS in ways mskctl relies on, the AWS behaviour, applied at start.

Each fix names what moto does and what AWS does; remove it when moto does the same.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.responses import IamResponse
from moto.kms.models import KmsBackend
from moto.sts.responses import TokenResponse


def _list_entities_for_policy(self: Any) -> ActionResult:
    # moto scans only the first 100 users and roles (its default page of ListUsers/ListRoles); AWS
    # reports every user, role and group the policy is attached to.
    policy_arn = self._get_param("PolicyArn")
    entity = self._get_param("EntityFilter")
    prefix = self._get_param("PathPrefix") or "/"

    def attached(items: Any) -> list[Any]:
        return [i for i in items if policy_arn in i.managed_policies and i.path.startswith(prefix)]

    result = {
        "PolicyUsers": attached(self.backend.users.values()) if entity in (None, "User") else [],
        "PolicyRoles": attached(self.backend.roles.values()) if entity in (None, "Role") else [],
        "PolicyGroups": attached(self.backend.groups.values()) if entity in (None, "Group") else [],
        "IsTruncated": False,
    }
    return ActionResult(result)


_generate_default_keys = KmsBackend._generate_default_keys


def _aws_managed_default_keys(self: Any, alias_name: str) -> str | None:
    # moto creates the key behind an aws/ alias (aws/secretsmanager, aws/kafka ...) on first use, as a
    # CUSTOMER key that does not rotate; in AWS it is an AWS-managed key (KeyManager AWS), rotated yearly.
    key_id = _generate_default_keys(self, alias_name)
    if key_id is not None:
        self.keys[key_id].key_manager = "AWS"
        self.keys[key_id].key_rotation_status = True
    return key_id


_assume_role = TokenResponse.assume_role


def _assume_role_keeping_policy_arns(self: Any) -> ActionResult:
    # moto drops AssumeRole's PolicyArns (managed session policies); AWS applies them to the session,
    # so the local MSK's IAM plugin needs them (moto_state.policies_for_principal reads policy_arns).
    arns = [item["arn"] for item in self._get_param("PolicyArns") or [] if isinstance(item, dict) and "arn" in item]
    before = len(self.backend.assumed_roles)
    result = _assume_role(self)
    for session in self.backend.assumed_roles[before:]:
        session.policy_arns = arns
    return result


_create_user = IamResponse.create_user


def _create_user_with_boundary(self: Any) -> ActionResult:
    # moto ignores CreateUser's PermissionsBoundary and has no Put/DeleteUserPermissionsBoundary;
    # AWS keeps a user's boundary, and IAM (so the local MSK's IAM plugin) applies it.
    result = _create_user(self)
    boundary = self._get_param("PermissionsBoundary")
    if boundary:
        self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = boundary
    return result


def _put_user_permissions_boundary(self: Any) -> ActionResult:
    user = self.backend.get_user(self._get_param("UserName"))
    user.permissions_boundary_arn = self._get_param("PermissionsBoundary")
    return EmptyResult()


def _delete_user_permissions_boundary(self: Any) -> ActionResult:
    self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = None
    return EmptyResult()


def apply() -> None:
    TokenResponse.assume_role = _assume_role_keeping_policy_arns
    IamResponse.create_user = _create_user_with_boundary
    IamResponse.put_user_permissions_boundary = _put_user_permissions_boundary
    IamResponse.delete_user_permissions_boundary = _delete_user_permissions_boundary
    IamResponse.list_entities_for_policy = _list_entities_for_policy
    KmsBackend._generate_default_keys = _aws_managed_default_keys
