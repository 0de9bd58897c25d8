"""MSK Connect connectors of the region: how they reach the cluster and where their logs go."""

from __future__ import annotations

from typing import Any

from mskctl.audit.aws.calls import AwsCalls
from mskctl.audit.model import LayerResult, Location
from mskctl.audit.properties import report


def read_connectors(calls: AwsCalls) -> list[dict[str, Any]] | None:
    """describe_connector of every connector, or None when MSK Connect is not readable (noted)."""
    connect = calls.client("kafkaconnect")
    listed = calls.optional("msk connect", "kafkaconnect:ListConnectors",
                            lambda: calls.pages("kafkaconnect", "list_connectors", "connectors"))
    if listed is None:
        return None
    described = []
    for connector in listed:
        arn = connector["connectorArn"]
        answer = calls.optional("msk connect", "kafkaconnect:DescribeConnector",
                                lambda a=arn: connect.describe_connector(connectorArn=a))
        if answer is None:
            return None
        described.append(answer)
    return described


def check_connector(result: LayerResult, connector: dict[str, Any]) -> None:
    where = Location(arn=connector["connectorArn"], name=connector.get("connectorName"))
    result.checked.update({"connect-no-tls", "connect-no-auth", "connect-no-logs"})
    encryption = (connector.get("kafkaClusterEncryptionInTransit") or {}).get("encryptionType", "PLAINTEXT")
    if encryption != "TLS":
        report(result, "connect-no-tls", where, f"kafkaClusterEncryptionInTransit.encryptionType is {encryption}.",
               "Set kafka_cluster_encryption_in_transit.encryption_type = \"TLS\" (connectors cannot be updated "
               "in place: create a new one).")
    authentication = (connector.get("kafkaClusterClientAuthentication") or {}).get("authenticationType", "NONE")
    if authentication != "IAM":
        report(result, "connect-no-auth", where,
               f"kafkaClusterClientAuthentication.authenticationType is {authentication}.",
               "Set kafka_cluster_client_authentication.authentication_type = \"IAM\" (create a new connector).")
    workers = (connector.get("logDelivery") or {}).get("workerLogDelivery") or {}
    if not any((workers.get(target) or {}).get("enabled") for target in ("cloudWatchLogs", "firehose", "s3")):
        report(result, "connect-no-logs", where, "logDelivery.workerLogDelivery delivers to nothing.",
               "Add log_delivery.worker_log_delivery.cloudwatch_logs { enabled = true, log_group = ... }.")
