"""SCRAM password rotation: a new password into the user's secret, then proof from the cluster itself
that the new one is accepted and the old one refused, with how long each took."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from pydantic import SecretStr

from mskctl.access.context import AccessContext
from mskctl.access.live import aws_call
from mskctl.auth.providers import client_settings
from mskctl.config.settings import AuthMode
from mskctl.errors import MskctlError, UsageError

DURATION = re.compile(r"^(\d+)([dhms])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


@dataclass(frozen=True)
class SecretInfo:
    name: str
    arn: str
    last_changed: datetime | None


@dataclass(frozen=True)
class Rotation:
    user: str
    secret: str
    accepted_after: float  # seconds from the secret update until a new login with the new password worked
    old_refused_after: float  # ... until a login with the old password was refused


def parse_age(text: str) -> timedelta:
    match = DURATION.match(text.strip())
    if not match:
        raise UsageError(f"{text!r} is not an age.", hint="Write a number and a unit: 90d, 12h, 30m, 45s.")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def associated_secrets(ctx: AccessContext) -> list[SecretInfo]:
    if not ctx.cluster_arn:
        raise UsageError("Rotation needs the cluster ARN (to find its SCRAM secrets).",
                         hint="Pass --cluster-arn or set MSK_CLUSTER_ARN (or the profile's cluster_arn).")
    arns: list[str] = []
    for page in aws_call("list SCRAM secrets", ctx.aws("kafka").get_paginator("list_scram_secrets").paginate,
                         ClusterArn=ctx.cluster_arn):
        arns += page.get("SecretArnList", [])
    found = []
    for arn in arns:
        described = aws_call(f"describe secret {arn}", ctx.aws("secretsmanager").describe_secret, SecretId=arn)
        found.append(SecretInfo(described["Name"], arn,
                                described.get("LastChangedDate") or described.get("CreatedDate")))
    return found


def find_secret(ctx: AccessContext, user: str) -> SecretInfo:
    """The associated secret of a user: by secret name or ARN, by AmazonMSK_<user>, else by its username."""
    secrets = associated_secrets(ctx)
    for secret in secrets:
        if user in (secret.arn, secret.name) or secret.name == f"AmazonMSK_{user}":
            return secret
    for secret in secrets:
        if _read(ctx, secret.arn).get("username") == user:
            return secret
    raise UsageError(f"No SCRAM secret associated with the cluster holds user {user!r}.",
                     hint="`mskctl plan` lists the SCRAM users; associate the user's secret first.")


def _read(ctx: AccessContext, secret_id: str) -> dict[str, Any]:
    raw = aws_call(f"read secret {secret_id}", ctx.aws("secretsmanager").get_secret_value,
                   SecretId=secret_id)["SecretString"]
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or "username" not in value or "password" not in value:
        raise MskctlError(f"Secret {secret_id} is not JSON with username and password.",
                          hint='MSK expects {"username": "...", "password": "..."}.')
    return value


def login(ctx: AccessContext, user: str, password: str, timeout: float = 6.0) -> bool | None:
    """True: the cluster accepted the login; False: refused it; None: no answer either way."""
    settings = ctx.settings.model_copy(update={"scram_username": user, "scram_password": SecretStr(password)})
    config = client_settings(settings, AuthMode.scram).config
    errors: list[KafkaError] = []
    admin = AdminClient(config | {"error_cb": errors.append, "log_level": 0})
    deadline = time.monotonic() + timeout
    # Short metadata attempts: a refusal shows in error_cb (served by poll) long before a long timeout.
    while time.monotonic() < deadline:
        try:
            admin.list_topics(timeout=1.0)
            return True
        except KafkaException:
            admin.poll(0.1)
        if any(e.code() == KafkaError._AUTHENTICATION for e in errors):
            return False
    return None


def rotate(ctx: AccessContext, secret: SecretInfo, *, timeout: float = 300.0,
           on_step: Callable[[str], None] = lambda s: None) -> Rotation:
    sm = ctx.aws("secretsmanager")
    current = _read(ctx, secret.arn)
    old_password = current["password"]
    # Secrets Manager generates the password; it is never printed or logged.
    new_password = aws_call("generate a password", sm.get_random_password, PasswordLength=32,
                            ExcludePunctuation=True)["RandomPassword"]
    aws_call(f"update secret {secret.name}", sm.put_secret_value, SecretId=secret.arn,
             SecretString=json.dumps(current | {"password": new_password}))
    started = time.monotonic()
    on_step("secret updated; waiting for the cluster to accept the new password")
    accepted_after = _wait(lambda: login(ctx, current["username"], new_password) is True, started, timeout,
                           f"the cluster to accept {current['username']}'s new password")
    on_step("new password accepted; checking the old one is refused")
    refused_after = _wait(lambda: login(ctx, current["username"], old_password) is False, started, timeout,
                          f"the cluster to refuse {current['username']}'s old password")
    return Rotation(current["username"], secret.name, accepted_after, refused_after)


def _wait(check: Callable[[], bool], started: float, timeout: float, what: str) -> float:
    while not check():
        if time.monotonic() - started > timeout:
            raise MskctlError(f"Timed out after {timeout:.0f} s waiting for {what}.",
                              hint="The secret holds the new password; MSK applies secret changes "
                              "asynchronously. Check the association (`mskctl plan`) and try a login later.")
        time.sleep(0.5)
    return time.monotonic() - started


def due_for_rotation(secrets: list[SecretInfo], older_than: timedelta, now: datetime | None = None) -> list[SecretInfo]:
    now = now or datetime.now(UTC)
    return [s for s in secrets if s.last_changed is None or now - s.last_changed >= older_than]
