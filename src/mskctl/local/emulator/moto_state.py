"""Everything that touches moto's in-memory backends lives here, so its internals stay in one place.

moto keeps state in the process that serves it: the emulator reads secrets and KMS
keys straight from those backends, saves them all on shutdown and loads them on
start, so what a user created (secrets, keys, IAM users, buckets) survives
``mskctl local down``/``up`` like the brokers' data does.
"""

from __future__ import annotations

import copyreg
import json
import logging
import os
import pickle
import secrets
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from moto.backends import get_backend
from moto.core.base_backend import BackendDict

from mskctl.local.emulator import network_state
from mskctl.local.spec import ClusterSpec

log = logging.getLogger(__name__)

ADMIN_USER = "mskctl-admin"
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


# ---- persistence ----------------------------------------------------------------------
def _load_private_key(der: bytes) -> Any:
    return serialization.load_der_private_key(der, password=None)


def _reduce_private_key(key: Any) -> tuple[Any, tuple[bytes]]:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _load_private_key, (der,)


def _register_key_pickling() -> None:
    # moto's KMS keys hold `cryptography` private keys, which do not pickle by themselves.
    samples = [
        rsa.generate_private_key(public_exponent=65537, key_size=1024),
        ec.generate_private_key(ec.SECP256R1()),
        ed25519.Ed25519PrivateKey.generate(),
    ]
    for sample in samples:
        copyreg.pickle(type(sample), _reduce_private_key)


def save(path: Path) -> int:
    """Pickle every moto backend holding data; returns how many services were saved."""
    _register_key_pickling()
    snapshot: dict[str, dict[str, dict[str, Any]]] = {}
    for backend_dict in list(BackendDict._instances):
        accounts = {acct: dict(regions) for acct, regions in backend_dict.items() if regions}
        if accounts:
            snapshot[backend_dict.service_name] = accounts
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(snapshot, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return len(snapshot)


def restore(path: Path) -> int:
    """Load what ``save`` wrote (a file only mskctl writes, mode 0600); returns services restored."""
    if not path.exists():
        return 0
    _register_key_pickling()
    try:
        with path.open("rb") as handle:
            snapshot = pickle.load(handle)
    except Exception as exc:  # noqa: BLE001 - a stale or foreign file must not stop the emulator
        log.warning("could not restore AWS state from %s (%s); starting empty", path, exc)
        return 0
    for service, accounts in snapshot.items():
        backend_dict = get_backend(service)
        for account, regions in accounts.items():
            account_backend = backend_dict[account]
            for region, backend in regions.items():
                dict.__setitem__(account_backend, region, backend)
    return len(snapshot)


# ---- the administrator identity -------------------------------------------------------
def iam_backend(spec: ClusterSpec) -> Any:
    return get_backend("iam")[spec.account_id]["aws"]


def ensure_admin(spec: ClusterSpec, credentials_file: Path) -> dict[str, str]:
    """An IAM user allowed everything, with the same keys across restarts."""
    iam = iam_backend(spec)
    stored = json.loads(credentials_file.read_text()) if credentials_file.exists() else None
    if ADMIN_USER not in iam.users:
        iam.create_user(spec.region, ADMIN_USER)
        iam.put_user_policy(ADMIN_USER, "AdministratorAccess", json.dumps(ADMIN_POLICY))
    user = iam.users[ADMIN_USER]
    if stored and any(k.access_key_id == stored["AccessKeyId"] for k in user.access_keys):
        return stored | {"Arn": user.arn}
    for key in list(user.access_keys):
        iam.delete_access_key(key.access_key_id, ADMIN_USER)
    key = iam.create_access_key(ADMIN_USER)
    if stored:
        # Keep the keys users already exported (`eval "$(mskctl local env)"`).
        iam.access_keys.pop(key.access_key_id, None)
        key.access_key_id, key.secret_access_key = stored["AccessKeyId"], stored["SecretAccessKey"]
        iam.access_keys[key.access_key_id] = key
    else:
        stored = {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key}
        fd = os.open(credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle)
    return stored | {"Arn": user.arn}


# ---- the cluster record in moto's Kafka backend ---------------------------------------
def ensure_cluster_record(spec: ClusterSpec) -> None:
    """Register the local cluster in moto's Kafka backend under MSK's ARN format.

    moto then answers the operations it already has (list_clusters, tags, cluster
    policies) for our cluster; the emulator answers the rest from the brokers.
    """
    kafka = get_backend("kafka")[spec.account_id][spec.region]
    if spec.arn in kafka.clusters:
        # Records saved before the network existed in EC2 name made-up subnets; moto lists these.
        kafka.clusters[spec.arn].broker_node_group_info = broker_node_group_info(spec)
        return
    arn, _, _ = kafka.create_cluster(
        broker_node_group_info=broker_node_group_info(spec),
        client_authentication=None,
        cluster_name=spec.name,
        kafka_version=spec.msk_kafka_version,
        number_of_broker_nodes=spec.brokers,
    )
    record = kafka.clusters.pop(arn)
    record.arn = spec.arn
    record.cluster_id = spec.cluster_uuid
    record.state = "ACTIVE"
    kafka.clusters[spec.arn] = record


def broker_node_group_info(spec: ClusterSpec) -> dict[str, Any]:
    """The brokers' subnets and security group as they exist in moto's EC2 backend."""
    return network_state.node_group_info(network_state.ensure_broker_network(spec))


def ensure_data_volume_key(spec: ClusterSpec) -> str:
    """A KMS key standing for the cluster's encryption-at-rest key (stable across restarts)."""
    kms = get_backend("kms")[spec.account_id][spec.region]
    alias = f"alias/mskctl/{spec.name}/data-volumes"
    key_id = kms.get_key_id_from_alias(alias)
    if key_id is None:
        key = kms.create_key(
            policy=None, key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT",
            description=f"Data volumes of the local MSK cluster {spec.name}", tags=None,
        )
        kms.create_alias(key.id, alias)
        key_id = key.id
    return kms.describe_key(key_id).arn


# ---- secrets and keys, as MSK's SCRAM association reads them --------------------------
def secret(spec: ClusterSpec, secret_id: str) -> Any:
    """The moto secret for an ARN or name (raises moto's SecretNotFoundException)."""
    return get_backend("secretsmanager")[spec.account_id][spec.region].describe_secret(secret_id)


def secret_string(spec: ClusterSpec, secret_id: str) -> str | None:
    backend = get_backend("secretsmanager")[spec.account_id][spec.region]
    value = backend.get_secret_value(secret_id, None, "AWSCURRENT")
    return value.get("SecretString")


def kms_key(spec: ClusterSpec, key_id: str) -> Any | None:
    """The moto KMS key for an id, ARN or alias, or None when there is no such key."""
    kms = get_backend("kms")[spec.account_id][spec.region]
    try:
        return kms.describe_key(key_id)
    except Exception:  # noqa: BLE001 - moto raises several types for unknown keys
        return None


def random_password(length: int = 32) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


# ---- IAM for the brokers' IAM plugin --------------------------------------------------
def identity_for_access_key(spec: ClusterSpec, access_key_id: str) -> dict[str, str] | None:
    """Whose access key this is (an IAM user's, or an unexpired STS session's), with its secret."""
    iam = iam_backend(spec)
    for user in iam.users.values():
        for key in user.access_keys:
            if key.access_key_id == access_key_id and key.status == "Active":
                return {"principalArn": user.arn, "secretAccessKey": key.secret_access_key}
    sts = get_backend("sts")[spec.account_id]["aws"]
    now = datetime.now(UTC).replace(tzinfo=None)
    for session in sts.assumed_roles:
        if session.access_key_id == access_key_id and session.expiration > now:
            # The plugin ends the Kafka session when these credentials expire, as MSK does.
            return {"principalArn": session.arn, "secretAccessKey": session.secret_access_key,
                    "sessionToken": session.session_token,
                    "expiration": session.expiration.replace(microsecond=0).isoformat() + "Z"}
    return None


def _documents(holder: Any) -> list[str]:
    """Inline and attached managed policy documents of a user, group or role."""
    docs = [doc if isinstance(doc, str) else json.dumps(doc) for doc in holder.policies.values()]
    for managed in holder.managed_policies.values():
        docs += [v.document for v in managed.versions if v.version_id == managed.default_version_id]
    return docs


def _managed_document(iam: Any, policy_arn: str | None) -> str | None:
    """The default version of a managed policy (a permissions boundary), or None."""
    if not policy_arn:
        return None
    managed = iam.managed_policies.get(policy_arn)
    if managed is None:
        # A boundary naming a policy that does not exist allows nothing (fail closed).
        return json.dumps({"Version": "2012-10-17", "Statement": []})
    return next((v.document for v in managed.versions if v.version_id == managed.default_version_id), None)


def _tags(holder: Any) -> dict[str, str]:
    """moto keeps IAM tags as {key: {"Key", "Value"}}; the plugin wants {key: value}."""
    tags = getattr(holder, "tags", None) or {}
    if isinstance(tags, dict):
        return {k: (v.get("Value", "") if isinstance(v, dict) else str(v)) for k, v in tags.items()}
    return {t["Key"]: t.get("Value", "") for t in tags if isinstance(t, dict) and "Key" in t}


def policies_for_principal(spec: ClusterSpec, principal_arn: str) -> dict[str, Any] | None:
    """What IAM evaluates for a user or an assumed-role session on this cluster.

    Identity policies (a user's with its groups', or the role's), the permissions boundary (users'
    through moto_fixes), the session's policies, the cluster policy, the cluster's tags
    (aws:ResourceTag), the principal's tags (aws:PrincipalTag) and, for sessions, the role's ARN.
    """
    iam = iam_backend(spec)
    resource = principal_arn.split(":", 5)[-1]
    documents: list[str] | None = None
    boundary: str | None = None
    session_policies: list[str] = []
    principal_tags: dict[str, str] = {}
    role_arn: str | None = None
    if resource.startswith("user/"):
        user = next((u for u in iam.users.values() if u.arn == principal_arn), None)
        if user is not None:
            documents = _documents(user)
            for group in iam.get_groups_for_user(user.name):
                documents += _documents(group)
            boundary = _managed_document(iam, getattr(user, "permissions_boundary_arn", None))
            principal_tags = _tags(user)
    elif resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1]
        role = next((r for r in iam.roles.values() if r.name == role_name), None)
        if role is not None:
            documents = _documents(role)
            boundary = _managed_document(iam, role.permissions_boundary_arn)
            principal_tags = _tags(role)
            role_arn = role.arn
            session_policies = _session_policies(spec, principal_arn)
    if documents is None:
        return None
    kafka = get_backend("kafka")[spec.account_id][spec.region]
    cluster_policy = kafka.policies.get(spec.arn, {}).get("policy") or None
    return {"identityPolicies": documents, "clusterPolicy": cluster_policy, "permissionsBoundary": boundary,
            "sessionPolicies": session_policies, "clusterTags": kafka.list_tags_for_resource(spec.arn),
            "principalTags": principal_tags, "roleArn": role_arn}


def _session_policies(spec: ClusterSpec, session_arn: str) -> list[str]:
    """The session policies (AssumeRole's Policy and PolicyArns) of the newest live session with this ARN.

    Kafka names a principal by its ARN only, so two live sessions with one ARN share the newest
    one's session policies. PolicyArns are kept by moto_fixes (moto drops them).
    """
    sts = get_backend("sts")[spec.account_id]["aws"]
    now = datetime.now(UTC).replace(tzinfo=None)
    live = [s for s in sts.assumed_roles if s.arn == session_arn and s.expiration > now]
    if not live:
        return []
    newest = max(live, key=lambda s: s.expiration)
    iam = iam_backend(spec)
    managed = [_managed_document(iam, arn) for arn in getattr(newest, "policy_arns", [])]
    return ([newest.policy] if newest.policy else []) + [doc for doc in managed if doc]
