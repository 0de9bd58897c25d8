"""The access spec loader: valid specs load, bad ones fail with file:line and what to write instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mskctl.access.desired import desired_state
from mskctl.access.loader import SpecError, load, load_text
from mskctl.access.spec import json_schema
from mskctl.errors import ExitCode, MskctlError, UsageError

ROOT = Path(__file__).resolve().parents[2]
ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_text(text, "spec.yaml")
    return caught.value.problems


def test_examples_load_and_resolve():
    for example in sorted((ROOT / "examples" / "access").glob("*.yaml")):
        loaded = load([example])
        desired = desired_state(loaded.spec, None, ARN)
        assert desired.topics, example


def test_unknown_key_names_its_line_and_the_allowed_keys():
    found = problems("version: 1\nprincipals:\n  app:\n    scram: true\n    produce: [t]\n    colour: blue\n")
    assert found == ["spec.yaml:6: principals.app.colour: unknown key 'colour' (allowed here: description, iam, "
                     "scram, mtls, produce, consume, admin)"]


def test_unknown_topic_config_points_at_the_key_and_suggests_a_spelling():
    found = problems("topics:\n  t:\n    configs:\n      retention.ms: 1\n      retention.msx: 2\n")
    assert found == ["spec.yaml:5: topics.t.configs.retention.msx: unknown topic config 'retention.msx'; "
                     "did you mean 'retention.ms'?"]


@pytest.mark.parametrize(("text", "expected"), [
    ("topics:\n  'bad name': {}\n", "spec.yaml:2: topics.bad name: 'bad name' is not a valid Kafka topic name"),
    ("topics:\n  t: {partitions: many}\n", "spec.yaml:2: topics.t.partitions: Input should be a valid integer"),
    ("topics:\n  t: {partitions: 0}\n", "topics.t.partitions: Input should be greater than or equal to 1"),
    ("topics:\n  t:\n    configs: {cleanup.policy: shred}\n", "cleanup.policy must be one of"),
    ("topics:\n  t:\n    configs: {min.insync.replicas: two}\n", "min.insync.replicas must be an integer"),
    ("principals:\n  a:\n    scram: true\n", "spec.yaml:2: principals.a: a principal with no intents grants nothing"),
    ("principals:\n  a:\n    scram: true\n    consume: ['*']\n",
     "spec.yaml:4: principals.a.consume.topics.0: '*' would grant every topic of the cluster"),
    ("principals:\n  a:\n    scram: true\n    consume: {topics: [t], groups: ['*']}\n",
     "'*' would grant every name in the cluster"),
    ("principals:\n  a:\n    scram: true\n    consume: {topics: [t], groups: ['a*b']}\n",
     "'*' may only end a prefix"),
    ("principals:\n  a:\n    iam: arn:aws:iam::123456789012:role/x\n    mtls: CN=x\n    produce: [t]\n",
     "needs exactly one of iam (ARN), scram (user) or mtls (DN); found iam, mtls"),
    ("principals:\n  a:\n    iam: role/x\n    produce: [t]\n", "spec.yaml:3: principals.a.iam: String should match"),
    ("principals:\n  a:\n    mtls: app\n    produce: [t]\n", "is not a DN"),
    ("principals:\n  a:\n    scram: {secret_name: app-secret}\n    produce: [t]\n",
     "principals.a.scram.secret_name: String should match pattern '^AmazonMSK_"),
    ("version: 2\n", "spec.yaml:1: version: Input should be 1"),
    ("topics: [a, b]\n", "spec.yaml:1: topics: Input should be a valid dictionary"),
    ("- just\n- a list\n", "a spec file is a mapping"),
    ("topics:\n  a: {}\n  a: {}\n", "spec.yaml:3: 'a' appears twice in this mapping (first at line 2)"),
    ("topics: {a: [}\n", "spec.yaml:1: not valid YAML"),
    ("environments:\n  dev:\n    topics: {other: {partitions: 1}}\n", "sets topics not in `topics`: other"),
])
def test_bad_specs_are_rejected_with_where_and_why(text, expected):
    found = problems(text)
    assert any(expected in p for p in found), found


def test_files_merge_and_duplicates_name_both_places(tmp_path):
    (tmp_path / "a.yaml").write_text("topics:\n  one: {}\nprincipals:\n  p:\n    scram: true\n    produce: [one]\n")
    (tmp_path / "b.yaml").write_text("topics:\n  two: {}\n")
    loaded = load([tmp_path])
    assert set(loaded.spec.topics) == {"one", "two"} and set(loaded.spec.principals) == {"p"}
    (tmp_path / "c.yaml").write_text("\ntopics:\n  one: {partitions: 2}\n")
    with pytest.raises(SpecError) as caught:
        load([tmp_path])
    assert caught.value.problems == [f"{tmp_path / 'c.yaml'}:3: topic 'one' is also defined at {tmp_path / 'a.yaml'}:2"]


def test_shared_sections_must_agree_between_files(tmp_path):
    (tmp_path / "a.yaml").write_text("scram: {kms_key: alias/a}\n")
    (tmp_path / "b.yaml").write_text("scram: {kms_key: alias/b}\n")
    with pytest.raises(SpecError, match="'scram' differs from the one at"):
        load([tmp_path])


def test_missing_file_and_empty_folder_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load([tmp_path / "nope.yaml"])
    with pytest.raises(UsageError, match=r"No \*\.yaml spec files"):
        load([tmp_path])


def test_environment_overlays_defaults_and_topics():
    spec = load_text("""
defaults: {topic: {partitions: 6, replication_factor: 3, configs: {min.insync.replicas: 2}}}
environments:
  dev:
    defaults: {topic: {replication_factor: 1, configs: {min.insync.replicas: 1}}}
    topics: {orders: {partitions: 2}}
topics:
  orders: {configs: {retention.ms: 1000}}
  payments: {partitions: 12}
""").spec
    prod = desired_state(spec, None, None).topics
    dev = desired_state(spec, "dev", None).topics
    assert (prod["orders"].partitions, prod["orders"].replication_factor) == (6, 3)
    assert prod["orders"].configs == {"min.insync.replicas": "2", "retention.ms": "1000"}
    assert (dev["orders"].partitions, dev["orders"].replication_factor) == (2, 1)
    assert dev["payments"].partitions == 12 and dev["payments"].configs == {"min.insync.replicas": "1"}
    with pytest.raises(UsageError, match="Environment 'stage' is not in the spec"):
        desired_state(spec, "stage", None)


def test_iam_and_created_scram_principals_need_the_cluster_arn():
    spec = load_text("principals:\n  a:\n    iam: arn:aws:iam::123456789012:role/a\n    produce: [t]\n").spec
    with pytest.raises(UsageError, match="need the cluster ARN"):
        desired_state(spec, None, None)


def test_iam_principal_of_another_account_is_refused():
    spec = load_text("principals:\n  a:\n    iam: arn:aws:iam::210987654321:role/a\n    produce: [t]\n").spec
    with pytest.raises(UsageError, match="another account than the cluster"):
        desired_state(spec, None, ARN)


def test_published_json_schema_is_current_and_validates_the_examples():
    import jsonschema

    published = json.loads((ROOT / "docs" / "access-spec.schema.json").read_text())
    assert published == json_schema(), "regenerate: mskctl access schema > docs/access-spec.schema.json"
    for example in sorted((ROOT / "examples" / "access").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(example.read_text()), published)


# Any input gives a spec or a clear error, never a traceback.
yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=12),
                         st.sampled_from(["*", "orders.*", "t", "arn:aws:iam::123456789012:role/r", "CN=a"]))
keys = st.sampled_from(["version", "topics", "principals", "scram", "iam", "mtls", "produce", "consume", "admin",
                        "topics", "groups", "configs", "partitions", "retention.ms", "t", "p", "defaults", "topic",
                        "environments", "scope", "cluster", "arn", "name", "x"])
documents = st.recursive(yaml_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                               st.dictionaries(keys, inner, max_size=5)),
                         max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_gives_a_spec_or_a_clear_error(document):
    try:
        loaded = load_text(yaml.safe_dump(document), "fuzz.yaml")
        desired_state(loaded.spec, None, ARN)
    except MskctlError as exc:
        assert exc.message and exc.exit_code == ExitCode.DATA


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_spec_or_a_clear_error(text):
    try:
        load_text(text, "fuzz.yaml")
    except MskctlError as exc:
        assert exc.exit_code == ExitCode.DATA and "fuzz.yaml" in exc.message
