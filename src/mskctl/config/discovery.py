"""Find bootstrap brokers the way a client in AWS would: the MSK API, given a cluster ARN or name."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import NoRegionError, ProfileNotFound

from mskctl.errors import ConfigError, UsageError
from mskctl.service_errors import translated

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
        raise ConfigError(f"No AWS region for {service}.",
                          hint="Set AWS_REGION, pass --region, or give the profile a region.") from None
    except ProfileNotFound as exc:
        raise ConfigError(f"AWS profile not found: {exc}.",
                          hint="Check --aws-profile / AWS_PROFILE against ~/.aws/config.") from None


def kafka_client(settings: Any) -> Any:
    return aws_client(settings, "kafka")


def discover(settings: Any) -> dict[str, str]:
    """Bootstrap strings (and the ARN, for a name) from describe_cluster_v2 + get_bootstrap_brokers."""
    kafka = kafka_client(settings)
    with translated(f"discover the brokers of {settings.cluster_arn or settings.cluster_name} through the MSK "
                    "API (kafka:DescribeClusterV2, kafka:GetBootstrapBrokers)"):
        arn = settings.cluster_arn or _arn_for_name(kafka, settings.cluster_name)
        kafka.describe_cluster_v2(ClusterArn=arn)
        brokers = kafka.get_bootstrap_brokers(ClusterArn=arn)
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
