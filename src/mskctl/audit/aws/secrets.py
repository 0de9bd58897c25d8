"""SCRAM secrets: the ones associated with a cluster, and the ones ``mskctl access`` made for it.

MSK refuses to associate a secret whose name lacks AmazonMSK_ or that uses the default Secrets Manager
key, so such secrets are found through the ``mskctl:access`` tag (value ``<cluster name>/<spec>``)
rather than through the association.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from mskctl.access.desired import SECRET_TAG
from mskctl.audit.aws.calls import AwsCalls
from mskctl.audit.aws.kms import KeyFacts, KeyReader, is_default_secrets_key
from mskctl.audit.model import LayerResult, Location
from mskctl.audit.properties import report

SECRET_PREFIX = "AmazonMSK_"
ROTATION_AGE = timedelta(days=90)


@dataclass
class ScramSecret:
    description: dict[str, Any]  # describe_secret's (or list_secrets') answer
    clusters: set[str] = field(default_factory=set)  # names of the clusters it belongs to
    associated: bool = False


def read_scram_secrets(calls: AwsCalls, clusters: dict[str, dict[str, Any]]) -> dict[str, ScramSecret]:
    """Secrets by ARN. ``clusters``: cluster ARN -> describe_cluster_v2's ClusterInfo."""
    found: dict[str, ScramSecret] = {}
    names = {info["ClusterName"]: arn for arn, info in clusters.items()}
    tagged = calls.required("secretsmanager:ListSecrets", lambda: calls.pages(
        "secretsmanager", "list_secrets", "SecretList", Filters=[{"Key": "tag-key", "Values": [SECRET_TAG]}]))
    for secret in tagged:
        owner = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}.get(SECRET_TAG, "")
        cluster = owner.split("/", 1)[0]
        if cluster in names:
            found.setdefault(secret["ARN"], ScramSecret(secret)).clusters.add(cluster)

    for arn, info in clusters.items():
        if not _scram_enabled(info):
            continue
        associated = calls.required("kafka:ListScramSecrets", lambda a=arn: calls.pages(
            "kafka", "list_scram_secrets", "SecretArnList", ClusterArn=a))
        for secret_arn in associated:
            if secret_arn not in found:
                described = _describe(calls, secret_arn)
                if described is None:
                    continue
                found[secret_arn] = ScramSecret(described)
            found[secret_arn].clusters.add(info["ClusterName"])
            found[secret_arn].associated = True
    return found


def _scram_enabled(info: dict[str, Any]) -> bool:
    auth = (info.get("Provisioned") or {}).get("ClientAuthentication") or {}
    return bool(((auth.get("Sasl") or {}).get("Scram") or {}).get("Enabled"))


def _describe(calls: AwsCalls, secret_arn: str) -> dict[str, Any] | None:
    secrets = calls.client("secretsmanager")

    def describe() -> dict[str, Any] | None:
        try:
            return secrets.describe_secret(SecretId=secret_arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            calls.note(f"SCRAM secret {secret_arn}: associated but does not exist")
            return None

    return calls.required("secretsmanager:DescribeSecret", describe)


def check_secret(result: LayerResult, secret: ScramSecret, key: KeyFacts | None,
                 now: datetime | None = None) -> None:
    """``key``: KMS facts of the secret's own key (None when it uses the default key)."""
    info = secret.description
    where = Location(arn=info["ARN"], name=info["Name"])
    how = "associated with" if secret.associated else "made by mskctl access for"
    used = f"{how} {', '.join(sorted(secret.clusters))}"

    result.checked.add("scram-secret-name")
    if not info["Name"].startswith(SECRET_PREFIX):
        report(result, "scram-secret-name", where,
               f"Secret name {info['Name']!r} does not start with {SECRET_PREFIX} ({used}); "
               "MSK refuses to associate it.",
               f"Create it as {SECRET_PREFIX}{info['Name']} (aws_secretsmanager_secret.name), move the value, "
               "associate that one (kafka batch_associate_scram_secret) and delete this one.")

    kms_key = info.get("KmsKeyId")
    if is_default_secrets_key(kms_key) or (key is not None and key.manager == "AWS"):
        result.checked.add("scram-secret-default-key")
        default = is_default_secrets_key(kms_key)
        shown = "the default aws/secretsmanager key" if default else f"AWS-managed key {kms_key}"
        report(result, "scram-secret-default-key", where, f"Encrypted with {shown} ({used}).",
               "Set kms_key_id to a customer-managed aws_kms_key "
               "(secretsmanager update_secret --kms-key-id, then put_secret_value to re-encrypt).")
    elif key is not None and key.manager is not None:
        result.checked.add("scram-secret-default-key")

    result.checked.add("scram-secret-not-rotated")
    if not info.get("RotationEnabled"):
        changed = [d for d in (info.get("LastRotatedDate"), info.get("LastChangedDate")) if d is not None]
        last = max(changed) if changed else None
        now = now or datetime.now(UTC)
        if last is None or now - _aware(last) > ROTATION_AGE:
            when = "never changed" if last is None else f"last changed {_aware(last).date().isoformat()}"
            report(result, "scram-secret-not-rotated", where,
                   f"No rotation schedule and {when} (over {ROTATION_AGE.days} days) ({used}).",
                   "Rotate it now (mskctl access rotate-scram) and schedule rotation "
                   "(aws_secretsmanager_secret_rotation, or secretsmanager rotate_secret).")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def secret_key(keys: KeyReader, secret: ScramSecret) -> KeyFacts | None:
    kms_key = secret.description.get("KmsKeyId")
    return None if is_default_secrets_key(kms_key) else keys.facts(kms_key)
