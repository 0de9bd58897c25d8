"""How the AWS layer calls AWS: one boto3 client per service, and two kinds of call.

``required`` calls (MSK, EC2 security groups, Secrets Manager) are the audit itself: AccessDenied
stops it with ``AwsPermissionMissing`` (exit 77) naming the IAM action to grant. ``optional`` calls
(IAM, CloudTrail, MSK Connect, KMS key metadata, MSK's version list) cover account-wide or
key-policy-guarded parts: on AccessDenied, or when the endpoint does not serve the operation,
they return ``None`` and leave a note in ``LayerResult.scanned``; the rules that needed them are
then not marked checked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mskctl.audit.model import LayerResult
from mskctl.config.discovery import aws_client
from mskctl.errors import PermissionDenied
from mskctl.service_errors import AWS_DENIED_CODES, translate


class AwsPermissionMissing(PermissionDenied):
    """The identity may not make a call the audit needs."""


def is_denied(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    return code in AWS_DENIED_CODES or "AccessDenied" in code


def error_code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "error")


class AwsCalls:
    """The audit's AWS clients (as the settings' profile and region) and its two kinds of call."""

    def __init__(self, settings: Any, result: LayerResult) -> None:
        self.settings = settings
        self.result = result
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()  # notes are appended from worker threads

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = aws_client(self.settings, service)
            return self._clients[service]

    def required(self, action: str, call: Callable[[], Any]) -> Any:
        """Run ``call``; AccessDenied names ``action`` (``kafka:DescribeClusterV2``) as the permission."""
        try:
            return call()
        except ClientError as exc:
            if is_denied(exc):
                error = exc.response.get("Error", {})
                raise AwsPermissionMissing(
                    f"The audit may not call {action}: {error.get('Code')}: {error.get('Message')}",
                    hint=f"Grant {action} to the identity running mskctl (read-only; "
                    "the AWS managed policy ReadOnlyAccess includes it).",
                ) from None
            raise translate(exc, f"call {action}") from None
        except BotoCoreError as exc:
            raise translate(exc, f"call {action}") from None

    def optional(self, part: str, action: str, call: Callable[[], Any]) -> Any | None:
        """Run ``call``; on AccessDenied or an operation the endpoint lacks, note it and return None."""
        try:
            return call()
        except ClientError as exc:
            reason = f"AccessDenied on {action}" if is_denied(exc) else f"{error_code(exc)} from {action}"
            self.note(f"{part}: not checked ({reason})")
            return None
        except BotoCoreError as exc:
            self.note(f"{part}: not checked ({type(exc).__name__} on {action})")
            return None

    def pages(self, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item under ``key`` of every page (to be run inside ``required`` or ``optional``)."""
        paginator = self.client(service).get_paginator(operation)
        return [item for page in paginator.paginate(**kwargs) for item in page.get(key, [])]

    def note(self, text: str) -> None:
        with self._lock:
            self.result.scanned.append(text)
