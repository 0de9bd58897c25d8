"""The access spec: topics and who may do what, as typed, validated data (its JSON Schema is published).

Names in intents are exact, or prefixes written with a trailing ``*`` (``orders.*`` is
every name starting with ``orders.``). A bare ``*`` would grant the whole cluster and
is refused: name the topics or a prefix.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from mskctl.access.topic_configs import config_problem

TOPIC_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")
PRINCIPAL_KEY = re.compile(r"^[a-zA-Z0-9+=,.@_-]{1,64}$")
IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/([A-Za-z0-9_+=,.@/-]+)$")
SCRAM_USER = re.compile(r"^[a-zA-Z0-9._@+=-]{1,128}$")
ConfigValue = str | int | float | bool


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_topic_name(name: str) -> str:
    if name in (".", "..") or not TOPIC_NAME.match(name):
        raise ValueError(f"{name!r} is not a valid Kafka topic name: use 1-249 of a-z A-Z 0-9 . _ -")
    return name


def _check_topic_pattern(pattern: str) -> str:
    if pattern.strip() in ("*", ""):
        raise ValueError("'*' would grant every topic of the cluster: name the topics, or a prefix such as "
                         "'orders.*'")
    _check_topic_name(pattern.removesuffix("*"))
    return pattern


def _check_name_pattern(pattern: str) -> str:
    if pattern.strip() in ("*", ""):
        raise ValueError("'*' would grant every name in the cluster: name them, or a prefix such as 'billing-*'")
    body = pattern.removesuffix("*")
    if "*" in body or "?" in body:
        raise ValueError(f"{pattern!r}: '*' may only end a prefix ('billing-*'); '?' is not allowed")
    return pattern


def _check_configs(configs: dict[str, ConfigValue]) -> dict[str, ConfigValue]:
    for key, value in configs.items():
        problem = config_problem(key, value)
        if problem:
            # ctx carries the key so the loader can point at its line.
            raise PydanticCustomError("topic_config", "{problem}", {"problem": problem, "key": key})
    return configs


def _topics_shorthand(value: Any) -> Any:
    """``produce: [a, b]`` is short for ``produce: {topics: [a, b]}``."""
    return {"topics": value} if isinstance(value, list | str) else value


TopicName = Annotated[str, AfterValidator(_check_topic_name)]
TopicPattern = Annotated[str, AfterValidator(_check_topic_pattern)]
NamePattern = Annotated[str, AfterValidator(_check_name_pattern)]
TopicConfigs = Annotated[dict[str, ConfigValue], AfterValidator(_check_configs)]


class TopicSettings(Strict):
    partitions: int | None = Field(None, ge=1, le=100_000)
    replication_factor: int | None = Field(None, ge=1, le=32)
    configs: TopicConfigs = {}


class Defaults(Strict):
    topic: TopicSettings = TopicSettings()


class ClusterRef(Strict):
    profile: str | None = Field(None, description="mskctl profile (~/.config/mskctl/config.toml) to connect with.")
    arn: str | None = Field(None, pattern=r"^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/[^/]+/[^/]+$")


class Scope(Strict):
    """What this spec owns: only these may be changed or deleted (default: every non-internal topic, every ACL)."""

    topics: list[str] = Field(default_factory=lambda: ["*"], description="Topic name globs.")
    principals: list[str] = Field(default_factory=lambda: ["*"],
                                  description="ACL principal globs, such as 'User:app-*'.")
    ignore_topics: list[str] = Field(default_factory=list, description="Topic globs never touched.")
    ignore_principals: list[str] = Field(default_factory=list, description="ACL principal globs never touched.")


class ScramOptions(Strict):
    kms_key: str = Field("alias/mskctl-scram",
                         description="Customer-managed KMS key (alias or ARN) for AmazonMSK_ secrets; "
                         "an alias that does not exist is created, with rotation on.")


class Produce(Strict):
    topics: Annotated[list[TopicPattern], Field(min_length=1)]
    idempotent: bool = Field(True, description="Idempotent producing (the Java client's default since 3.0).")
    transactional_ids: list[NamePattern] = []


class Consume(Strict):
    topics: Annotated[list[TopicPattern], Field(min_length=1)]
    groups: list[NamePattern] = Field(default_factory=list, description="Consumer groups (exact or prefix*).")


class Admin(Strict):
    topics: list[TopicPattern] = Field(default_factory=list, description="Create, delete, alter, configure.")
    groups: list[NamePattern] = Field(default_factory=list, description="Describe and delete groups.")

    @model_validator(mode="after")
    def _not_empty(self) -> Admin:
        if not self.topics and not self.groups:
            raise ValueError("admin needs topics or groups")
        return self


class ScramUser(Strict):
    user: Annotated[str, Field(pattern=SCRAM_USER.pattern)] | None = Field(
        None, description="Kafka user name (default: the principal's key).")
    create: bool = Field(True, description="Create the secret with a generated password and associate it; "
                         "false when the user is managed elsewhere.")
    secret_name: Annotated[str, Field(pattern=r"^AmazonMSK_[A-Za-z0-9_/+=.@-]{1,500}$")] | None = None


class Principal(Strict):
    description: str | None = None
    iam: Annotated[str, Field(pattern=IAM_PRINCIPAL_ARN.pattern)] | None = Field(
        None, description="IAM role or user ARN; gets a managed policy with exactly its intents.")
    scram: Annotated[ScramUser | None, BeforeValidator(lambda v: {} if v is True else v,
                                                       json_schema_input_type=ScramUser | Literal[True] | None)] = None
    mtls: str | None = Field(None, min_length=3, description="Client certificate subject DN, as Kafka prints it.")
    produce: Annotated[Produce | None, BeforeValidator(_topics_shorthand,
                                                     json_schema_input_type=Produce | list[str] | None)] = None
    consume: Annotated[Consume | None, BeforeValidator(_topics_shorthand,
                                                     json_schema_input_type=Consume | list[str] | None)] = None
    admin: Annotated[Admin | None, BeforeValidator(_topics_shorthand,
                                                     json_schema_input_type=Admin | list[str] | None)] = None

    @model_validator(mode="after")
    def _one_identity_some_intent(self) -> Principal:
        identities = [k for k in ("iam", "scram", "mtls") if getattr(self, k) is not None]
        if len(identities) != 1:
            raise ValueError("a principal needs exactly one of iam (ARN), scram (user) or mtls (DN); "
                             f"found {', '.join(identities) or 'none'}")
        if self.produce is None and self.consume is None and self.admin is None:
            raise ValueError("a principal with no intents grants nothing: add produce, consume or admin")
        if self.mtls is not None and "=" not in self.mtls:
            raise ValueError(f"mtls {self.mtls!r} is not a DN: write it as 'CN=app,OU=team,O=Example'")
        return self


class EnvironmentOverlay(Strict):
    cluster: ClusterRef | None = None
    defaults: Defaults | None = None
    topics: dict[TopicName, TopicSettings] = Field(default_factory=dict,
                                                   description="Per-topic settings for this environment.")


class AccessSpec(Strict):
    """One cluster's topics and access intents. Several files merge into one."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="mskctl access spec")

    version: Literal[1] = 1
    name: Annotated[str, Field(pattern=r"^[a-zA-Z0-9-]{1,32}$")] = Field(
        "default", description="This spec's name: several specs may manage one cluster, each owning its own IAM "
        "policies and SCRAM users (scope topics and principals apart).")
    cluster: ClusterRef = ClusterRef()
    scope: Scope = Scope()
    defaults: Defaults = Defaults()
    environments: dict[str, EnvironmentOverlay] = {}
    scram: ScramOptions = ScramOptions()
    topics: dict[TopicName, TopicSettings] = {}
    principals: dict[Annotated[str, Field(pattern=PRINCIPAL_KEY.pattern)], Principal] = {}

    @model_validator(mode="after")
    def _environment_topics_exist(self) -> AccessSpec:
        for env, overlay in self.environments.items():
            unknown = sorted(set(overlay.topics) - set(self.topics))
            if unknown:
                raise ValueError(f"environment {env!r} sets topics not in `topics`: {', '.join(unknown)}")
        return self


def json_schema() -> dict[str, Any]:
    schema = AccessSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://mskctl.dev/schemas/access-spec-v1.json"
    return schema
