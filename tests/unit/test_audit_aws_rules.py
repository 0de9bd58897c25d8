"""The AWS layer's judgements on plain describe_* answers: clusters, properties, security groups, IAM, secrets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mskctl.audit.aws import check_configurations
from mskctl.audit.aws import cluster as aws_cluster
from mskctl.audit.aws import connect as aws_connect
from mskctl.audit.aws import iam as aws_iam
from mskctl.audit.aws import network as aws_network
from mskctl.audit.aws import secrets as aws_secrets
from mskctl.audit.aws import trail as aws_trail
from mskctl.audit.aws.calls import AwsCalls, AwsPermissionMissing
from mskctl.audit.aws.kms import KeyFacts
from mskctl.audit.model import Layer, LayerResult, Location
from mskctl.audit.properties import msk_defaults
from mskctl.audit.versions import end_of_support, unsupported_since
from mskctl.errors import ExitCode

ARN = "arn:aws:kafka:eu-west-1:111122223333:cluster/prod/abc-1"
HARDENED = {
    "BrokerNodeGroupInfo": {"ClientSubnets": ["a", "b", "c"], "SecurityGroups": ["sg-1"],
                            "ConnectivityInfo": {"PublicAccess": {"Type": "DISABLED"}}},
    "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}, "Scram": {"Enabled": False}},
                             "Tls": {"Enabled": False}, "Unauthenticated": {"Enabled": False}},
    "EncryptionInfo": {"EncryptionAtRest": {"DataVolumeKMSKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k"},
                       "EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True}},
    "EnhancedMonitoring": "PER_TOPIC_PER_BROKER",
    "OpenMonitoring": {"Prometheus": {"JmxExporter": {"EnabledInBroker": True},
                                      "NodeExporter": {"EnabledInBroker": True}}},
    "LoggingInfo": {"BrokerLogs": {"CloudWatchLogs": {"Enabled": True, "LogGroup": "msk"}}},
    "CurrentBrokerSoftwareInfo": {"KafkaVersion": "3.9.x"},
}


def aws_result() -> LayerResult:
    return LayerResult(Layer.aws)


def rules(result: LayerResult) -> list[str]:
    return sorted(f.rule.id for f in result.findings)


def test_a_hardened_provisioned_cluster_passes_every_cluster_rule():
    result = aws_result()
    aws_cluster.check_provisioned(result, ARN, "prod", HARDENED, today=date(2026, 11, 1))
    aws_cluster.check_encryption_at_rest(result, Location(arn=ARN, name="prod"),
                                         KeyFacts("arn:aws:kms:eu-west-1:111122223333:key/k", "CUSTOMER", True))
    assert result.findings == []
    assert {"client-broker-plaintext", "in-cluster-encryption-off", "unauthenticated-access", "no-authentication",
            "public-access", "broker-logs-off", "enhanced-monitoring-low", "open-monitoring-off",
            "kafka-version-unsupported", "at-rest-without-cmk", "kms-rotation-off"} == result.checked


def test_a_weak_provisioned_cluster_fails_each_rule_with_the_value():
    weak = {
        "BrokerNodeGroupInfo": {"ConnectivityInfo": {"PublicAccess": {"Type": "SERVICE_PROVIDED_EIPS"}}},
        "ClientAuthentication": {"Unauthenticated": {"Enabled": True}},
        "EncryptionInfo": {"EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT", "InCluster": False}},
        "EnhancedMonitoring": "PER_BROKER",
        "OpenMonitoring": {"Prometheus": {"JmxExporter": {"EnabledInBroker": True}}},
        "CurrentBrokerSoftwareInfo": {"KafkaVersion": "3.5.1"},
    }
    result = aws_result()
    aws_cluster.check_provisioned(result, ARN, "prod", weak, today=date(2026, 1, 1))
    assert rules(result) == ["broker-logs-off", "client-broker-plaintext", "enhanced-monitoring-low",
                             "in-cluster-encryption-off", "kafka-version-unsupported", "no-authentication",
                             "open-monitoring-off", "public-access", "unauthenticated-access"]
    messages = {f.rule.id: f.message for f in result.findings}
    assert "TLS_PLAINTEXT" in messages["client-broker-plaintext"]
    assert "SERVICE_PROVIDED_EIPS" in messages["public-access"]
    assert "NodeExporter" in messages["open-monitoring-off"] and "JmxExporter" not in messages["open-monitoring-off"]
    assert "2025-10-23" in messages["kafka-version-unsupported"]
    assert all(f.location == Location(arn=ARN, name="prod") for f in result.findings)


def test_at_rest_key_aws_managed_unreadable_or_not_rotating():
    where = Location(arn=ARN, name="prod")
    managed = aws_result()
    aws_cluster.check_encryption_at_rest(managed, where, KeyFacts("arn:aws:kms:eu-west-1:1:key/aws", "AWS"))
    assert rules(managed) == ["at-rest-without-cmk"] and "kms-rotation-off" not in managed.checked
    unreadable = aws_result()
    aws_cluster.check_encryption_at_rest(unreadable, where, KeyFacts("key/k", None))
    assert unreadable.findings == [] and not unreadable.checked
    stale = aws_result()
    aws_cluster.check_encryption_at_rest(stale, where, KeyFacts("arn:aws:kms:eu-west-1:1:key/k", "CUSTOMER", False))
    assert rules(stale) == ["kms-rotation-off"]
    assert stale.findings[0].location.arn == "arn:aws:kms:eu-west-1:1:key/k"


def test_server_properties_with_msk_defaults_filled_in():
    result = aws_result()
    properties = msk_defaults(3) | {"auto.create.topics.enable": "true", "unclean.leader.election.enable": "false"}
    config = "arn:aws:kafka:eu-west-1:111122223333:configuration/strict/u-1"
    aws_cluster.check_properties(result, config, properties,
                                 {"allow.everyone.if.no.acl.found", "min.insync.replicas"}, ["prod", "stage"],
                                 "configuration revision 4")
    assert rules(result) == ["allow-everyone-if-no-acl", "auto-create-topics"]
    everyone = next(f for f in result.findings if f.rule.id == "allow-everyone-if-no-acl")
    assert everyone.location == Location(arn=config, name=f"{config}#server.properties:allow.everyone.if.no.acl.found")
    assert "MSK's default" in everyone.message and "prod, stage" in everyone.message
    assert "allow.everyone.if.no.acl.found=false" in everyone.remedy
    two_zones = aws_result()
    aws_cluster.check_properties(two_zones, ARN, msk_defaults(2) | {"allow.everyone.if.no.acl.found": "false",
                                                                    "unclean.leader.election.enable": "false"},
                                 set(), ["small"], "configuration revision 1")
    assert rules(two_zones) == ["min-insync-replicas-low", "replication-factor-low"]


def test_serverless_needs_iam():
    result = aws_result()
    aws_cluster.check_serverless(result, ARN, "sls", {"ClientAuthentication": {"Sasl": {"Iam": {"Enabled": False}}}})
    assert rules(result) == ["no-authentication"]


def test_versions_table():
    assert end_of_support("3.7.x.kraft") == date(2026, 9, 1) == end_of_support("3.7.x")
    assert end_of_support("2.8.2.tiered") == date(2025, 1, 14) and end_of_support("2.8.1") == date(2024, 9, 11)
    assert end_of_support("1.1.1") == date(2024, 6, 5) and end_of_support("0.10.2") == date(2024, 6, 8)
    assert end_of_support("3.8.x") is None and end_of_support("4.1.x") is None and end_of_support("x") is None
    assert unsupported_since("3.6.0", date(2026, 5, 31)) is None
    assert unsupported_since("3.6.0", date(2026, 6, 1)) == date(2026, 6, 1)


def test_deprecated_in_msk_list_counts_before_the_table_knows():
    result = aws_result()
    aws_cluster.check_version(result, Location(arn=ARN), "3.9.x", {"3.9.x"}, date(2026, 1, 1))
    assert rules(result) == ["kafka-version-unsupported"] and "DEPRECATED" in result.findings[0].message


def group(*permissions: dict) -> dict:
    return {"GroupId": "sg-1", "GroupName": "msk", "OwnerId": "111122223333", "IpPermissions": list(permissions)}


def test_security_group_open_to_the_internet_and_plaintext_ports():
    result = aws_result()
    arn = aws_network.group_arn("aws", "eu-west-1", group())
    aws_network.check_security_group(result, group(
        {"IpProtocol": "tcp", "FromPort": 9094, "ToPort": 9098, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 9092, "ToPort": 9092, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]},  # brokers among themselves: fine
    ), arn, ["prod"])
    assert rules(result) == ["security-group-open", "security-group-plaintext-port"]
    assert result.findings[0].location == Location(arn="arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1",
                                                   name="sg-1 (msk)")
    assert "tcp 9094-9098 from 0.0.0.0/0" in result.findings[0].message
    assert "9092 (Kafka plaintext) to 10.0.0.0/8" in result.findings[1].message
    clean = aws_result()
    aws_network.check_security_group(clean, group(
        {"IpProtocol": "tcp", "FromPort": 9098, "ToPort": 9098, "UserIdGroupPairs": [{"GroupId": "sg-clients"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}), arn, ["prod"])
    assert clean.findings == [] and {"security-group-open", "security-group-plaintext-port"} <= clean.checked


def policy(*statements: dict, attached: tuple[str, ...] = ("role/app",)) -> aws_iam.PolicyInUse:
    return aws_iam.PolicyInUse(Location(arn="arn:aws:iam::1:policy/p", name="p"),
                               {"Version": "2012-10-17", "Statement": list(statements)}, attached)


def test_iam_wildcards():
    result = aws_result()
    aws_iam.check_policy(result, policy(
        {"Sid": "Admin", "Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["kafka-cluster:ReadData"], "Resource": "arn:aws:kafka:*:*:*"},
        {"Effect": "Allow", "Action": "kafka:*", "Resource": "arn:aws:kafka:eu-west-1:1:cluster/prod/*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
    ))
    assert rules(result) == ["iam-kafka-wildcard-action", "iam-kafka-wildcard-action",
                             "iam-kafka-wildcard-resource", "iam-kafka-wildcard-resource"]
    assert "Statement Admin allows kafka-cluster:* (attached to role/app)" in result.findings[0].message
    least = aws_result()
    aws_iam.check_policy(least, policy({"Effect": "Allow", "Action": ["kafka-cluster:Connect", "kafka-cluster:Read*"],
                                        "Resource": ["arn:aws:kafka:eu-west-1:1:topic/prod/u/orders"]},
                                       {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert least.findings == [] and "iam-kafka-wildcard-resource" in least.checked


def test_iam_not_action_grants_everything_else():
    result = aws_result()
    aws_iam.check_policy(result, policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert rules(result) == ["iam-kafka-wildcard-action", "iam-kafka-wildcard-resource"]
    assert "every action but iam:*" in result.findings[0].message


def secret(name: str, **extra: object) -> aws_secrets.ScramSecret:
    return aws_secrets.ScramSecret({"ARN": f"arn:aws:secretsmanager:eu-west-1:1:secret:{name}-AbC", "Name": name,
                                    **extra}, {"prod"}, True)


NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_scram_secrets():
    fresh = NOW - timedelta(days=10)
    good = aws_result()
    aws_secrets.check_secret(good, secret("AmazonMSK_app", KmsKeyId="arn:aws:kms:eu-west-1:1:key/k",
                                          LastChangedDate=fresh), KeyFacts("arn:aws:kms:eu-west-1:1:key/k", "CUSTOMER"),
                             NOW)
    assert good.findings == [] and {"scram-secret-name", "scram-secret-default-key",
                                    "scram-secret-not-rotated"} == good.checked
    bad = aws_result()
    aws_secrets.check_secret(bad, secret("app", LastChangedDate=NOW - timedelta(days=200)), None, NOW)
    assert rules(bad) == ["scram-secret-default-key", "scram-secret-name", "scram-secret-not-rotated"]
    assert bad.findings[0].location.name == "app"
    managed = aws_result()
    aws_secrets.check_secret(managed, secret("AmazonMSK_x", KmsKeyId="alias/other", RotationEnabled=True),
                             KeyFacts("arn:aws:kms:eu-west-1:1:key/aws", "AWS"), NOW)
    assert rules(managed) == ["scram-secret-default-key"] and "AWS-managed" in managed.findings[0].message
    never = aws_result()
    aws_secrets.check_secret(never, secret("AmazonMSK_y", KmsKeyId="k"), KeyFacts("k", "CUSTOMER"), NOW)
    assert rules(never) == ["scram-secret-not-rotated"] and "never changed" in never.findings[0].message


def test_cloudtrail_and_connectors():
    stopped = aws_result()
    aws_trail.check_trails(stopped, [({"Name": "main"}, False)], "1", "eu-west-1")
    assert rules(stopped) == ["cloudtrail-off"] and "main exist but are stopped" in stopped.findings[0].message
    logging = aws_result()
    aws_trail.check_trails(logging, [({"Name": "main"}, False), ({"Name": "org"}, True)], "1", "eu-west-1")
    assert logging.findings == [] and logging.checked == {"cloudtrail-off"}
    connectors = aws_result()
    aws_connect.check_connector(connectors, {"connectorArn": "arn:c", "connectorName": "sink",
                                             "kafkaClusterEncryptionInTransit": {"encryptionType": "PLAINTEXT"},
                                             "kafkaClusterClientAuthentication": {"authenticationType": "NONE"}})
    assert rules(connectors) == ["connect-no-auth", "connect-no-logs", "connect-no-tls"]


def client_error(code: str, operation: str = "ListClustersV2") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, operation)


def test_required_calls_name_the_missing_permission_and_optional_ones_leave_a_note():
    result = aws_result()
    calls = AwsCalls(object(), result)

    def denied() -> None:
        raise client_error("AccessDeniedException")

    with pytest.raises(AwsPermissionMissing) as error:
        calls.required("kafka:ListClustersV2", denied)
    assert error.value.exit_code == ExitCode.PERMISSION and "kafka:ListClustersV2" in error.value.message
    assert "Grant kafka:ListClustersV2" in (error.value.hint or "")
    assert calls.optional("iam", "iam:GetAccountAuthorizationDetails", denied) is None
    assert result.scanned == ["iam: not checked (AccessDenied on iam:GetAccountAuthorizationDetails)"]


def test_a_configuration_revision_is_read_once_for_the_clusters_sharing_it_and_defaults_fill_the_rest():
    config = "arn:aws:kafka:eu-west-1:111122223333:configuration/strict/u-1"
    kafka = boto3.client("kafka", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    result = aws_result()
    calls = AwsCalls(object(), result)
    calls._clients["kafka"] = kafka
    with Stubber(kafka) as stub:
        stub.add_response("describe_configuration_revision", {
            "Arn": config, "Revision": 4,
            "ServerProperties": b"auto.create.topics.enable=false\nunclean.leader.election.enable=false\n"
                                b"min.insync.replicas=2\n"}, {"Arn": config, "Revision": 4})

        def cluster(name: str) -> dict:
            return {"ClusterName": name, "Provisioned": {
                "BrokerNodeGroupInfo": {"ClientSubnets": ["a", "b", "c"]},
                "ClientAuthentication": {"Sasl": {"Scram": {"Enabled": name == "a"}, "Iam": {"Enabled": True}}},
                "CurrentBrokerSoftwareInfo": {"ConfigurationArn": config, "ConfigurationRevision": 4}}}

        check_configurations(result, calls, {f"{ARN}-a": cluster("a"), f"{ARN}-b": cluster("b")})
    # allow.everyone.if.no.acl.found is not in the revision: MSK's default (true) applies.
    assert rules(result) == ["allow-everyone-if-no-acl"]
    finding = result.findings[0]
    assert finding.location.arn == config and "used by a, b" in finding.message and "MSK's default" in finding.message


def test_msk_default_allow_everyone_is_not_a_finding_where_only_iam_decides():
    result = aws_result()
    calls = AwsCalls(object(), result)
    calls._clients["kafka"] = boto3.client("kafka", region_name="eu-west-1", aws_access_key_id="x",
                                           aws_secret_access_key="x")
    iam_only = {"ClusterName": "iam-only", "Provisioned": {
        "BrokerNodeGroupInfo": {"ClientSubnets": ["a", "b", "c"]},
        "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}, "Scram": {"Enabled": False}},
                                 "Tls": {"Enabled": False}, "Unauthenticated": {"Enabled": False}},
        "CurrentBrokerSoftwareInfo": {}}}
    check_configurations(result, calls, {ARN: iam_only})
    assert "allow-everyone-if-no-acl" in result.checked
    assert "allow-everyone-if-no-acl" not in rules(result)
    assert {"unclean-leader-election", "auto-create-topics"} <= result.checked  # other defaults still judged
