"""The protection policy: which fields of which topics get which action, as validated YAML.

Topics are matched by glob (``orders.*``), first match wins. Fields are JSON paths (see
``paths``) or tags of a schema file (``"pii": true``, ``"tags": [...]``; see ``schemas``).
Errors name the file and line, as the access spec's do (the same YAML reader).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mskctl.access.loader import SourceMap, SpecError, data_location, parse_yaml, read_text
from mskctl.protect import paths
from mskctl.protect.errors import PolicyError

Action = Literal["encrypt", "encrypt-deterministic", "tokenize", "mask", "drop"]
KEYED = ("encrypt", "encrypt-deterministic", "tokenize")
MAX_PATTERN_LENGTH = 1000  # a mask pattern names a shape (digits, an e-mail's local part), not a list of values


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _selector(text: str) -> str:
    try:
        return str(paths.parse(text))
    except paths.SelectorError as exc:
        raise ValueError(str(exc)) from None


class Keys(Strict):
    kms: str | None = Field(None, description="Customer-managed symmetric KMS key (id, ARN or alias/NAME) for "
                                                 "`encrypt`: data keys come from kms:GenerateDataKey under it.")
    hmac: str | None = Field(None, description="KMS HMAC key (HMAC_256, GENERATE_VERIFY_MAC) for "
                                                  "`encrypt-deterministic`, `tokenize` and subject references: "
                                                  "keys are derived from it with kms:GenerateMac.")


class DataKeySettings(Strict):
    ttl_seconds: int = Field(3600, ge=1, le=30 * 86400,
                             description="A producer asks KMS for a new data key after this many seconds.")
    max_records: int = Field(100_000, ge=1, le=1 << 30,
                             description="... or after this many records, whichever comes first.")


class Subjects(Strict):
    table: str = Field(..., pattern=r"^[a-zA-Z0-9_.-]{3,255}$",
                       description="DynamoDB table holding one wrapped key per subject (`mskctl protect init`).")
    kms: str | None = Field(None, description="KMS key wrapping the subject keys (default: keys.kms).")
    cache_seconds: int = Field(60, ge=0, le=3600,
                               description="How long clients keep a subject key: `forget` takes effect on "
                                           "running clients within this time.")


class FieldRule(Strict):
    path: str | None = Field(None, description="JSON path: $.a.b, $.a[*].b, $.a[0], $[\"key with dots\"].")
    tags: list[str] | None = Field(None, min_length=1,
                                   description="Select the fields of the topic's schema marked with any of these "
                                               "tags (`\"pii\": true` counts as tag pii).")
    action: Action
    key: str | None = Field(None, description="Another KMS key for this field (symmetric for encrypt, HMAC for "
                                              "encrypt-deterministic and tokenize).")
    subject: str | None = Field(None, description="encrypt: JSON path of the record's subject id (e.g. "
                                                  "$.customer_id): the field is encrypted with that subject's own "
                                                  "key, which `mskctl protect forget` destroys.")
    format: Literal["token", "digits"] = Field("token", description="tokenize: `digits` keeps the shape of digit "
                                                                   "strings and integers.")
    keep_first: int = Field(0, ge=0, description="mask: characters left as they are at the start.")
    keep_last: int = Field(0, ge=0, description="mask (and tokenize with format digits): characters/digits left "
                                                "as they are at the end.")
    pattern: str | None = Field(None, description="mask: a regular expression; characters it matches are masked.")
    char: str = Field("*", min_length=1, max_length=1, description="mask: the masking character.")

    @field_validator("path", "subject")
    @classmethod
    def _selectors_parse(cls, value: str | None) -> str | None:
        return None if value is None else _selector(value)

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            if len(value) > MAX_PATTERN_LENGTH:
                raise ValueError(f"longer than {MAX_PATTERN_LENGTH} characters, the limit for a mask pattern")
            try:
                regex.compile(value)  # the engine masks run with: it takes a timeout (actions.mask)
            except regex.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _options_fit_the_action(self) -> FieldRule:
        if (self.path is None) == (self.tags is None):
            raise ValueError("give either path (a JSON path) or tags (schema tags), not both")
        misplaced = [name for name, applies in (
            ("subject", self.action == "encrypt"), ("format", self.action == "tokenize"),
            ("keep_first", self.action == "mask"), ("pattern", self.action == "mask"),
            ("char", self.action == "mask"), ("key", self.action in KEYED),
            ("keep_last", self.action == "mask" or (self.action == "tokenize" and self.format == "digits")),
        ) if name in self.model_fields_set and not applies]
        if misplaced:
            raise ValueError(f"{', '.join(misplaced)} does not apply to action {self.action}")
        if self.pattern is not None and (self.keep_first or self.keep_last):
            raise ValueError("mask takes a pattern or keep_first/keep_last, not both")
        if self.subject is not None and paths.parse(self.subject).has_wildcard:
            raise ValueError("subject must name one value: no [*] in it")
        return self


class TopicRules(Strict):
    topic: str = Field(..., min_length=1, description="Topic name or glob (orders.*); the first match wins.")
    schema_file: str | None = Field(None, alias="schema", description="Avro (.avsc) or JSON Schema (.json) file, "
                                                                     "relative to the policy, for `tags` rules.")
    fields: list[FieldRule] = Field(..., min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _tags_need_a_schema(self) -> TopicRules:
        if self.schema_file is None and any(rule.tags for rule in self.fields):
            raise ValueError("rules with tags need the topic's schema (schema: order.avsc)")
        return self


class Policy(Strict):
    """mskctl field-level protection policy, version 1."""

    version: Literal[1] = 1
    keys: Keys = Keys()
    data_keys: DataKeySettings = DataKeySettings()
    subjects: Subjects | None = None
    topics: Annotated[list[TopicRules], Field(min_length=1)]


def json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://mskctl.dev/schemas/protect-policy-v1.json"
    return schema


# ---- compiled form: what the protector runs ----------------------------------------------
@dataclass(frozen=True)
class FieldPlan:
    selector: paths.Selector
    text: str  # canonical selector: the header's and the associated data's name of the field
    action: str
    key: str | None  # the KMS key for this field (resolved default)
    subject: paths.Selector | None = None
    digits: bool = False
    keep_first: int = 0
    keep_last: int = 0
    pattern: regex.Pattern[str] | None = None
    char: str = "*"


@dataclass(frozen=True)
class TopicPlan:
    pattern: str
    fields: tuple[FieldPlan, ...]
    groups: dict[str, tuple[str, ...]]  # CMK -> the fields encrypted under one DEK (not subject-keyed)
    subjects: tuple[paths.Selector, ...] = ()  # the subject ids the fields are encrypted for

    def group_of(self, plan: FieldPlan) -> tuple[str, ...]:
        return self.groups[plan.key or ""]


@dataclass
class LoadedPolicy:
    policy: Policy
    plans: tuple[TopicPlan, ...]
    sources: SourceMap
    file: str
    _by_topic: dict[str, TopicPlan | None]

    def plan_for(self, topic: str) -> TopicPlan | None:
        """The first topic rule matching ``topic`` (cached), or None: records pass unchanged."""
        try:
            return self._by_topic[topic]
        except KeyError:
            found = next((p for p in self.plans if fnmatch.fnmatchcase(topic, p.pattern)), None)
            self._by_topic[topic] = found
            return found

    @property
    def uses_subjects(self) -> bool:
        return any(f.subject is not None for p in self.plans for f in p.fields)


def _compile(policy: Policy, sources: SourceMap, base: Path | None) -> tuple[TopicPlan, ...]:
    from mskctl.protect import schemas

    plans = []
    problems: list[str] = []
    for t, rules in enumerate(policy.topics):
        tagged: dict[str, list[str]] = {}
        if any(rule.tags for rule in rules.fields):
            schema_path = Path(rules.schema_file or "")
            if base is not None and not schema_path.is_absolute():
                schema_path = base / schema_path
            try:
                tagged = schemas.tagged_fields(schema_path)
            except schemas.SchemaError as exc:
                problems.append(f"{sources.locate(('topics', t, 'schema'))}: topics.{t}.schema: {exc}")
                continue
        fields: list[FieldPlan] = []
        seen: dict[str, int] = {}
        for f, rule in enumerate(rules.fields):
            if rule.tags:
                texts = sorted({text for tag in rule.tags for text in tagged.get(tag.lower(), [])})
                if not texts:
                    problems.append(f"{sources.locate(('topics', t, 'fields', f, 'tags'))}: "
                                    f"topics.{t}.fields.{f}.tags: no field of {rules.schema_file} has tag(s) "
                                    f"{', '.join(rule.tags)} (tags found: {', '.join(sorted(tagged)) or 'none'})")
                    continue
            else:
                texts = [rule.path or ""]
            for text in texts:
                if text in seen:
                    problems.append(f"{sources.locate(('topics', t, 'fields', f))}: topics.{t}.fields.{f}: {text} "
                                    f"is already protected by fields.{seen[text]} of this topic")
                    continue
                seen[text] = f
                fields.append(_field_plan(policy, rule, text))
        groups: dict[str, list[str]] = {}
        for plan in fields:
            if plan.action == "encrypt" and plan.subject is None:
                groups.setdefault(plan.key or "", []).append(plan.text)
        subjects = tuple(dict.fromkeys(f.subject for f in fields if f.subject is not None))
        plans.append(TopicPlan(rules.topic, tuple(fields), {k: tuple(sorted(v)) for k, v in groups.items()},
                               subjects))
    if problems:
        raise PolicyError(problems)
    return tuple(plans)


def _field_plan(policy: Policy, rule: FieldRule, text: str) -> FieldPlan:
    if rule.action == "encrypt":
        key = rule.key or (((policy.subjects and policy.subjects.kms) or policy.keys.kms) if rule.subject
                           else policy.keys.kms)
    elif rule.action in ("encrypt-deterministic", "tokenize"):
        key = rule.key or policy.keys.hmac
    else:
        key = None
    return FieldPlan(
        selector=paths.parse(text), text=text, action=rule.action, key=key,
        subject=paths.parse(rule.subject) if rule.subject else None, digits=rule.format == "digits",
        keep_first=rule.keep_first, keep_last=rule.keep_last,
        pattern=regex.compile(rule.pattern) if rule.pattern else None, char=rule.char,
    )


def validate(data: Any, sources: SourceMap, file: str, base: Path | None) -> LoadedPolicy:
    if not isinstance(data, dict):
        raise PolicyError([f"{file}:1: a policy is a mapping (version, keys, topics, ...), "
                           f"not a {type(data).__name__}"])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = data_location(data, tuple(error["loc"]))
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden" and loc:
                message = f"unknown key {loc[-1]!r}"
            elif error["type"] == "missing" and loc:
                message = f"missing {loc[-1]!r}"
            problems.append(f"{sources.locate(loc)}: {'.'.join(str(p) for p in loc) or '(top level)'}: {message}")
        raise PolicyError(problems) from None
    if problems := _key_problems(policy, sources):
        raise PolicyError(problems)
    return LoadedPolicy(policy, _compile(policy, sources, base), sources, file, {})


def _key_problems(policy: Policy, sources: SourceMap) -> list[str]:
    """Every keyed action has its KMS key; subject keys have a table and an HMAC key."""
    problems = []
    for t, rules in enumerate(policy.topics):
        for f, rule in enumerate(rules.fields):
            where = f"{sources.locate(('topics', t, 'fields', f))}: topics.{t}.fields.{f}"
            if rule.action == "encrypt" and rule.subject is not None:
                if policy.subjects is None:
                    problems.append(f"{where}: subject keys need a `subjects:` section (the key table)")
                elif not (rule.key or policy.subjects.kms or policy.keys.kms):
                    problems.append(f"{where}: subject keys need subjects.kms or keys.kms")
                if not policy.keys.hmac:
                    problems.append(f"{where}: subject keys need keys.hmac (subjects are referred to by an HMAC "
                                    "of their id, so no id is stored or sent in clear)")
            elif rule.action == "encrypt" and not (rule.key or policy.keys.kms):
                problems.append(f"{where}: encrypt needs keys.kms (a symmetric KMS key) or a key on the rule")
            elif rule.action in ("encrypt-deterministic", "tokenize") and not (rule.key or policy.keys.hmac):
                problems.append(f"{where}: {rule.action} needs keys.hmac (a KMS HMAC_256 key) or a key on the rule")
    return problems


def load_text(text: str, name: str = "<policy>", base: Path | None = None) -> LoadedPolicy:
    try:
        data, places = parse_yaml(text, name)
    except SpecError as exc:  # the access spec's reader words its errors for specs
        raise PolicyError(exc.problems, hint="Quote JSON paths in YAML: '$.items[*].card' ([ and * mean "
                                             "something else to YAML).") from None
    return validate(data, SourceMap(places), name, base)


def load_policy(path: str | Path) -> LoadedPolicy:
    """Read, validate and compile a policy file (schema files are read relative to it)."""
    file = Path(path)
    text = read_text(file, "protection policy", "Give the path of a policy YAML file (see docs/protect.md).")
    return load_text(text, str(file), file.parent)
