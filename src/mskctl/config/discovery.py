"""Find bootstrap brokers the way a client in AWS would: the MSK API, given a cluster ARN or name."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError, ProfileNotFound

from mskctl.errors import MskctlError, UsageError

BOOTSTRAP_FIELDS = {
    "BootstrapBrokerStringSaslIam": "bootstrap_iam",
    "BootstrapBrokerStringSaslScram": "bootstrap_scram",
    "BootstrapBrokerStringTls": "bootstrap_tls",
    "BootstrapBrokerString": "bootstrap_plaintext",
}


def aws_client(settings: Any, service: str) -> Any:
    """A boto3 client as the settings' AWS profile and region (AWS_ENDPOINT_URL reaches the local MSK)."""
    try:
        session = boto3.Session(profile_name=settings.aws_profile) if settings.aws_profile else boto3.Session()
        return session.client(service, region_name=settings.region)
    except NoRegionError:
        raise UsageError(f"No AWS region for {service}.",
                         hint="Set AWS_REGION, pass --region, or give the profile a region.") from None
    except ProfileNotFound as exc:
        raise UsageError(f"AWS profile not found: {exc}.",
                         hint="Check --aws-profile / AWS_PROFILE against ~/.aws/config.") from None


def kafka_client(settings: Any) -> Any:
    return aws_client(settings, "kafka")


def discover(settings: Any) -> dict[str, str]:
    """Bootstrap strings (and the ARN, for a name) from describe_cluster_v2 + get_bootstrap_brokers."""
    kafka = kafka_client(settings)
    try:
        arn = settings.cluster_arn or _arn_for_name(kafka, settings.cluster_name)
        kafka.describe_cluster_v2(ClusterArn=arn)
        brokers = kafka.get_bootstrap_brokers(ClusterArn=arn)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise MskctlError(
            f"AWS discovery of {settings.cluster_arn or settings.cluster_name} failed: "
            f"{error.get('Code')}: {error.get('Message')}",
            hint="Check the cluster ARN/name and region, and that your identity may call "
            "kafka:DescribeClusterV2 and kafka:GetBootstrapBrokers.",
        ) from None
    except BotoCoreError as exc:
        raise MskctlError(f"AWS discovery failed: {exc}",
                          hint="Check AWS credentials, region and network (or AWS_ENDPOINT_URL).") from None
    found = {field: brokers[key] for key, field in BOOTSTRAP_FIELDS.items() if brokers.get(key)}
    found["cluster_arn"] = arn
    return found


def _arn_for_name(kafka: Any, name: str) -> str:
    clusters = kafka.list_clusters_v2(ClusterNameFilter=name).get("ClusterInfoList", [])
    exact = [c for c in clusters if c.get("ClusterName") == name]
    if len(exact) != 1:
        raise UsageError(
            f"Found {len(exact)} MSK clusters named {name!r}.",
            hint="Pass the cluster ARN instead (--cluster-arn or MSK_CLUSTER_ARN).",
        )
    return exact[0]["ClusterArn"]
