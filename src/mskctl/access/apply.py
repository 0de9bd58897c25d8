"""Execute a plan in dependency order, batched; stop at the first failure and say what was done."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)

from mskctl.access.context import AccessContext
from mskctl.access.desired import SECRET_TAG
from mskctl.access.live import aws_call, chunks, kafka_call, read_acls
from mskctl.access.permissions import Acl
from mskctl.access.plan import Action, Change, Kind, Plan
from mskctl.errors import MskctlError

KAFKA_BATCH = 250
ACL_BATCH = 1000
ASSOCIATE_BATCH = 10  # MSK's limit per BatchAssociateScramSecret call
IAM_POLICY_VERSIONS = 5  # IAM keeps at most five versions of a managed policy

# Creations and updates first (keys before secrets before associations), deletions last.
STEPS: list[tuple[Kind, Action]] = [
    (Kind.kms_key, Action.create), (Kind.scram_secret, Action.create), (Kind.scram_association, Action.create),
    (Kind.topic, Action.create), (Kind.topic_config, Action.update), (Kind.partitions, Action.update),
    (Kind.acl, Action.create), (Kind.iam_policy, Action.create), (Kind.iam_policy, Action.update),
    (Kind.iam_attachment, Action.create),
    (Kind.acl, Action.delete), (Kind.iam_attachment, Action.delete), (Kind.iam_policy, Action.delete),
    (Kind.scram_association, Action.delete), (Kind.scram_secret, Action.delete), (Kind.topic, Action.delete),
]


@dataclass
class ApplyResult:
    done: list[Change] = field(default_factory=list)
    skipped: list[tuple[Change, str]] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=lambda: {"kafka": 0, "aws": 0})
    seconds: float = 0.0
    converged_after: float = 0.0  # seconds the brokers took to show every change


class ApplyFailed(MskctlError):
    def __init__(self, error: MskctlError, result: ApplyResult) -> None:
        super().__init__(error.message, error.hint)
        self.result = result


def apply_plan(plan: Plan, ctx: AccessContext, *, allow_delete: bool,
               progress: Callable[[int], None] = lambda n: None, converge_timeout: float = 300.0) -> ApplyResult:
    result = ApplyResult()
    started = time.monotonic()
    runner = _Runner(ctx, result, progress)
    for change in plan.of(Action.impossible):
        result.skipped.append((change, "impossible: " + change.summary))
    try:
        for kind, action in STEPS:
            changes = [c for c in plan.changes if c.kind is kind and c.action is action]
            if not changes:
                continue
            if action is Action.delete and not allow_delete:
                result.skipped += [(c, "deletion needs --allow-delete") for c in changes]
                progress(len(changes))
                continue
            runner.run(kind, action, changes)
        # The controller has committed everything; brokers apply it to their metadata later (seconds for
        # thousands of partitions). Done means every broker answer shows it, so the next plan is clean.
        converging = time.monotonic()
        wait_until_visible(ctx, result.done, converge_timeout)
        result.converged_after = time.monotonic() - converging
    except MskctlError as exc:
        result.seconds = time.monotonic() - started
        raise ApplyFailed(exc, result) from None
    result.seconds = time.monotonic() - started
    return result


def wait_until_visible(ctx: AccessContext, done: list[Change], timeout: float) -> None:
    """Poll topics, partitions, configs and ACLs until two reads in a row show every applied change."""
    topics = {c.target: c for c in done if c.kind in (Kind.topic, Kind.partitions)}
    configs = [c for c in done if c.kind is Kind.topic_config]
    acls = [c for c in done if c.kind is Kind.acl]
    if not (topics or configs or acls):
        return
    deadline = time.monotonic() + timeout
    streak = 0
    while streak < 2:
        if time.monotonic() > deadline:
            raise MskctlError(f"The changes were made, but the brokers did not all show them within {timeout:.0f} s.",
                              hint="Run `mskctl plan` again in a while; the cluster may be overloaded.")
        visible = _topics_visible(ctx, topics) and _configs_visible(ctx, configs) and _acls_visible(ctx, acls)
        streak = streak + 1 if visible else 0
        if streak < 2:
            time.sleep(0.5)


def _topics_visible(ctx: AccessContext, topics: dict[str, Change]) -> bool:
    if not topics:
        return True
    metadata = ctx.admin.list_topics(timeout=30).topics
    for name, change in topics.items():
        found = metadata.get(name)
        present = found is not None and found.error is None
        if present == (change.action is Action.delete):
            return False
        if change.kind is Kind.partitions and len(found.partitions) < change.detail["to"]:
            return False
    return True


def _configs_visible(ctx: AccessContext, changes: list[Change]) -> bool:
    if not changes:
        return True
    resources = [ConfigResource(ResourceType.TOPIC, c.target) for c in changes]
    futures = ctx.admin.describe_configs(resources, request_timeout=60)
    for change, resource in zip(changes, resources, strict=True):
        entries = kafka_call(f"describe configs of {change.target}", lambda r=resource: futures[r])
        if any(entries[k].value != v for k, v in change.detail["set"].items() if k in entries):
            return False
        if any(k in entries and not entries[k].is_default for k in change.detail["reset"]):
            return False
    return True


def _acls_visible(ctx: AccessContext, changes: list[Change]) -> bool:
    if not changes:
        return True
    live = read_acls(ctx.admin)
    return all((Acl(**change.detail) in live) == (change.action is Action.create) for change in changes)


class _Runner:
    def __init__(self, ctx: AccessContext, result: ApplyResult, progress: Callable[[int], None]) -> None:
        self.ctx = ctx
        self.result = result
        self.progress = progress
        self.secret_arns: dict[str, str] = {}

    def run(self, kind: Kind, action: Action, changes: list[Change]) -> None:
        handler = getattr(self, f"{kind.name}_{action.value}")
        handler(changes)

    def _done(self, changes: list[Change], service: str, requests: int = 1) -> None:
        self.result.done += changes
        self.result.requests[service] += requests
        self.progress(len(changes))

    def _aws(self, what: str, service: str, method: str, **kwargs: Any) -> Any:
        self.result.requests["aws"] += 1
        return aws_call(what, getattr(self.ctx.aws(service), method), **kwargs)

    def _futures(self, what: str, futures: dict[Any, Any]) -> None:
        for key, future in futures.items():
            kafka_call(f"{what} {getattr(key, 'name', key)}", lambda f=future: f)

    # ---- SCRAM ---------------------------------------------------------------------
    def kms_key_create(self, changes: list[Change]) -> None:
        for change in changes:
            key = self._aws("create a KMS key", "kms", "create_key",
                            Description=f"MSK SCRAM secrets of {change.detail['cluster']} (mskctl)",
                            Tags=[{"TagKey": SECRET_TAG, "TagValue": change.detail["cluster"]}])["KeyMetadata"]
            self._aws("turn on key rotation", "kms", "enable_key_rotation", KeyId=key["KeyId"])
            self._aws(f"create alias {change.target}", "kms", "create_alias", AliasName=change.target,
                      TargetKeyId=key["KeyId"])
            self._done([change], "aws", 0)

    def scram_secret_create(self, changes: list[Change]) -> None:
        for change in changes:
            # Secrets Manager generates the password: it never passes through the spec or the output.
            password = self._aws("generate a password", "secretsmanager", "get_random_password",
                                 PasswordLength=32, ExcludePunctuation=True)["RandomPassword"]
            created = self._aws(f"create secret {change.target}", "secretsmanager", "create_secret",
                                Name=change.target, KmsKeyId=change.detail["kmsKey"],
                                Description=f"MSK SCRAM credentials of {change.detail['user']} (mskctl access)",
                                SecretString=json.dumps({"username": change.detail["user"], "password": password}),
                                Tags=[{"Key": SECRET_TAG, "Value": change.detail["owner"]}])
            self.secret_arns[change.target] = created["ARN"]
            self._done([change], "aws", 0)

    def scram_association_create(self, changes: list[Change]) -> None:
        for batch in chunks(changes, ASSOCIATE_BATCH):
            arns = [c.detail.get("arn") or self.secret_arns[c.target] for c in batch]
            response = self._aws("associate SCRAM secrets", "kafka", "batch_associate_scram_secret",
                                 ClusterArn=self.ctx.cluster_arn, SecretArnList=arns)
            self._unprocessed(response, "associate")
            self._done(batch, "aws", 0)

    def scram_association_delete(self, changes: list[Change]) -> None:
        for batch in chunks(changes, ASSOCIATE_BATCH):
            response = self._aws("disassociate SCRAM secrets", "kafka", "batch_disassociate_scram_secret",
                                 ClusterArn=self.ctx.cluster_arn, SecretArnList=[c.detail["arn"] for c in batch])
            self._unprocessed(response, "disassociate")
            self._done(batch, "aws", 0)

    @staticmethod
    def _unprocessed(response: dict, verb: str) -> None:
        failed = response.get("UnprocessedScramSecrets") or []
        if failed:
            first = failed[0]
            raise MskctlError(f"MSK would not {verb} {first.get('SecretArn')}: {first.get('ErrorCode')}: "
                              f"{first.get('ErrorMessage')}",
                              hint="MSK needs the AmazonMSK_ name and a customer-managed KMS key it may use.")

    def scram_secret_delete(self, changes: list[Change]) -> None:
        for change in changes:
            self._aws(f"delete secret {change.target}", "secretsmanager", "delete_secret",
                      SecretId=change.detail["arn"], RecoveryWindowInDays=7)
            self._done([change], "aws", 0)

    # ---- topics --------------------------------------------------------------------
    def topic_create(self, changes: list[Change]) -> None:
        for batch in chunks(changes, KAFKA_BATCH):
            new = [NewTopic(c.target, c.detail["partitions"] or -1, c.detail["replicationFactor"] or -1,
                            config=c.detail["configs"]) for c in batch]
            self._futures("create topic", self.ctx.admin.create_topics(new, request_timeout=120))
            self._done(batch, "kafka")

    def topic_config_update(self, changes: list[Change]) -> None:
        for batch in chunks(changes, KAFKA_BATCH):
            resources = []
            for change in batch:
                entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET)
                           for k, v in change.detail["set"].items()]
                entries += [ConfigEntry(k, None, incremental_operation=AlterConfigOpType.DELETE)
                            for k in change.detail["reset"]]
                resources.append(ConfigResource(ResourceType.TOPIC, change.target, incremental_configs=entries))
            self._futures("alter configs of", self.ctx.admin.incremental_alter_configs(resources, request_timeout=60))
            self._done(batch, "kafka")

    def partitions_update(self, changes: list[Change]) -> None:
        for batch in chunks(changes, KAFKA_BATCH):
            new = [NewPartitions(c.target, c.detail["to"]) for c in batch]
            self._futures("add partitions to", self.ctx.admin.create_partitions(new, request_timeout=60))
            self._done(batch, "kafka")

    def topic_delete(self, changes: list[Change]) -> None:
        for batch in chunks(changes, KAFKA_BATCH):
            self._futures("delete topic", self.ctx.admin.delete_topics([c.target for c in batch],
                                                                       request_timeout=120))
            self._done(batch, "kafka")

    # ---- ACLs ----------------------------------------------------------------------
    def acl_create(self, changes: list[Change]) -> None:
        for batch in chunks(changes, ACL_BATCH):
            bindings = [AclBinding(*_acl_args(c.detail)) for c in batch]
            self._futures("create ACL", self.ctx.admin.create_acls(bindings, request_timeout=60))
            self._done(batch, "kafka")

    def acl_delete(self, changes: list[Change]) -> None:
        for batch in chunks(changes, ACL_BATCH):
            filters = [AclBindingFilter(*_acl_args(c.detail)) for c in batch]
            self._futures("delete ACL", self.ctx.admin.delete_acls(filters, request_timeout=60))
            self._done(batch, "kafka")

    # ---- IAM -----------------------------------------------------------------------
    def iam_policy_create(self, changes: list[Change]) -> None:
        for change in changes:
            self._aws(f"create IAM policy {change.target}", "iam", "create_policy", PolicyName=change.target,
                      Path=change.detail["path"], PolicyDocument=json.dumps(change.detail["document"]),
                      Description=f"Kafka access of {change.detail['principal']} on {self.ctx.cluster_name} "
                      "(mskctl access)")
            self._done([change], "aws", 0)

    def iam_policy_update(self, changes: list[Change]) -> None:
        for change in changes:
            old_versions = change.detail["versions"]
            if len(old_versions) >= IAM_POLICY_VERSIONS - 1:  # make room: drop the oldest non-default version
                oldest = sorted(old_versions, key=lambda v: int(v.lstrip("v")))[0]
                self._aws("delete an old policy version", "iam", "delete_policy_version",
                          PolicyArn=change.detail["arn"], VersionId=oldest)
            self._aws(f"update IAM policy {change.target}", "iam", "create_policy_version",
                      PolicyArn=change.detail["arn"], PolicyDocument=json.dumps(change.detail["document"]),
                      SetAsDefault=True)
            self._done([change], "aws", 0)

    def iam_attachment_create(self, changes: list[Change]) -> None:
        for change in changes:
            arn = change.detail.get("arn") or self._policy_arn(change.target.split(" -> ")[0],
                                                              change.detail["path"])
            self._attach("attach", change.detail["kind"], change.detail["name"], arn)
            self._done([change], "aws", 0)

    def iam_attachment_delete(self, changes: list[Change]) -> None:
        for change in changes:
            self._attach("detach", change.detail["kind"], change.detail["name"], change.detail["arn"])
            self._done([change], "aws", 0)

    def iam_policy_delete(self, changes: list[Change]) -> None:
        for change in changes:
            arn = change.detail["arn"]
            for kind, name in change.detail["attached"]:
                self._attach("detach", kind, name, arn)
            for version in change.detail["versions"]:
                self._aws("delete a policy version", "iam", "delete_policy_version", PolicyArn=arn, VersionId=version)
            self._aws(f"delete IAM policy {change.target}", "iam", "delete_policy", PolicyArn=arn)
            self._done([change], "aws", 0)

    def _attach(self, verb: str, kind: str, name: str, arn: str) -> None:
        method = f"{verb}_{kind}_policy"
        argument = {"RoleName": name} if kind == "role" else {"UserName": name}
        self._aws(f"{verb} {arn} ({kind} {name})", "iam", method, PolicyArn=arn, **argument)

    def _policy_arn(self, name: str, path: str) -> str:
        account = self.ctx.cluster_arn.split(":")[4] if self.ctx.cluster_arn else ""
        partition = self.ctx.cluster_arn.split(":")[1] if self.ctx.cluster_arn else "aws"
        return f"arn:{partition}:iam::{account}:policy{path}{name}"


def _acl_args(detail: dict[str, Any]) -> tuple[Any, ...]:
    return (ResourceType[detail["resource_type"]], detail["resource_name"],
            ResourcePatternType[detail["pattern_type"]], detail["principal"], detail["host"],
            AclOperation[detail["operation"]], AclPermissionType[detail["permission"]])
