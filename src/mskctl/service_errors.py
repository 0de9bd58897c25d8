"""AWS and Kafka exceptions as MskctlError: one line, a hint, and the exit code of their kind.

The one place that knows botocore's and librdkafka's error vocabularies. Callers wrap a call with
``translated("describe topic orders")`` (or call ``translate``) and the user sees
``Could not describe topic orders: TOPIC_AUTHORIZATION_FAILED ...`` with what to grant, exiting
77; never "internal error".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)
from confluent_kafka import KafkaError, KafkaException

from mskctl.errors import ConfigError, MskctlError, PermissionDenied, ServiceUnavailable, UsageError

AWS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
    "AuthorizationError", "ForbiddenException", "AccessDeniedForDependencyException",
})
AWS_BAD_CREDENTIAL_CODES = frozenset({
    "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
    "InvalidSignatureException", "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestExpired",
})
AWS_NOT_FOUND_CODES = frozenset({"NotFoundException", "ResourceNotFoundException", "NoSuchEntity", "NotFound"})
AWS_UNAVAILABLE_CODES = frozenset({
    "ServiceUnavailable", "ServiceUnavailableException", "Throttling", "ThrottlingException",
    "TooManyRequestsException", "RequestLimitExceeded", "InternalFailure", "InternalServerError",
    "InternalServerErrorException",
})
AWS_NETWORK_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)
AWS_SETUP_ERRORS = (NoCredentialsError, PartialCredentialsError, NoRegionError, ProfileNotFound)

KAFKA_AUTHORIZATION = frozenset({
    KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED, KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    KafkaError.DELEGATION_TOKEN_AUTHORIZATION_FAILED,
})
KAFKA_AUTHENTICATION = frozenset({KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED})
KAFKA_UNAVAILABLE = frozenset({
    KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._TIMED_OUT, KafkaError._MSG_TIMED_OUT,
    KafkaError.REQUEST_TIMED_OUT, KafkaError._RESOLVE, KafkaError.NETWORK_EXCEPTION,
    KafkaError.NOT_ENOUGH_REPLICAS, KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND, KafkaError._SSL,
    KafkaError.LEADER_NOT_AVAILABLE, KafkaError.BROKER_NOT_AVAILABLE, KafkaError.COORDINATOR_NOT_AVAILABLE,
})
KAFKA_BAD_REQUEST = frozenset({
    KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION,
    KafkaError.TOPIC_ALREADY_EXISTS, KafkaError.INVALID_CONFIG, KafkaError.INVALID_PARTITIONS,
    KafkaError.INVALID_REPLICATION_FACTOR, KafkaError.POLICY_VIOLATION, KafkaError.TOPIC_EXCEPTION,
    KafkaError.INVALID_REQUEST, KafkaError.MSG_SIZE_TOO_LARGE, KafkaError._INVALID_ARG,
})
# The kafka-cluster actions (IAM) and ACL operations (SCRAM/mTLS) most flows need, when the caller does not say.
DEFAULT_GRANT = "the kafka-cluster action on the resource (IAM) or an ACL for the principal (SCRAM/mTLS)"


def translate(exc: BaseException, what: str, *, mode: str | None = None, grant: str | None = None
              ) -> MskctlError | None:
    """The user-facing error for an AWS or Kafka exception raised while doing ``what``; None for others."""
    if isinstance(exc, MskctlError):
        return exc
    if isinstance(exc, ClientError):
        return _aws_client_error(exc, what)
    if isinstance(exc, BotoCoreError):
        return _aws_local_error(exc, what)
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return kafka_error(exc.args[0], what, mode=mode, grant=grant)
    if isinstance(exc, KafkaException):
        return MskctlError(f"Could not {what}: {one_line(exc)}", hint=_doctor(mode))
    return None


@contextmanager
def translated(what: str, *, mode: str | None = None, grant: str | None = None) -> Iterator[None]:
    """Run the block; AWS and Kafka exceptions leave it as the MskctlError ``translate`` makes."""
    try:
        yield
    except (BotoCoreError, ClientError, KafkaException) as exc:
        raise translate(exc, what, mode=mode, grant=grant) from None  # type: ignore[misc]


def call(what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` inside ``translated(what)``."""
    with translated(what):
        return function(*args, **kwargs)


def kafka_error(error: KafkaError, what: str, *, mode: str | None = None, grant: str | None = None) -> MskctlError:
    """A KafkaError (from an exception, a delivery report or a consumed message) as a user error."""
    code = _cause_of_fatal(error) if error.code() == KafkaError._FATAL else error.code()
    message = f"Could not {what}: {error.name()}: {one_line(error.str())}"
    if code in KAFKA_AUTHORIZATION:
        return PermissionDenied(message, hint=f"The principal is not allowed to: grant it {grant or DEFAULT_GRANT}.")
    if code in KAFKA_AUTHENTICATION:
        return PermissionDenied(message, hint=_authentication_hint(mode))
    if code in KAFKA_UNAVAILABLE:
        return ServiceUnavailable(message, hint="The brokers did not answer in time or could not be reached: "
                                  + _doctor(mode))
    if code in KAFKA_BAD_REQUEST:
        return UsageError(message, hint="Check the topic name and the values passed (`mskctl topics list`).")
    return MskctlError(message, hint=_doctor(mode))


def _cause_of_fatal(error: KafkaError) -> int:
    """librdkafka reports a fatal error as _FATAL with its cause only in the text ("Fatal error: Broker:
    Cluster authorization failed: ..."); classify by that text, as there is no other handle on it."""
    text = error.str().lower()
    if "authorization failed" in text:
        return KafkaError.CLUSTER_AUTHORIZATION_FAILED
    if "authentication" in text:
        return KafkaError._AUTHENTICATION
    return KafkaError._FATAL


def one_line(value: object) -> str:
    """Messages from AWS and librdkafka can span lines; the CLI prints errors as one."""
    return " ".join(str(value).split())


def _aws_client_error(exc: ClientError, what: str) -> MskctlError:
    code, text = aws_error(exc)
    message = f"Could not {what}: {code}: {one_line(text)}".rstrip(": ")
    if code in AWS_DENIED_CODES or "AccessDenied" in code:
        return PermissionDenied(message, hint="Your AWS identity lacks this permission: grant the action named "
                                "above (check with `aws sts get-caller-identity` who you are).")
    if code in AWS_BAD_CREDENTIAL_CODES:
        return PermissionDenied(message, hint="AWS refused the credentials: refresh them (expired session, wrong "
                                "key) or check AWS_PROFILE / AWS_ACCESS_KEY_ID.")
    if code in AWS_NOT_FOUND_CODES or code.endswith("NotFound") or code.startswith("NoSuch"):
        return UsageError(message, hint="Check the ARN or name and the region (AWS_REGION, --region).")
    if code in AWS_UNAVAILABLE_CODES or code.startswith("5"):
        return ServiceUnavailable(message, hint="AWS is throttling or unavailable: retry in a moment.")
    if code in ("ValidationException", "BadRequestException", "InvalidParameterException", "ValidationError"):
        return UsageError(message, hint="Check the values passed (ARN, names, region).")
    return MskctlError(message, hint="Check the cluster ARN, region and AWS credentials.")


def aws_error(exc: ClientError) -> tuple[str, str]:
    """AWS's error code and message; REST services behind IAM-style endpoints may wrap them in an XML body."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "error")
    text = str(error.get("Message") or "")
    if code.isdigit() and (inner := _XML_CODE.search(text)):
        found = _XML_MESSAGE.search(text)
        return inner.group(1), found.group(1) if found else ""
    if code == "403" and not text:
        return "AccessDenied", ""
    return code, text


_XML_CODE = re.compile(r"<Code>([^<]+)</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


def _aws_local_error(exc: BotoCoreError, what: str) -> MskctlError:
    message = f"Could not {what}: {one_line(exc)}"
    if isinstance(exc, AWS_NETWORK_ERRORS):
        return ServiceUnavailable(message, hint="Check the network path to AWS (proxy, VPC endpoint) or "
                                  "AWS_ENDPOINT_URL for the local MSK (`mskctl local env`).")
    if isinstance(exc, NoRegionError):
        return ConfigError(message, hint="Set AWS_REGION, pass --region, or give the profile a region.")
    if isinstance(exc, AWS_SETUP_ERRORS):
        return ConfigError(message, hint="Configure AWS credentials: env vars, AWS_PROFILE (~/.aws/config), "
                           "or an instance role.")
    if isinstance(exc, ParamValidationError):
        return UsageError(message, hint="Check the ARN or name passed.")
    return MskctlError(message, hint="Check AWS credentials, region and network (or AWS_ENDPOINT_URL).")


def _doctor(mode: str | None) -> str:
    return f"run `mskctl doctor{f' --auth {mode}' if mode else ''}` to find the broken link."


def _authentication_hint(mode: str | None) -> str:
    if mode == "iam":
        return ("The IAM identity could not authenticate: it needs kafka-cluster:Connect, valid credentials "
                "(aws sts get-caller-identity) and a correct clock.")
    if mode == "scram":
        return ("SCRAM authentication failed: check the secret's password and that it is associated with the "
                "cluster (batch-associate-scram-secret).")
    return "Authentication failed: check the credentials for this auth mode; " + _doctor(mode)
