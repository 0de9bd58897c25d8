"""``connect()``: resolved settings + auth mode -> real confluent-kafka Producer / Consumer / AdminClient."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from mskctl.auth.providers import ClientSettings, client_settings
from mskctl.config.resolve import resolve
from mskctl.config.settings import AuthMode, Settings
from mskctl.service_errors import translated

# librdkafka logs through this logger: silent unless the CLI's --debug (or the caller) adds a handler.
LIBRDKAFKA_LOG = logging.getLogger("mskctl.librdkafka")
LIBRDKAFKA_LOG.addHandler(logging.NullHandler())
LIBRDKAFKA_LOG.propagate = False
PRODUCER_DEFAULTS = {"acks": "all", "enable.idempotence": True}


class Connection:
    """One cluster and auth mode; hands out real clients configured for it."""

    def __init__(self, settings: Settings, mode: AuthMode | None = None, profile: str | None = None) -> None:
        self.settings = settings
        self._client = client_settings(settings, mode, profile)

    @property
    def mode(self) -> AuthMode:
        return self._client.mode

    @property
    def bootstrap(self) -> str:
        return self._client.bootstrap

    @property
    def scram_user(self) -> str | None:
        return self._client.scram_user

    def librdkafka_config(self, **overrides: Any) -> dict[str, Any]:
        """The full librdkafka dict (with callbacks and the SCRAM password: keep it out of logs)."""
        return {"logger": LIBRDKAFKA_LOG, **self._client.config, **_dotted(overrides)}

    def producer(self, **overrides: Any) -> Producer:
        return self._create(Producer, self.librdkafka_config(**(PRODUCER_DEFAULTS | _dotted(overrides))))

    def consumer(self, group: str, **overrides: Any) -> Consumer:
        defaults = {"group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest"}
        return self._create(Consumer, self.librdkafka_config(**(defaults | _dotted(overrides))))

    def admin(self, **overrides: Any) -> AdminClient:
        return self._create(AdminClient, self.librdkafka_config(**overrides))

    def _create(self, client_type: type, config: dict[str, Any]) -> Any:
        # IAM signs its first token while the client is built: a signer failure surfaces here, as a KafkaException.
        with translated(f"connect to {self.bootstrap} with {self.mode.value}", mode=self.mode.value):
            return self._track(client_type(config))

    def _track(self, client: Any) -> Any:
        # SCRAM rotation: error_cb swaps credentials on every client of this connection.
        self._client.clients.append(client)
        return client

    @property
    def client_settings(self) -> ClientSettings:
        return self._client


def _dotted(overrides: dict[str, Any]) -> dict[str, Any]:
    """Python-friendly keyword names (``linger_ms``) as librdkafka's (``linger.ms``)."""
    return {key.replace("_", ".") if "." not in key and key not in _UNDERSCORE_KEYS else key: value
            for key, value in overrides.items()}


_UNDERSCORE_KEYS = {"oauth_cb", "error_cb", "stats_cb", "throttle_cb", "log_level", "on_delivery"}


def connect(
    profile: str | None = None,
    *,
    cluster_arn: str | None = None,
    auth: AuthMode | str | None = None,
    **settings: Any,
) -> Connection:
    """Connect the way the CLI does: flags (these keyword arguments), env vars, profile, AWS discovery."""
    flags = dict(settings)
    if cluster_arn:
        flags["cluster_arn"] = cluster_arn
    resolved = resolve(flags, profile=profile)
    return Connection(resolved, AuthMode(auth) if auth else None, profile)
