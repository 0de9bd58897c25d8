"""One place that turns resolved settings into librdkafka settings for the chosen MSK auth mode."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import boto3

from mskctl.auth import iam
from mskctl.auth.scram import SecretReader, follow_rotation
from mskctl.config.resolve import places_looked
from mskctl.config.settings import AuthMode, Settings, bootstrap_env_var
from mskctl.errors import ConfigError, UsageError

log = logging.getLogger(__name__)


@dataclass
class ClientSettings:
    """librdkafka settings plus what a created client must be wired back to."""

    config: dict[str, Any]
    mode: AuthMode
    bootstrap: str
    # SCRAM: clients are added here when created, so error_cb can rotate their credentials.
    clients: list = field(default_factory=list)
    scram_user: str | None = None
    scram_secret: str | None = None


def client_settings(settings: Settings, mode: AuthMode | None = None, profile: str | None = None) -> ClientSettings:
    mode = mode or settings.chosen_auth()
    if mode is None:
        raise UsageError("No bootstrap servers: pass --bootstrap-servers (-b) with --auth, or set one of "
                         + ", ".join(bootstrap_env_var(m) for m in (AuthMode.iam, AuthMode.scram, AuthMode.tls))
                         + ".", hint="Looked in: " + places_looked(None, profile) + ".")
    bootstrap = settings.bootstrap_for(mode)
    if not bootstrap:
        raise UsageError(f"No bootstrap servers for auth mode {mode.value}: pass --bootstrap-servers (-b) or set "
                         f"{bootstrap_env_var(mode)}.", hint="Looked in: " + places_looked(mode, profile) + ".")
    tls = _tls(settings)
    if mode is AuthMode.iam:
        region = settings.region or _fail("IAM needs a region (AWS_REGION, --region or the cluster ARN).")
        config = iam.librdkafka_settings(bootstrap, settings.ca_bundle, _iam_callback(settings, region))
        return ClientSettings(config, mode, bootstrap)
    if mode is AuthMode.scram:
        return _scram(settings, bootstrap, tls)
    if mode in (AuthMode.tls, AuthMode.mtls):
        config = {"bootstrap.servers": bootstrap, "security.protocol": "SSL", **tls}
        if mode is AuthMode.mtls or settings.tls_client_cert:
            if not (settings.tls_client_cert and settings.tls_client_key):
                raise UsageError("Mutual TLS needs a client certificate and key.",
                                 hint="Set MSK_TLS_CLIENT_CERT and MSK_TLS_CLIENT_KEY (or the profile keys).")
            config |= {"ssl.certificate.location": settings.tls_client_cert,
                       "ssl.key.location": settings.tls_client_key}
        return ClientSettings(config, mode, bootstrap)
    if not settings.allow_plaintext:
        raise UsageError("PLAINTEXT sends everything unencrypted and unauthenticated.",
                         hint="Pass --allow-plaintext if you really mean it (never in production).")
    log.warning("using PLAINTEXT: no encryption, no authentication")
    return ClientSettings({"bootstrap.servers": bootstrap, "security.protocol": "PLAINTEXT"}, mode, bootstrap)


def _fail(message: str) -> str:
    raise UsageError(message)


def _tls(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {"ssl.endpoint.identification.algorithm": "https"}
    if settings.ca_bundle:
        if not os.path.exists(settings.ca_bundle):
            raise ConfigError(f"CA bundle {settings.ca_bundle} does not exist "
                             f"(from {settings.sources.get('ca_bundle', 'settings')}).",
                             hint="Point MSK_CA_BUNDLE at a PEM file, or unset it to use the system CAs.")
        config["ssl.ca.location"] = settings.ca_bundle
    return config


def _iam_callback(settings: Settings, region: str) -> iam.OAuthCallback:
    if settings.role_arn:
        return iam.role_callback(region, settings.role_arn)
    if settings.aws_profile:
        return iam.profile_callback(region, settings.aws_profile)
    return iam.oauth_callback(region)


def _scram(settings: Settings, bootstrap: str, tls: dict[str, Any]) -> ClientSettings:
    base = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512", **tls}
    if settings.scram_username and settings.scram_password:
        return ClientSettings(base | {"sasl.username": settings.scram_username,
                                      "sasl.password": settings.scram_password.get_secret_value()},
                              AuthMode.scram, bootstrap, scram_user=settings.scram_username)
    secret = settings.scram_secret_arn or settings.scram_secret_name
    if not secret:
        raise UsageError("SCRAM needs the Secrets Manager secret that holds the credentials.",
                         hint="Set MSK_SCRAM_SECRET_ARN or MSK_SCRAM_SECRET_NAME (or --scram-secret).")
    reader = SecretReader(secret, settings.region, settings.aws_profile)
    credentials = reader.credentials()
    result = ClientSettings(
        base | {"sasl.username": credentials.username,
                "sasl.password": credentials.password.get_secret_value()},
        AuthMode.scram, bootstrap, scram_user=credentials.username, scram_secret=secret,
    )
    result.config["error_cb"] = follow_rotation(reader, result.clients)
    return result


def boto_session(settings: Settings) -> boto3.Session:
    return boto3.Session(profile_name=settings.aws_profile) if settings.aws_profile else boto3.Session()
