"""AWS and Kafka errors become one-line MskctlErrors with a hint and the exit code of their kind."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError
from confluent_kafka import KafkaError, KafkaException

from mskctl.errors import ExitCode
from mskctl.service_errors import translate, translated


def client_error(code: str, message: str = "nope", status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeClusterV2")


@pytest.mark.parametrize(("exc", "code"), [
    (client_error("AccessDeniedException"), ExitCode.PERMISSION),
    (client_error("AccessDenied"), ExitCode.PERMISSION),
    (client_error("UnrecognizedClientException"), ExitCode.PERMISSION),
    (client_error("ExpiredTokenException"), ExitCode.PERMISSION),
    (client_error("NotFoundException"), ExitCode.USAGE),
    (client_error("ThrottlingException"), ExitCode.UNAVAILABLE),
    (client_error("SomethingNew"), ExitCode.FAILED),
    (NoCredentialsError(), ExitCode.CONFIG),
    (NoRegionError(), ExitCode.CONFIG),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), ExitCode.UNAVAILABLE),
    (KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED, "Topic authorization failed")),
     ExitCode.PERMISSION),
    (KafkaException(KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED)), ExitCode.PERMISSION),
    (KafkaException(KafkaError(KafkaError._AUTHENTICATION, "SASL authentication error")), ExitCode.PERMISSION),
    (KafkaException(KafkaError(KafkaError._TRANSPORT, "Connection refused")), ExitCode.UNAVAILABLE),
    (KafkaException(KafkaError(KafkaError._TIMED_OUT)), ExitCode.UNAVAILABLE),
    (KafkaException(KafkaError(KafkaError._MSG_TIMED_OUT)), ExitCode.UNAVAILABLE),
    (KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART)), ExitCode.USAGE),
    (KafkaException(KafkaError(KafkaError._FATAL, "Fatal error: Broker: Cluster authorization failed: "
                                                  "Failed to acquire idempotence PID")), ExitCode.PERMISSION),
    (KafkaException(KafkaError(KafkaError._FATAL, "Fatal error: something else")), ExitCode.FAILED),
])
def test_each_kind_of_error_gets_its_exit_code_a_hint_and_one_line(exc, code):
    error = translate(exc, "describe the cluster", mode="iam")
    assert error is not None and error.exit_code == code
    assert error.message.startswith("Could not describe the cluster: ")
    assert "\n" not in error.message and error.hint


def test_a_403_with_an_xml_body_says_the_code_inside_it():
    body = ('<?xml version="1.0"?>\n<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User x is not '
            'authorized to perform: kafka:ListClustersV2</Message></Error></Errors></ErrorResponse>')
    error = translate(client_error("403", body, 403), "list clusters")
    assert error is not None and error.exit_code == ExitCode.PERMISSION
    assert error.message == "Could not list clusters: AccessDenied: User x is not authorized to perform: " \
                            "kafka:ListClustersV2"


def test_the_grant_of_the_caller_is_the_hint_of_an_authorization_error():
    with pytest.raises(Exception) as caught, translated("produce to orders", grant="kafka-cluster:WriteData"):
        raise KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))
    assert caught.value.exit_code == ExitCode.PERMISSION and "kafka-cluster:WriteData" in caught.value.hint


def test_other_exceptions_are_not_translated():
    assert translate(ValueError("bug"), "anything") is None
