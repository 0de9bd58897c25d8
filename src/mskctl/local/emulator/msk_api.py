"""The Amazon MSK operations moto lacks, answered for the local cluster from its real brokers."""

from __future__ import annotations

import base64
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mskctl.local import brokers as broker_procs
from mskctl.local import node_exporter
from mskctl.local.emulator import moto_state, network_state, wire
from mskctl.local.emulator.scram import MAX_SECRETS_PER_CALL, Rejection, ScramAssociations
from mskctl.local.paths import ClusterPaths
from mskctl.local.spec import ClusterSpec

log = logging.getLogger(__name__)

CLUSTER_ARN = r"arn:aws[\w-]*:kafka:[^:]+:\d+:cluster/[^/]+/[^/]+"
CONFIGURATION_ARN = r"arn:aws[\w-]*:kafka:[^:]+:\d+:configuration/[^/]+/[^/]+"
CONFIGURATION_OPERATIONS = ("ListConfigurations", "DescribeConfiguration", "ListConfigurationRevisions",
                            "DescribeConfigurationRevision")
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/v1/configurations$"), "ListConfigurations"),
    ("GET", re.compile(rf"^/v1/configurations/(?P<arn>{CONFIGURATION_ARN})$"), "DescribeConfiguration"),
    ("GET", re.compile(rf"^/v1/configurations/(?P<arn>{CONFIGURATION_ARN})/revisions$"),
     "ListConfigurationRevisions"),
    ("GET", re.compile(rf"^/v1/configurations/(?P<arn>{CONFIGURATION_ARN})/revisions/(?P<revision>\d+)$"),
     "DescribeConfigurationRevision"),
    ("GET", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})/bootstrap-brokers$"),
     "GetBootstrapBrokers"),
    ("GET", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})/nodes$"), "ListNodes"),
    ("PUT", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})/reboot-broker$"), "RebootBroker"),
    ("GET", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})/scram-secrets$"),
     "ListScramSecrets"),
    ("POST", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})/scram-secrets$"),
     "BatchAssociateScramSecret"),
    ("PATCH", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})/scram-secrets$"),
     "BatchDisassociateScramSecret"),
    ("GET", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})/operations$"),
     "ListClusterOperations"),
    ("GET", re.compile(rf"^/v1/clusters/(?P<arn>{CLUSTER_ARN})$"), "DescribeCluster"),
    ("GET", re.compile(rf"^/api/v2/clusters/(?P<arn>{CLUSTER_ARN})$"), "DescribeClusterV2"),
    ("GET", re.compile(r"^/v1/operations/(?P<arn>.+)$"), "DescribeClusterOperation"),
    ("GET", re.compile(r"^/api/v2/operations/(?P<arn>.+)$"), "DescribeClusterOperationV2"),
]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter


@dataclass
class Operation:
    arn: str
    type: str
    state: str = "PENDING"
    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    end: datetime | None = None
    error: str | None = None

    def describe(self, cluster_arn: str) -> dict[str, Any]:
        info: dict[str, Any] = {
            "ClusterArn": cluster_arn,
            "CreationTime": self.start.isoformat(),
            "OperationArn": self.arn,
            "OperationState": self.state,
            "OperationType": self.type,
        }
        if self.end:
            info["EndTime"] = self.end.isoformat()
        if self.error:
            info["ErrorInfo"] = {"ErrorCode": "InternalServerError", "ErrorString": self.error}
        return info


class LocalMskApi:
    def __init__(
        self,
        spec: ClusterSpec,
        paths: ClusterPaths,
        scram: ScramAssociations,
        restart_broker: Callable[[int], None],
        broker_running: Callable[[int], bool],
        data_volume_key_arn: str,
    ) -> None:
        self.spec = spec
        self.paths = paths
        self.scram = scram
        self._restart_broker = restart_broker
        self._broker_running = broker_running
        self.data_volume_key_arn = data_volume_key_arn
        self._operations: dict[str, Operation] = {}
        self._ops_lock = threading.Lock()

    # ---- dispatch -----------------------------------------------------------------------
    @staticmethod
    def match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
        for verb, pattern, operation in ROUTES:
            if verb == method and (found := pattern.match(path)):
                return operation, found.groupdict()
        return None

    def handle(self, operation: str, params: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if operation.startswith("DescribeClusterOperation"):
            result = self._describe_operation(operation, params["arn"])
        elif operation in CONFIGURATION_OPERATIONS:
            result = self._configuration_call(operation, params)
        else:
            if params["arn"] != self.spec.arn:
                raise ApiError(404, "NotFoundException",
                               f"The cluster {params['arn']} does not exist.", "clusterArn")
            handler = getattr(self, "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())
            result = handler(wire.request_body(operation, body))
        return wire.response_body(operation, result)

    # ---- describe ---------------------------------------------------------------------
    def state(self) -> str:
        with self._ops_lock:
            if any(op.state in ("PENDING", "UPDATE_IN_PROGRESS") for op in self._operations.values()):
                return "REBOOTING_BROKER"
        running = [b for b in self.spec.broker_ids() if self._broker_running(b)]
        return "ACTIVE" if len(running) == self.spec.brokers else "HEALING"

    def _client_authentication(self) -> dict[str, Any]:
        auth = self.spec.client_auth
        return {
            "Sasl": {"Scram": {"Enabled": auth.scram}, "Iam": {"Enabled": auth.iam}},
            "Tls": {"Enabled": auth.tls, "CertificateAuthorityArnList": (
                [f"arn:aws:acm-pca:{self.spec.region}:{self.spec.account_id}:"
                 f"certificate-authority/mskctl-local-{self.spec.name}"] if auth.tls else [])},
            "Unauthenticated": {"Enabled": auth.unauthenticated},
        }

    def _encryption_info(self) -> dict[str, Any]:
        return {
            "EncryptionAtRest": {"DataVolumeKMSKeyId": self.data_volume_key_arn},
            "EncryptionInTransit": {"ClientBroker": self.spec.client_broker.value, "InCluster": True},
        }

    def _open_monitoring(self) -> dict[str, Any]:
        node = node_exporter.binary() is not None
        return {"Prometheus": {"JmxExporter": {"EnabledInBroker": True},
                               "NodeExporter": {"EnabledInBroker": node}}}

    def _software(self) -> dict[str, Any]:
        software: dict[str, Any] = {"KafkaVersion": self.spec.msk_kafka_version}
        if self.spec.server_properties:  # MSK names the custom configuration the brokers run
            software |= {"ConfigurationArn": self.configuration_arn, "ConfigurationRevision": 1}
        return software

    # ---- the cluster's custom configuration (aws_msk_configuration), as revision 1 ------------
    @property
    def configuration_arn(self) -> str:
        spec = self.spec
        return (f"arn:aws:kafka:{spec.region}:{spec.account_id}:configuration/{spec.name}-configuration/"
                f"{spec.cluster_uuid}")

    def _configuration(self) -> dict[str, Any]:
        revision = {"CreationTime": self.spec.created, "Description": "the local cluster's --configuration",
                    "Revision": 1}
        return {"Arn": self.configuration_arn, "CreationTime": self.spec.created,
                "Description": f"server properties of the local cluster {self.spec.name}",
                "KafkaVersions": [self.spec.msk_kafka_version], "LatestRevision": revision,
                "Name": f"{self.spec.name}-configuration", "State": "ACTIVE"}

    def _configuration_call(self, operation: str, params: dict[str, str]) -> dict[str, Any]:
        configurations = [self._configuration()] if self.spec.server_properties else []
        if operation == "ListConfigurations":
            return {"Configurations": configurations}
        if not configurations or params["arn"] != self.configuration_arn:
            raise ApiError(404, "NotFoundException", f"The configuration {params['arn']} does not exist.", "arn")
        configuration = configurations[0]
        if operation == "DescribeConfiguration":
            return configuration
        if operation == "ListConfigurationRevisions":
            return {"Revisions": [configuration["LatestRevision"]]}
        if params["revision"] != "1":
            raise ApiError(404, "NotFoundException", f"The configuration has no revision {params['revision']}.",
                           "revision")
        text = "".join(f"{key}={value}\n" for key, value in self.spec.server_properties.items())
        # A blob on the wire: base64, as MSK sends it (botocore decodes it to bytes).
        return {"Arn": configuration["Arn"], "CreationTime": self.spec.created,
                "Description": configuration["LatestRevision"]["Description"], "Revision": 1,
                "ServerProperties": base64.b64encode(text.encode()).decode()}

    def _tags(self) -> dict[str, str]:
        try:
            from moto.backends import get_backend

            kafka = get_backend("kafka")[self.spec.account_id][self.spec.region]
            return kafka.list_tags_for_resource(self.spec.arn)
        except Exception:  # noqa: BLE001 - tags are decoration; never fail a describe
            return {}

    def _describe_cluster(self, _: dict[str, Any]) -> dict[str, Any]:
        spec = self.spec
        info = {
            "BrokerNodeGroupInfo": _pascal(moto_state.broker_node_group_info(spec)),
            "ClientAuthentication": self._client_authentication(),
            "ClusterArn": spec.arn,
            "ClusterName": spec.name,
            "CreationTime": spec.created,
            "CurrentBrokerSoftwareInfo": self._software(),
            "CurrentVersion": "K" + spec.cluster_uuid.split("-")[0].upper(),
            "EncryptionInfo": self._encryption_info(),
            "EnhancedMonitoring": "DEFAULT",
            "OpenMonitoring": self._open_monitoring(),
            "NumberOfBrokerNodes": spec.brokers,
            "State": self.state(),
            "StorageMode": "LOCAL",
            "Tags": self._tags(),
        }
        return {"ClusterInfo": info}

    def _describe_cluster_v2(self, _: dict[str, Any]) -> dict[str, Any]:
        v1 = self._describe_cluster({})["ClusterInfo"]
        shared = ("ClusterArn", "ClusterName", "CreationTime", "CurrentVersion", "State", "Tags")
        provisioned = {k: v for k, v in v1.items() if k not in shared}
        info = {k: v1[k] for k in shared} | {"ClusterType": "PROVISIONED", "Provisioned": provisioned}
        return {"ClusterInfo": info}

    def _get_bootstrap_brokers(self, _: dict[str, Any]) -> dict[str, Any]:
        strings = {
            "BootstrapBrokerString": self.spec.bootstrap("plaintext"),
            "BootstrapBrokerStringTls": self.spec.bootstrap("tls"),
            "BootstrapBrokerStringSaslScram": self.spec.bootstrap("scram"),
            "BootstrapBrokerStringSaslIam": self.spec.bootstrap("iam"),
        }
        return {k: v for k, v in strings.items() if v}

    def _list_nodes(self, _: dict[str, Any]) -> dict[str, Any]:
        spec = self.spec
        network = network_state.ensure_broker_network(spec)
        nodes = []
        for b in spec.broker_ids():
            host = spec.broker_host(b)
            nodes.append({
                "AddedToClusterTime": spec.created,
                "BrokerNodeInfo": {
                    "AttachedENIId": network.enis[b],
                    "BrokerId": float(b),
                    "ClientSubnet": network.subnets[b],
                    "ClientVpcIpAddress": host,
                    "CurrentBrokerSoftwareInfo": self._software(),
                    "Endpoints": [host],
                },
                "InstanceType": "kafka.m7g.large",
                "NodeARN": f"arn:aws:kafka:{spec.region}:{spec.account_id}:broker/{spec.name}/"
                f"{spec.cluster_uuid}/{b}",
                "NodeType": "BROKER",
            })
        return {"NodeInfoList": nodes}

    # ---- SCRAM ------------------------------------------------------------------------
    def _require_scram(self) -> None:
        if not self.spec.client_auth.scram:
            raise ApiError(400, "BadRequestException",
                           "SASL/SCRAM authentication is not enabled for this cluster.")

    def _secret_list(self, body: dict[str, Any]) -> list[str]:
        arns = body.get("SecretArnList") or []
        if not arns:
            raise ApiError(400, "BadRequestException", "secretArnList must not be empty.",
                           "secretArnList")
        if len(arns) > MAX_SECRETS_PER_CALL:
            raise ApiError(400, "BadRequestException",
                           f"At most {MAX_SECRETS_PER_CALL} secrets per call.", "secretArnList")
        return arns

    def _batch_associate_scram_secret(self, body: dict[str, Any]) -> dict[str, Any]:
        self._require_scram()
        return self._scram_batch_result(self.scram.associate(self._secret_list(body)))

    def _batch_disassociate_scram_secret(self, body: dict[str, Any]) -> dict[str, Any]:
        self._require_scram()
        return self._scram_batch_result(self.scram.disassociate(self._secret_list(body)))

    def _scram_batch_result(self, rejected: list[Rejection]) -> dict[str, Any]:
        return {"ClusterArn": self.spec.arn, "UnprocessedScramSecrets": [
            {"SecretArn": r.secret_arn, "ErrorCode": r.code, "ErrorMessage": r.message}
            for r in rejected]}

    def _list_scram_secrets(self, _: dict[str, Any]) -> dict[str, Any]:
        self._require_scram()
        return {"SecretArnList": self.scram.list()}

    # ---- reboot and operations --------------------------------------------------------
    def _reboot_broker(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = body.get("BrokerIds") or []
        if len(ids) != 1:
            raise ApiError(400, "BadRequestException",
                           "RebootBroker reboots exactly one broker per call.", "brokerIds")
        try:
            broker_id = int(ids[0])
        except ValueError:
            broker_id = -1
        if broker_id not in self.spec.broker_ids():
            raise ApiError(400, "BadRequestException",
                           f"Broker id {ids[0]} is not in this cluster "
                           f"(brokers {self.spec.broker_ids()}).", "brokerIds")
        state = self.state()
        if state == "REBOOTING_BROKER":
            raise ApiError(409, "ConflictException",
                           "Another operation is in progress on this cluster.")
        if state != "ACTIVE":
            # As MSK: no reboot while the cluster is HEALING (a broker is down).
            raise ApiError(400, "BadRequestException",
                           f"The cluster is in the {state} state; a broker can be rebooted only "
                           "when the cluster is ACTIVE.")
        operation = Operation(
            arn=f"arn:aws:kafka:{self.spec.region}:{self.spec.account_id}:cluster-operation/"
            f"{self.spec.name}/{self.spec.cluster_uuid}/{uuid.uuid4()}",
            type="REBOOT_NODE",
        )
        with self._ops_lock:
            self._operations[operation.arn] = operation
        threading.Thread(target=self._run_reboot, args=(operation, broker_id), daemon=True).start()
        return {"ClusterArn": self.spec.arn, "ClusterOperationArn": operation.arn}

    def _run_reboot(self, operation: Operation, broker_id: int) -> None:
        operation.state = "UPDATE_IN_PROGRESS"
        try:
            self._restart_broker(broker_id)
            operation.state = "UPDATE_COMPLETE"
        except Exception as exc:
            log.exception("reboot of broker %s failed", broker_id)
            operation.state, operation.error = "UPDATE_FAILED", str(exc)
        operation.end = datetime.now(UTC)

    def _describe_operation(self, operation_name: str, arn: str) -> dict[str, Any]:
        with self._ops_lock:
            operation = self._operations.get(arn)
        if operation is None:
            raise ApiError(404, "NotFoundException", f"The operation {arn} does not exist.",
                           "clusterOperationArn")
        info = operation.describe(self.spec.arn)
        if operation_name.endswith("V2"):
            info.pop("ErrorInfo", None)
            info["ClusterType"] = "PROVISIONED"
            return {"ClusterOperationInfo": info}
        return {"ClusterOperationInfo": info}

    def _list_cluster_operations(self, _: dict[str, Any]) -> dict[str, Any]:
        with self._ops_lock:
            ops = [op.describe(self.spec.arn) for op in self._operations.values()]
        return {"ClusterOperationInfoList": ops}


def _pascal(value: Any) -> Any:
    """moto's camelCase broker-group dict in the member names botocore expects."""
    if isinstance(value, dict):
        return {
            ("BrokerAZDistribution" if k == "brokerAZDistribution" else k[0].upper() + k[1:]):
            _pascal(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


REBOOT_IN_SYNC_WAIT = 300.0


def restart_with(spec: ClusterSpec, paths: ClusterPaths, java, dist) -> Callable[[int], None]:
    """A broker restart as RebootBroker does it: controlled shutdown, start, and back in every ISR.

    MSK reports the operation done only when the broker has caught up: a `down` right after a
    reboot that returned early could stop the only in-sync replicas first.
    """
    from mskctl.local import health, lifecycle, operator

    def restart(broker_id: int) -> None:
        broker_procs.stop_broker(paths, broker_id)
        broker_procs.start_broker(spec, paths, broker_id, java, dist)
        health.wait_for_broker(spec, paths, broker_id, timeout=120)
        lagging = lifecycle.wait_in_sync(operator.admin(spec, paths), lambda: {broker_id},
                                         timeout=REBOOT_IN_SYNC_WAIT, progress=log.info)
        if lagging:
            raise RuntimeError(f"broker {broker_id} is back but not in sync after "
                               f"{REBOOT_IN_SYNC_WAIT:.0f} s ({lifecycle.describe_lag(lagging)})")

    return restart
