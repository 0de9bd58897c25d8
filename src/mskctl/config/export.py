"""Settings as other tools want them: Java client.properties, librdkafka, env vars, kcat flags."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from mskctl.config.formats import properties_line, shell_export
from mskctl.config.settings import ENV_VARS, AuthMode, Settings
from mskctl.errors import UsageError
from mskctl.text import printable

MASK = "********"


def java_properties(settings: Settings, mode: AuthMode, password: str | None) -> str:
    """client.properties; every value escaped by ``properties_line``, so none can add a key."""
    entries = [("bootstrap.servers", settings.bootstrap_for(mode) or "")]
    truststore = ([("ssl.truststore.type", "PEM"), ("ssl.truststore.location", settings.ca_bundle)]
                  if settings.ca_bundle else [])
    comments: list[str] = []
    if mode is AuthMode.iam:
        entries += [("security.protocol", "SASL_SSL"), ("sasl.mechanism", "AWS_MSK_IAM"),
                    ("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;"),
                    ("sasl.client.callback.handler.class",
                     "software.amazon.msk.auth.iam.IAMClientCallbackHandler"), *truststore]
    elif mode is AuthMode.scram:
        user = settings.scram_username or "USERNAME"
        entries += [("security.protocol", "SASL_SSL"), ("sasl.mechanism", "SCRAM-SHA-512"),
                    ("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                     f"username={jaas_quoted(user)} password={jaas_quoted(password or MASK)};"), *truststore]
    elif mode in (AuthMode.tls, AuthMode.mtls):
        entries += [("security.protocol", "SSL"), *truststore]
        if settings.tls_client_cert:
            keystore, comments = _java_keystore(settings.tls_client_cert, settings.tls_client_key)
            entries += keystore
    else:
        entries += [("security.protocol", "PLAINTEXT")]
    lines = [properties_line(key, value) for key, value in entries]
    return "\n".join(lines + comments) + "\n"


def jaas_quoted(value: str) -> str:
    """A JAAS option value in double quotes (Kafka's JaasConfig reads backslash escapes inside them)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _java_keystore(cert: str, key: str | None) -> tuple[list[tuple[str, str]], list[str]]:
    """Java reads a PEM keystore from one file holding the PKCS#8 key and the chain."""
    combined = Path(cert).with_suffix(".pem")
    if combined.exists() and "PRIVATE KEY" in combined.read_text(errors="ignore"):
        return [("ssl.keystore.type", "PEM"), ("ssl.keystore.location", str(combined))], []
    command = shlex.join(["cat", key or "KEY", cert]) + " > client-keystore.pem"
    return ([("ssl.keystore.type", "PEM"), ("ssl.keystore.location", "client-keystore.pem")],
            [f"# create it first: {printable(command)}  (the key must be PKCS#8)"])


def librdkafka(config: dict[str, Any], reveal: bool) -> str:
    shown = {}
    for key, value in config.items():
        if callable(value) or key == "logger":
            shown[key] = "<set by mskctl: " + ("IAM token signer" if key == "oauth_cb" else "callback") + ">"
        elif key == "sasl.password" and not reveal:
            shown[key] = MASK
        else:
            shown[key] = value
    return json.dumps(shown, indent=2) + "\n"


def env_lines(settings: Settings) -> str:
    lines = []
    for field, var in ENV_VARS.items():
        value = getattr(settings, field)
        if value is not None:
            lines.append(shell_export(var, value))
    return "\n".join(lines) + "\n"


def kcat_args(config: dict[str, Any], mode: AuthMode, reveal: bool) -> str:
    if mode is AuthMode.iam:
        raise UsageError("kcat cannot sign MSK IAM tokens.",
                         hint="Use --auth scram or tls with kcat, or `mskctl produce/consume` for IAM.")
    args = ["-b", config["bootstrap.servers"]]
    for key, value in config.items():
        if key == "bootstrap.servers" or callable(value) or key in ("logger", "error_cb"):
            continue
        shown = MASK if key == "sasl.password" and not reveal else str(value)
        args += ["-X", f"{key}={shown}"]
    return " ".join(shlex.quote(a) for a in args) + "\n"
