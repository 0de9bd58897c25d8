"""Where a spec is applied: the connection, the AWS clients, the cluster ARN, and who is running mskctl."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from mskctl.access.desired import Desired, desired_state
from mskctl.access.live import Live, aws_call, read_iam, read_kafka, read_scram
from mskctl.access.loader import LoadedSpec
from mskctl.access.permissions import ClusterArn
from mskctl.access.plan import Action, Change, Kind, Plan, make_plan
from mskctl.clients.connection import Connection
from mskctl.config.discovery import aws_client
from mskctl.config.settings import AuthMode


@dataclass(frozen=True)
class Identity:
    """Who runs mskctl, as Kafka ACLs and IAM see it (either may be unknown)."""

    kafka_principal: str | None
    iam_arn: str | None

    def __str__(self) -> str:
        return self.kafka_principal or self.iam_arn or "an unidentified client"


class AccessContext:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.settings = conn.settings
        self._clients: dict[str, Any] = {}
        self._admin: Any = None

    def aws(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = aws_client(self.settings, service)
        return self._clients[service]

    @property
    def admin(self) -> Any:
        if self._admin is None:
            self._admin = self.conn.admin()
        return self._admin

    @property
    def cluster_arn(self) -> str | None:
        return self.settings.cluster_arn

    @property
    def cluster_name(self) -> str:
        if self.cluster_arn:
            return ClusterArn.parse(self.cluster_arn).name
        return self.settings.cluster_name or "cluster"

    def identity(self) -> Identity:
        mode = self.conn.mode
        if mode is AuthMode.scram and self.conn.scram_user:
            return Identity(f"User:{self.conn.scram_user}", None)
        if mode is AuthMode.mtls and self.settings.tls_client_cert:
            cert = x509.load_pem_x509_certificate(Path(self.settings.tls_client_cert).read_bytes())
            return Identity(f"User:{cert.subject.rfc4514_string()}", None)
        if mode is AuthMode.iam:
            arn = aws_call("identify the caller", self.aws("sts").get_caller_identity)["Arn"]
            return Identity(None, _principal_arn(arn))
        return Identity(None, None)


def _principal_arn(caller_arn: str) -> str:
    """An assumed-role session ARN as its role's ARN (what policies are attached to)."""
    prefix, _, resource = caller_arn.partition(":assumed-role/")
    if not resource:
        return caller_arn
    return prefix.replace(":sts::", ":iam::") + ":role/" + resource.split("/")[0]


def plan_spec(loaded: LoadedSpec, environment: str | None, ctx: AccessContext) -> tuple[Desired, Plan]:
    desired = desired_state(loaded.spec, environment, ctx.cluster_arn)
    live = Live()
    read_kafka(ctx.admin, desired, live)
    if ctx.cluster_arn:  # IAM policies and SCRAM secrets are found through the cluster's ARN
        read_iam(ctx.aws("iam"), desired, live)
        read_scram(ctx.aws("kafka"), ctx.aws("secretsmanager"), ctx.aws("kms"), ctx.cluster_arn, desired, live)
    return desired, make_plan(desired, live, ctx.cluster_arn, ctx.cluster_name)


def revocations(plan: Plan, identity: Identity) -> list[Change]:
    """Changes that would take access away from the identity running apply."""
    return [c for c in plan.changes if _revokes(c, identity)]


def _revokes(change: Change, identity: Identity) -> bool:
    me = identity.kafka_principal
    my_name = identity.iam_arn.rsplit("/", 1)[-1] if identity.iam_arn else None
    deleting = change.action is Action.delete
    if change.kind is Kind.acl:
        return deleting and me is not None and change.detail.get("principal") == me
    if change.kind in (Kind.scram_association, Kind.scram_secret):
        return deleting and me is not None and me == f"User:{change.detail.get('user', _user_of(change.target))}"
    if change.kind is Kind.iam_policy and identity.iam_arn:
        if change.action is Action.update:
            return change.detail.get("principalArn") == identity.iam_arn and bool(change.detail.get("removed"))
        return deleting and any(name == my_name for _, name in change.detail.get("attached", []))
    if change.kind is Kind.iam_attachment:
        return deleting and my_name is not None and change.detail.get("name") == my_name
    return False


def _user_of(secret_name: str) -> str:
    return secret_name.removeprefix("AmazonMSK_")
