"""Checks on one cluster's describe_cluster_v2 answer, its KMS key and its server properties (pure functions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from mskctl.audit.aws.kms import KeyFacts
from mskctl.audit.model import LayerResult, Location
from mskctl.audit.properties import PROPERTY_RULES, property_fix, property_problem, report
from mskctl.audit.versions import end_of_support, unsupported_since

LOW_MONITORING = ("DEFAULT", "PER_BROKER")


def check_provisioned(result: LayerResult, arn: str, name: str, info: dict[str, Any],
                      deprecated_versions: set[str] | None = None, today: date | None = None) -> None:
    """Encryption in transit, authentication, public access, logging, monitoring and version."""
    where = Location(arn=arn, name=name)
    transit = (info.get("EncryptionInfo") or {}).get("EncryptionInTransit") or {}
    client_broker = transit.get("ClientBroker", "TLS")  # MSK's default when unset
    result.checked.add("client-broker-plaintext")
    if client_broker != "TLS":
        report(result, "client-broker-plaintext", where,
               f"EncryptionInTransit.ClientBroker is {client_broker}: brokers accept plaintext clients on 9092.",
               "Set encryption_info.encryption_in_transit.client_broker = \"TLS\" "
               "(update_security: EncryptionInfo.EncryptionInTransit.ClientBroker=TLS).")
    result.checked.add("in-cluster-encryption-off")
    if transit.get("InCluster", True) is False:
        report(result, "in-cluster-encryption-off", where, "EncryptionInTransit.InCluster is false.",
               "Set encryption_info.encryption_in_transit.in_cluster = true; it is fixed at creation, "
               "so create a new cluster and migrate (MSK Replicator).")

    check_authentication(result, where, info.get("ClientAuthentication"))

    public = ((info.get("BrokerNodeGroupInfo") or {}).get("ConnectivityInfo") or {}).get("PublicAccess") or {}
    result.checked.add("public-access")
    if public.get("Type", "DISABLED") != "DISABLED":
        report(result, "public-access", where,
               f"ConnectivityInfo.PublicAccess.Type is {public['Type']}: brokers have public addresses.",
               "Set broker_node_group_info.connectivity_info.public_access.type = \"DISABLED\" "
               "(update_connectivity: ConnectivityInfo.PublicAccess.Type=DISABLED).")

    logs = (info.get("LoggingInfo") or {}).get("BrokerLogs") or {}
    result.checked.add("broker-logs-off")
    if not any((logs.get(target) or {}).get("Enabled") for target in ("CloudWatchLogs", "Firehose", "S3")):
        report(result, "broker-logs-off", where,
               "LoggingInfo.BrokerLogs delivers to nothing (CloudWatch Logs, Firehose and S3 all off).",
               "Set logging_info.broker_logs.cloudwatch_logs { enabled = true, log_group = ... } "
               "(update_monitoring: LoggingInfo.BrokerLogs.CloudWatchLogs.Enabled=true).")

    monitoring = info.get("EnhancedMonitoring", "DEFAULT")
    result.checked.add("enhanced-monitoring-low")
    if monitoring in LOW_MONITORING:
        report(result, "enhanced-monitoring-low", where, f"EnhancedMonitoring is {monitoring}.",
               "Set enhanced_monitoring = \"PER_TOPIC_PER_BROKER\" "
               "(update_monitoring: EnhancedMonitoring=PER_TOPIC_PER_BROKER).")

    prometheus = (info.get("OpenMonitoring") or {}).get("Prometheus") or {}
    off = [exporter for exporter in ("JmxExporter", "NodeExporter")
           if not (prometheus.get(exporter) or {}).get("EnabledInBroker")]
    result.checked.add("open-monitoring-off")
    if off:
        report(result, "open-monitoring-off", where,
               f"OpenMonitoring.Prometheus: {' and '.join(off)} not enabled in the brokers.",
               "Set open_monitoring.prometheus { jmx_exporter { enabled_in_broker = true } node_exporter "
               "{ enabled_in_broker = true } } (update_monitoring: OpenMonitoring.Prometheus.*.EnabledInBroker).")

    version = (info.get("CurrentBrokerSoftwareInfo") or {}).get("KafkaVersion")
    if version:
        check_version(result, where, version, deprecated_versions or set(), today)


def check_authentication(result: LayerResult, where: Location, auth: dict[str, Any] | None) -> None:
    auth = auth or {}
    sasl = auth.get("Sasl") or {}
    enabled = [mode for mode, on in (("IAM", (sasl.get("Iam") or {}).get("Enabled")),
                                     ("SCRAM", (sasl.get("Scram") or {}).get("Enabled")),
                                     ("TLS", (auth.get("Tls") or {}).get("Enabled"))) if on]
    result.checked.update({"unauthenticated-access", "no-authentication"})
    if (auth.get("Unauthenticated") or {}).get("Enabled"):
        report(result, "unauthenticated-access", where,
               "ClientAuthentication.Unauthenticated.Enabled is true"
               + (f" (alongside {', '.join(enabled)})." if enabled else "."),
               "Set client_authentication.unauthenticated = false "
               "(update_security: ClientAuthentication.Unauthenticated.Enabled=false).")
    if not enabled:
        report(result, "no-authentication", where,
               "ClientAuthentication enables none of IAM, SASL/SCRAM and mutual TLS.",
               "Add client_authentication { sasl { iam = true } } "
               "(update_security: ClientAuthentication.Sasl.Iam.Enabled=true).")


def check_version(result: LayerResult, where: Location, version: str, deprecated: set[str],
                  today: date | None = None) -> None:
    result.checked.add("kafka-version-unsupported")
    ended = unsupported_since(version, today)
    if ended is not None:
        report(result, "kafka-version-unsupported", where,
               f"Kafka {version} reached MSK's end of support on {ended.isoformat()}.",
               "Upgrade kafka_version to 3.8.x or later (update_cluster_kafka_version); "
               "MSK may upgrade it without notice.")
    elif version in deprecated:
        upcoming = end_of_support(version)
        report(result, "kafka-version-unsupported", where,
               f"MSK lists Kafka {version} as DEPRECATED"
               + (f" (end of support {upcoming.isoformat()})." if upcoming else "."),
               "Upgrade kafka_version to a version MSK lists as ACTIVE (aws kafka list-kafka-versions).")


def check_encryption_at_rest(result: LayerResult, where: Location, key: KeyFacts | None) -> None:
    """``key`` None: the cluster names no key (MSK then uses the AWS-managed aws/kafka key)."""
    if key is not None and key.manager is None:
        return  # the key could not be read: the note says so, nothing is judged
    result.checked.add("at-rest-without-cmk")
    if key is None or key.manager == "AWS":
        shown = "no DataVolumeKMSKeyId" if key is None else f"{key.arn} is AWS-managed"
        report(result, "at-rest-without-cmk", where, f"Data volumes are encrypted with an AWS-managed key ({shown}).",
               "Set encryption_info.encryption_at_rest_kms_key_arn to a customer-managed aws_kms_key "
               "(fixed at creation: create a new cluster and migrate).")
        return
    if key.rotation is None:
        return
    result.checked.add("kms-rotation-off")
    if not key.rotation:
        report(result, "kms-rotation-off", Location(arn=key.arn, name=f"{where.name} data volumes key"),
               f"Automatic rotation of {key.arn} is off.",
               "Set enable_key_rotation = true on the aws_kms_key (kms enable_key_rotation).")


def check_properties(result: LayerResult, arn: str, properties: dict[str, str], defaults: set[str],
                     clusters: list[str], source: str) -> None:
    """Judge a configuration's server properties; ``defaults`` are keys filled in from MSK's defaults."""
    for key, rule_id in PROPERTY_RULES.items():
        result.checked.add(rule_id)
        problem = property_problem(key, properties.get(key))
        if problem is None:
            continue
        origin = "MSK's default, not set in the configuration" if key in defaults else source
        report(result, rule_id, Location(arn=arn, name=f"{arn}#server.properties:{key}"),
               f"{problem} ({origin}; used by {', '.join(clusters)}).",
               f"Set {property_fix(key)} in the cluster configuration's server_properties "
               "(aws_msk_configuration; kafka create_configuration_revision, then update_cluster_configuration).")


def check_serverless(result: LayerResult, arn: str, name: str, info: dict[str, Any]) -> None:
    """MSK Serverless: always TLS and IAM; only the authentication block can be wrong."""
    sasl = ((info.get("ClientAuthentication") or {}).get("Sasl") or {})
    result.checked.add("no-authentication")
    if not (sasl.get("Iam") or {}).get("Enabled"):
        report(result, "no-authentication", Location(arn=arn, name=name),
               "Serverless ClientAuthentication.Sasl.Iam.Enabled is not true.",
               "Set client_authentication.sasl.iam.enabled = true on the aws_msk_serverless_cluster.")
