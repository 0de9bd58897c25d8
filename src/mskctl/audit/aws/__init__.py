"""The AWS layer of ``mskctl audit``: the deployed MSK configuration, read through the AWS API.

For each cluster (all of the region's, or the ARNs given): encryption, authentication, public access,
logging, monitoring, Kafka version, the data-volume KMS key, the configuration's server properties
(MSK's defaults where it sets none) and the brokers' security groups. Then the SCRAM secrets of those
clusters, the account's IAM policies in use, CloudTrail and MSK Connect.

Permissions: kafka:ListClustersV2, DescribeClusterV2, DescribeConfigurationRevision, ListScramSecrets,
ec2:DescribeSecurityGroups, secretsmanager:ListSecrets and DescribeSecret are required (AccessDenied
stops the audit, exit 2, naming the action). IAM (iam:GetAccountAuthorizationDetails), CloudTrail,
MSK Connect, KMS key metadata and kafka:ListKafkaVersions are optional: without them a note in
``scanned`` says "<part>: not checked (...)" and their rules are not marked checked.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mskctl.access.live import AWS_THREADS
from mskctl.audit.aws import cluster as aws_cluster
from mskctl.audit.aws import connect as aws_connect
from mskctl.audit.aws import iam as aws_iam
from mskctl.audit.aws import network as aws_network
from mskctl.audit.aws import secrets as aws_secrets
from mskctl.audit.aws import trail as aws_trail
from mskctl.audit.aws.calls import AwsCalls
from mskctl.audit.aws.kms import KeyReader
from mskctl.audit.model import Layer, LayerResult, Location
from mskctl.audit.properties import PROPERTY_RULES, msk_defaults
from mskctl.local.broker_config import parse_properties

ALLOW_EVERYONE = "allow.everyone.if.no.acl.found"


def audit_aws(settings: Any, cluster_arns: list[str] | None = None) -> LayerResult:
    """Audit the clusters ``cluster_arns`` (default: every cluster in the settings' region)."""
    result = LayerResult(Layer.aws)
    calls = AwsCalls(settings, result)
    kafka = calls.client("kafka")
    region = kafka.meta.region_name
    arns = list(dict.fromkeys(cluster_arns)) if cluster_arns else [
        c["ClusterArn"] for c in calls.required("kafka:ListClustersV2", lambda: calls.pages(
            "kafka", "list_clusters_v2", "ClusterInfoList"))]
    with ThreadPoolExecutor(AWS_THREADS) as pool:
        infos = list(pool.map(lambda arn: calls.required("kafka:DescribeClusterV2", lambda: kafka.describe_cluster_v2(
            ClusterArn=arn)["ClusterInfo"]), arns))
    clusters = dict(zip(arns, infos, strict=True))
    result.scanned += [f"cluster {info['ClusterName']} ({arn})" for arn, info in clusters.items()]

    keys = KeyReader(calls)
    deprecated = _deprecated_versions(calls) if clusters else set()
    for arn, info in clusters.items():
        _check_cluster(result, keys, arn, info, deprecated)
    check_configurations(result, calls, clusters)
    _check_security_groups(result, calls, clusters, region)
    for secret in aws_secrets.read_scram_secrets(calls, clusters).values():
        result.scanned.append(f"secret {secret.description['Name']}")
        aws_secrets.check_secret(result, secret, aws_secrets.secret_key(keys, secret))

    if (policies := aws_iam.read_policies(calls)) is not None:
        result.scanned.append(f"iam: {len(policies)} policies in use")
        for policy in policies:
            aws_iam.check_policy(result, policy)
    if (trails := aws_trail.read_trails(calls)) is not None:
        result.scanned.append(f"cloudtrail: {len(trails)} trails")
        aws_trail.check_trails(result, trails, _account(calls, arns), region)
    if (connectors := aws_connect.read_connectors(calls)) is not None:
        result.scanned.append(f"msk connect: {len(connectors)} connectors")
        for connector in connectors:
            aws_connect.check_connector(result, connector)
    return result


def _check_cluster(result: LayerResult, keys: KeyReader, arn: str, info: dict[str, Any],
                   deprecated: set[str]) -> None:
    name = info.get("ClusterName", arn)
    if info.get("ClusterType") == "SERVERLESS":
        aws_cluster.check_serverless(result, arn, name, info.get("Serverless") or {})
        return
    provisioned = info.get("Provisioned") or {}
    aws_cluster.check_provisioned(result, arn, name, provisioned, deprecated)
    key_id = ((provisioned.get("EncryptionInfo") or {}).get("EncryptionAtRest") or {}).get("DataVolumeKMSKeyId")
    aws_cluster.check_encryption_at_rest(result, Location(arn=arn, name=name), keys.facts(key_id) if key_id else None)


def _deprecated_versions(calls: AwsCalls) -> set[str]:
    versions = calls.optional("MSK's version list (mskctl's end-of-support table used instead)",
                              "kafka:ListKafkaVersions",
                              lambda: calls.pages("kafka", "list_kafka_versions", "KafkaVersions"))
    return {v["Version"] for v in versions or [] if v.get("Status") == "DEPRECATED"}


def check_configurations(result: LayerResult, calls: AwsCalls, clusters: dict[str, dict[str, Any]]) -> None:
    """Each configuration revision once (clusters may share one); MSK's defaults fill what it leaves out."""
    kafka = calls.client("kafka")
    users: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    acl_governed: set[tuple[str, int, int]] = set()  # used by a cluster whose SCRAM/mTLS/anonymous users meet ACLs
    for arn, info in clusters.items():
        provisioned = info.get("Provisioned")
        if provisioned is None:
            continue  # serverless clusters have no server properties
        software = provisioned.get("CurrentBrokerSoftwareInfo") or {}
        zones = len((provisioned.get("BrokerNodeGroupInfo") or {}).get("ClientSubnets") or []) or 3
        config = software.get("ConfigurationArn")
        # Without a configuration MSK runs its default one: judge it where the cluster is.
        used = (config or arn, int(software.get("ConfigurationRevision") or 0) if config else 0, zones)
        users[used].append(info["ClusterName"])
        if _uses_acls(provisioned.get("ClientAuthentication") or {}):
            acl_governed.add(used)
    for (arn, revision, zones), names in users.items():
        properties: dict[str, str] = {}
        source = "MSK's default configuration"
        if revision:
            answer = calls.required("kafka:DescribeConfigurationRevision", lambda a=arn, r=revision:
                                    kafka.describe_configuration_revision(Arn=a, Revision=r))
            text = bytes(answer.get("ServerProperties") or b"").decode("utf-8", errors="replace")
            properties = parse_properties(text, f"{arn} revision {revision}")
            source = f"configuration revision {revision}"
        defaults = {k: v for k, v in msk_defaults(zones).items() if k not in properties}
        judged = {k: v for k, v in (defaults | properties).items() if k in PROPERTY_RULES}
        if (arn, revision, zones) not in acl_governed and ALLOW_EVERYONE in defaults:
            # IAM-only clusters ignore ACLs: MSK's default true matters only where ACLs decide (as in Terraform).
            judged.pop(ALLOW_EVERYONE, None)
            result.checked.add(PROPERTY_RULES[ALLOW_EVERYONE])
        aws_cluster.check_properties(result, arn, judged, set(defaults), names, source)


def _uses_acls(authentication: dict[str, Any]) -> bool:
    """SCRAM, mutual TLS or unauthenticated clients: Kafka ACLs (not IAM) decide what they may do."""
    sasl = authentication.get("Sasl") or {}
    return bool((sasl.get("Scram") or {}).get("Enabled") or (authentication.get("Tls") or {}).get("Enabled")
                or (authentication.get("Unauthenticated") or {}).get("Enabled"))


def _check_security_groups(result: LayerResult, calls: AwsCalls, clusters: dict[str, dict[str, Any]],
                           region: str) -> None:
    guarded: dict[str, list[str]] = defaultdict(list)
    for info in clusters.values():
        if info.get("ClusterType") == "SERVERLESS":
            ids = [g for vpc in (info.get("Serverless") or {}).get("VpcConfigs", [])
                   for g in vpc.get("SecurityGroupIds", [])]
        else:
            ids = ((info.get("Provisioned") or {}).get("BrokerNodeGroupInfo") or {}).get("SecurityGroups", [])
        for group_id in ids:
            guarded[group_id].append(info["ClusterName"])
    groups = aws_network.read_security_groups(calls, list(guarded))
    partition = next(iter(clusters), "arn:aws").split(":")[1]
    for group_id, names in guarded.items():
        if group_id not in groups:
            calls.note(f"security group {group_id} ({', '.join(names)}): not found")
            continue
        result.scanned.append(f"security group {group_id}")
        aws_network.check_security_group(result, groups[group_id],
                                         aws_network.group_arn(partition, region, groups[group_id]), names)


def _account(calls: AwsCalls, cluster_arns: list[str]) -> str:
    if cluster_arns:
        return cluster_arns[0].split(":")[4]
    sts = calls.client("sts")
    identity = calls.optional("account id", "sts:GetCallerIdentity", sts.get_caller_identity)
    return identity["Account"] if identity else "unknown"
