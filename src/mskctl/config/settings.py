"""The connection settings of one MSK cluster, typed, with secrets that never print."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from mskctl.config.endpoints import check_bootstrap, check_topic
from mskctl.errors import UsageError
from mskctl.text import printable


class AuthMode(StrEnum):
    iam = "iam"
    scram = "scram"
    tls = "tls"
    mtls = "mtls"
    plaintext = "plaintext"


# Seed 001's environment variable names (plus MSK_BOOTSTRAP_SERVERS for plaintext).
ENV_VARS: dict[str, str] = {
    "bootstrap_iam": "MSK_BOOTSTRAP_SERVERS_IAM",
    "bootstrap_scram": "MSK_BOOTSTRAP_SERVERS_SCRAM",
    "bootstrap_tls": "MSK_BOOTSTRAP_SERVERS_TLS",
    "bootstrap_plaintext": "MSK_BOOTSTRAP_SERVERS",
    "cluster_arn": "MSK_CLUSTER_ARN",
    "cluster_name": "MSK_CLUSTER_NAME",
    "scram_secret_arn": "MSK_SCRAM_SECRET_ARN",
    "scram_secret_name": "MSK_SCRAM_SECRET_NAME",
    "topic": "MSK_TOPIC",
    "consumer_group": "MSK_CONSUMER_GROUP",
    "num_messages": "NUM_MESSAGES",
    "message_interval": "MESSAGE_INTERVAL",
    "consume_timeout": "CONSUME_TIMEOUT",
    "region": "AWS_REGION",
    "ca_bundle": "MSK_CA_BUNDLE",
    "tls_client_cert": "MSK_TLS_CLIENT_CERT",
    "tls_client_key": "MSK_TLS_CLIENT_KEY",
    "aws_profile": "AWS_PROFILE",
}
REGION_FALLBACK_ENV = "AWS_DEFAULT_REGION"


def bootstrap_field(mode: AuthMode) -> str:
    """The settings field holding the bootstrap servers of ``mode`` (mTLS uses the TLS listener)."""
    return "bootstrap_tls" if mode is AuthMode.mtls else f"bootstrap_{mode.value}"


def bootstrap_env_var(mode: AuthMode) -> str:
    return ENV_VARS[bootstrap_field(mode)]


# Validated where settings are built, whatever their source (flag, env, profile, Terraform, AWS):
# these strings end up in client configurations and generated files.
Bootstrap = Annotated[str, AfterValidator(check_bootstrap)]
TopicName = Annotated[str, AfterValidator(check_topic)]


class Settings(BaseModel):
    """Everything a client needs; ``sources`` says where each value came from."""

    model_config = ConfigDict(extra="forbid")

    auth: AuthMode | None = None
    bootstrap_iam: Bootstrap | None = None
    bootstrap_scram: Bootstrap | None = None
    bootstrap_tls: Bootstrap | None = None
    bootstrap_plaintext: Bootstrap | None = None
    cluster_arn: str | None = None
    cluster_name: str | None = None
    scram_secret_arn: str | None = None
    scram_secret_name: str | None = None
    scram_username: str | None = None
    scram_password: SecretStr | None = None
    topic: TopicName | None = None
    consumer_group: str | None = None
    num_messages: int | None = Field(None, ge=1)
    message_interval: float | None = Field(None, ge=0, allow_inf_nan=False)
    consume_timeout: float | None = Field(None, ge=0, allow_inf_nan=False)
    region: str | None = None
    ca_bundle: str | None = None
    tls_client_cert: str | None = None
    tls_client_key: str | None = None
    aws_profile: str | None = None
    role_arn: str | None = None
    allow_plaintext: bool = False
    sources: dict[str, str] = {}

    def bootstrap_for(self, mode: AuthMode) -> str | None:
        return {
            AuthMode.iam: self.bootstrap_iam,
            AuthMode.scram: self.bootstrap_scram,
            AuthMode.tls: self.bootstrap_tls,
            AuthMode.mtls: self.bootstrap_tls,
            AuthMode.plaintext: self.bootstrap_plaintext,
        }[mode]

    def with_bootstrap(self, bootstrap: str | None, auth: AuthMode | None) -> Settings:
        """``--bootstrap-servers`` filed under ``--auth``, else the mode these settings would choose, else IAM.

        One rule for every command, so ``-b host:9096`` means the same to ``doctor`` and ``produce``.
        """
        if not bootstrap:
            return self
        field = bootstrap_field(auth or self.chosen_auth() or AuthMode.iam)
        try:
            check_bootstrap(bootstrap)  # model_copy does not validate
        except ValueError as exc:
            raise UsageError(f"--bootstrap-servers {printable(bootstrap)!r} is invalid: {exc}.",
                             hint="e.g. -b b-1.example:9098,b-2.example:9098, or [2001:db8::1]:9098.") from None
        return self.model_copy(update={field: bootstrap, "sources": self.sources | {field: "flag"}})

    def chosen_auth(self) -> AuthMode | None:
        """The profile's mode, else the first of IAM, SCRAM, TLS whose bootstrap servers are known."""
        if self.auth is not None:
            return self.auth
        for mode in (AuthMode.iam, AuthMode.scram, AuthMode.tls):
            if self.bootstrap_for(mode):
                return AuthMode.mtls if mode is AuthMode.tls and self.tls_client_cert else mode
        return None

    def masked(self) -> dict[str, object]:
        """For display: secrets as ``**********``, nothing else hidden."""
        shown: dict[str, object] = {}
        for name, value in self.model_dump(exclude={"sources"}).items():
            if value is None:
                continue
            shown[name] = "**********" if isinstance(getattr(self, name), SecretStr) else (
                value.value if isinstance(value, StrEnum) else value
            )
        return shown
