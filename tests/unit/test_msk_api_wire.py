from __future__ import annotations

import pytest

from mskctl.local.emulator import wire
from mskctl.local.emulator.msk_api import LocalMskApi
from mskctl.local.emulator.server import signing_service

ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/0b1c-1"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", f"/v1/clusters/{ARN}/bootstrap-brokers", "GetBootstrapBrokers"),
        ("GET", f"/v1/clusters/{ARN}/nodes", "ListNodes"),
        ("PUT", f"/v1/clusters/{ARN}/reboot-broker", "RebootBroker"),
        ("POST", f"/v1/clusters/{ARN}/scram-secrets", "BatchAssociateScramSecret"),
        ("PATCH", f"/v1/clusters/{ARN}/scram-secrets", "BatchDisassociateScramSecret"),
        ("GET", f"/v1/clusters/{ARN}/scram-secrets", "ListScramSecrets"),
        ("GET", f"/v1/clusters/{ARN}", "DescribeCluster"),
        ("GET", f"/api/v2/clusters/{ARN}", "DescribeClusterV2"),
    ],
)
def test_routes_match_botocore_request_uris(method, path, operation):
    matched = LocalMskApi.match(method, path)
    assert matched == (operation, {"arn": ARN})
    template = wire.operation(operation).http["requestUri"]
    assert path == template.replace("{clusterArn}", ARN)


def test_operations_moto_already_serves_are_left_to_moto():
    assert LocalMskApi.match("GET", "/v1/clusters") is None
    assert LocalMskApi.match("PUT", f"/v1/clusters/{ARN}/policy") is None
    assert LocalMskApi.match("GET", f"/v1/tags/{ARN}") is None


def test_responses_use_msk_wire_names():
    body = wire.response_body("GetBootstrapBrokers", {"BootstrapBrokerStringSaslScram": "h:9096"})
    assert body == {"bootstrapBrokerStringSaslScram": "h:9096"}
    nested = wire.response_body("BatchAssociateScramSecret", {
        "ClusterArn": ARN,
        "UnprocessedScramSecrets": [{"SecretArn": "s", "ErrorCode": "c", "ErrorMessage": "m"}],
    })
    assert nested["unprocessedScramSecrets"] == [{"secretArn": "s", "errorCode": "c", "errorMessage": "m"}]


def test_requests_are_read_by_member_name():
    assert wire.request_body("RebootBroker", {"brokerIds": ["1"]}) == {"BrokerIds": ["1"]}


def test_signing_service_comes_from_the_credential_scope():
    environ = {"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 "
               "Credential=AKIA/20261125/us-east-1/kafka/aws4_request, SignedHeaders=host, Signature=abc"}
    assert signing_service(environ) == "kafka"
    assert signing_service({}) is None


CONFIG_ARN = "arn:aws:kafka:us-east-1:123456789012:configuration/demo-configuration/0b1c-1"


@pytest.mark.parametrize(
    ("path", "operation", "params"),
    [
        ("/v1/configurations", "ListConfigurations", {}),
        (f"/v1/configurations/{CONFIG_ARN}", "DescribeConfiguration", {"arn": CONFIG_ARN}),
        (f"/v1/configurations/{CONFIG_ARN}/revisions", "ListConfigurationRevisions", {"arn": CONFIG_ARN}),
        (f"/v1/configurations/{CONFIG_ARN}/revisions/1", "DescribeConfigurationRevision",
         {"arn": CONFIG_ARN, "revision": "1"}),
    ],
)
def test_configuration_routes_match_botocore_request_uris(path, operation, params):
    assert LocalMskApi.match("GET", path) == (operation, params)
    template = wire.operation(operation).http["requestUri"]
    assert path == template.replace("{arn}", CONFIG_ARN).replace("{revision}", "1")
