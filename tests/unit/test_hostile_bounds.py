"""The hostile-input review's resource cases (issue 16 part B: F3, F4, F5, F8, F16, F18's ReDoS), as fixtures.

Each case runs in a forked child under the bounds the issue sets for offline commands on inputs up to
1 MB (10 s, 500 MB; ``tests/unit/bounded.py``): before the fix each of these hung, ran out of memory,
crashed with a RecursionError, or read (and quoted) a file outside the audited tree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mskctl.access import loader
from mskctl.access.loader import MAX_ALIAS_NODES, MAX_DEPTH
from mskctl.audit.suppress import load_baseline
from mskctl.audit.terraform import audit_terraform
from mskctl.audit.terraform.modules import MAX_MODULE_INSTANCES
from mskctl.protect import actions
from mskctl.protect.policy import load_policy
from mskctl.protect.policy import load_text as load_policy_text
from mskctl.protect.schemas import MAX_TAGGED_PATHS, tagged_fields
from tests.unit.bounded import Outcome, assert_bounded_error, run_bounded

POLICY = "version: 1\nkeys: {kms: alias/k}\ntopics:\n  - topic: orders\n"


def alias_bomb(levels: int = 10, head: str = "version: 1\n") -> str:
    """Each level lists the previous one 9 times: 9^levels strings from ~50 bytes per level (billion laughs)."""
    lines = [head.rstrip("\n"), 'x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# ---- F3: the shared YAML reader (specs, policies, baselines) ---------------------------------------------
def test_f3_alias_bomb_in_a_spec_is_refused_naming_the_limit_and_the_line():
    text = alias_bomb()
    assert len(text) < 600
    outcome = run_bounded(loader.load_text, text, "bomb.yaml")
    assert_bounded_error(outcome, "bomb.yaml:", f"more than {MAX_ALIAS_NODES:,} nodes, the limit")
    assert outcome.exit_code == 65


def test_f3_alias_bomb_in_a_protection_policy_is_refused(tmp_path: Path):
    policy = tmp_path / "p.yaml"
    policy.write_text(alias_bomb(head=POLICY + "    fields: [{path: $.a, action: drop}]\n"))
    assert_bounded_error(run_bounded(load_policy, policy), f"{policy}:", "the limit")


def test_f3_alias_bomb_in_an_audit_baseline_is_refused(tmp_path: Path):
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(alias_bomb(head="version: 1\n"))
    assert_bounded_error(run_bounded(load_baseline, baseline), f"{baseline}:", "the limit")


def test_f3_anchors_and_aliases_within_the_limit_still_read():
    # --write-baseline shares reasons through anchors; a spec may share defaults the same way.
    text = ("version: 1\nprincipals:\n  app-a: &app {iam: 'arn:aws:iam::123456789012:role/a', produce: [orders]}\n"
            "  app-b: *app\n")
    outcome = run_bounded(lambda: sorted(loader.load_text(text).spec.principals), summary=list)
    assert outcome.kind == "ok", str(outcome)
    assert outcome.value == ["app-a", "app-b"]


def test_f13_recursive_anchor_is_an_input_error_not_a_recursion_error():
    outcome = run_bounded(loader.load_text, "version: 1\ntopics: &a {t: *a}\n", "rec.yaml")
    assert_bounded_error(outcome, "rec.yaml:2", "recursive anchor")


@pytest.mark.parametrize("text", ["topics: " + "[" * 100_000 + "\n",
                                  "".join("  " * i + f"k{i}:\n" for i in range(3000))],
                         ids=["100k-flow-brackets", "3000-deep-block"])
def test_f13_deep_nesting_is_refused_naming_the_depth_limit(text: str):
    outcome = run_bounded(loader.load_text, text, "deep.yaml")
    assert_bounded_error(outcome, "deep.yaml:", f"nested more than {MAX_DEPTH} levels deep, the limit")


def test_aliases_cannot_nest_past_the_depth_limit():
    # Each anchor nests the previous one 20 levels deeper: written depth 21, expanded depth 200.
    lines = ["a0: &a0 x"]
    lines += [f"a{i}: &a{i} " + "[" * 20 + f"*a{i - 1}" + "]" * 20 for i in range(1, 10)]
    outcome = run_bounded(loader.load_text, "\n".join(lines) + "\n", "nest.yaml")
    assert_bounded_error(outcome, "nest.yaml:", "levels deep (through aliases)")


def test_f13_a_spec_folder_with_a_link_to_dev_zero_or_a_fifo_is_refused_not_read(tmp_path: Path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    outcome = run_bounded(loader.load, [tmp_path])
    assert_bounded_error(outcome, "zero.yaml", "not a regular file")
    (tmp_path / "zero.yaml").unlink()
    os.mkfifo(tmp_path / "fifo.yaml")
    assert_bounded_error(run_bounded(loader.load, [tmp_path], seconds=5), "fifo.yaml", "not a regular file")


def test_f16_a_spec_file_beyond_the_size_limit_is_refused_before_reading_it(tmp_path: Path):
    big = tmp_path / "big.yaml"
    with big.open("w") as handle:  # sparse: the size is what counts, and nothing is read past the limit
        handle.truncate(loader.MAX_FILE_BYTES + 1)
    outcome = run_bounded(loader.load, [big], megabytes=200)
    assert_bounded_error(outcome, "big.yaml", "MiB, the limit")


# ---- F4: HCL evaluation -------------------------------------------------------------------------------------
def _tf(root: Path, text: str, name: str = "main.tf") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    return root


CLUSTER = 'resource "aws_msk_cluster" "c" {{\n  cluster_name = "c"\n  kafka_version = {version}\n}}\n'


def _audit_summary(result: Any) -> dict[str, Any]:
    return {"rules": sorted({f.rule.id for f in result.findings}), "notes": list(result.notes),
            "messages": [f.message for f in result.findings]}


def _audit(*roots: Path, seconds: float = 10.0) -> Outcome:
    return run_bounded(audit_terraform, list(roots), seconds=seconds, summary=_audit_summary)


def test_f4_doubling_string_locals_become_unknown_instead_of_a_16_tb_string(tmp_path: Path):
    doubling = "\n".join(f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 41))
    root = _tf(tmp_path / "lbomb", f'locals {{\n  l0 = "xxxxxxxxxxxxxxxx"\n{doubling}\n}}\n'
               + CLUSTER.format(version="local.l40"))
    outcome = _audit(root)
    assert outcome.kind == "ok", str(outcome)
    assert "kafka-version-unsupported" not in outcome.value["rules"]  # unknown: no finding about it
    assert outcome.value["rules"], "the cluster's other settings are still audited"


@pytest.mark.parametrize("doubling", ["concat(local.c{p}, local.c{p})", "{{a = local.c{p}, b = local.c{p}}}",
                                      "merge(local.c{p}, {{x{i} = local.c{p}}})"],
                         ids=["concat", "object", "merge"])
def test_f4_doubling_lists_and_objects_are_bounded(tmp_path: Path, doubling: str):
    first = "{a = \"0.0.0.0/0\"}" if "merge" in doubling or "a =" in doubling else '["0.0.0.0/0"]'
    lines = "\n".join(f"  c{i} = " + doubling.format(p=i - 1, i=i) for i in range(1, 41))
    root = _tf(tmp_path / "bomb", f"locals {{\n  c0 = {first}\n{lines}\n}}\n"
               'resource "aws_security_group" "s" {\n  ingress {\n    from_port = 9092\n    to_port = 9092\n'
               '    protocol = "tcp"\n    cidr_blocks = local.c40\n  }\n}\n')
    outcome = _audit(root)
    assert outcome.kind == "ok", str(outcome)


def test_f4_module_calls_fanning_out_through_16_folders_stop_at_the_instance_limit(tmp_path: Path):
    for level in range(16):  # 4 calls per level: 4^15 instances from m0
        calls = "".join(f'module "c{k}" {{\n  source = "../m{level + 1}"\n}}\n' for k in range(4)) if level < 15 else ""
        _tf(tmp_path / f"m{level}", CLUSTER.format(version='"2.8.1"') + calls)
    outcome = _audit(tmp_path / "m0", seconds=30)
    assert outcome.kind == "ok", str(outcome)
    assert any(f"beyond {MAX_MODULE_INSTANCES:,}" in note for note in outcome.value["notes"]), outcome.value["notes"]


def test_module_calls_of_a_large_module_stop_at_the_resource_limit(tmp_path: Path):
    # 2,000 calls (70 KB) of a module of 4,000 clusters (460 KB): 8 million resource instances before.
    _tf(tmp_path / "big", _clusters(4000))
    root = _tf(tmp_path / "root", "".join(f'module "m{i}" {{\n  source = "../big"\n}}\n' for i in range(2000)))
    outcome = _audit(root)
    assert outcome.kind == "ok", str(outcome)
    assert any("resources in them" in note for note in outcome.value["notes"]), outcome.value["notes"]
    assert "kafka-version-unsupported" in outcome.value["rules"]  # what was audited is reported


def test_a_json_policy_whose_values_are_spelled_otherwise_is_read_in_linear_time(tmp_path: Path):
    # 20,000 "\u0061" strings: json.dumps spells each "a", so no line holds it; each search ran to the end.
    items = ",\n".join(['"\\u0061"'] * 20_000)
    root = _tf(tmp_path / "policy", 'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{"Statement": [{"Effect": '
               f'"Allow", "Action": [\n{items}\n], "Resource": "*"}}]}}\nEOF\n}}\n')
    outcome = _audit(root, seconds=5)
    assert outcome.kind == "ok", str(outcome)


# ---- F5: the audit stays inside its roots -------------------------------------------------------------------
SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_f5_a_tf_link_to_a_file_outside_the_root_is_skipped_with_a_note_and_never_quoted(tmp_path: Path):
    outside = tmp_path / "outside.env"
    outside.write_text(SECRET + "\n")
    root = _tf(tmp_path / "root", CLUSTER.format(version='"3.6.0"'))
    (root / "env.tf").symlink_to(outside)
    outcome = _audit(root)
    assert outcome.kind == "ok", str(outcome)
    assert [note.rsplit("root/", 1)[-1] for note in outcome.value["notes"]] == [
        "env.tf: a symlink to outside the audited folders"]
    assert "wJalr" not in str(outcome)


def test_f5_a_link_to_proc_self_environ_prints_no_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MSKCTL_TEST_CANARY", "canary-value-in-the-environment")
    root = _tf(tmp_path / "root", CLUSTER.format(version='"3.6.0"'))
    (root / "env.tf").symlink_to("/proc/self/environ")
    outcome = _audit(root)
    assert outcome.kind == "ok", str(outcome)
    assert "canary" not in str(outcome) and "PATH=" not in str(outcome)


def test_f5_a_module_folder_linked_outside_the_root_is_skipped_with_a_note(tmp_path: Path):
    elsewhere = _tf(tmp_path / "elsewhere", 'resource "aws_msk_cluster" "x" {\n  cluster_name = "x"\n}\n')
    root = _tf(tmp_path / "root", 'module "m" {\n  source = "./linked"\n}\n')
    (root / "linked").symlink_to(elsewhere, target_is_directory=True)
    outcome = _audit(root)
    assert outcome.kind == "ok", str(outcome)
    assert any("linked: a symlink to outside the audited folders" in note for note in outcome.value["notes"])
    assert not outcome.value["rules"]  # nothing from the linked folder was read


def test_links_inside_the_root_and_plain_relative_modules_are_still_followed(tmp_path: Path):
    modules = _tf(tmp_path / "modules" / "kafka", CLUSTER.format(version='"2.8.1"'))
    root = _tf(tmp_path / "envs" / "prod", 'module "kafka" {\n  source = "../../modules/kafka"\n}\n')
    (root / "shared.tf").symlink_to(modules / "main.tf")  # a link, but into an audited root
    outcome = _audit(root, tmp_path / "modules")
    assert outcome.kind == "ok", str(outcome)
    assert "kafka-version-unsupported" in outcome.value["rules"]
    assert outcome.value["notes"] == []


# Built at run time: a key-shaped literal in the repository trips secret scanners (it is no key).
PEM = "-----BEGIN " + "PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"


@pytest.mark.parametrize("content", ["export " + SECRET, PEM, "root:x:0:0:root:/root:/bin/bash\n"],
                         ids=["dotenv", "pem", "passwd"])
def test_f5_parse_errors_quote_no_file_content_beyond_the_position(tmp_path: Path, content: str):
    root = _tf(tmp_path / "root", content, name="x.tf")
    outcome = _audit(root)
    assert outcome.kind == "error", str(outcome)
    assert "x.tf:1" in outcome.message
    for secret in ("wJalr", "MIIEv", "BEGIN", "/bin/bash", "root:x", "SECRET"):
        assert secret not in outcome.message, outcome.message


# ---- F8: schema files named by a protection policy -----------------------------------------------------------
def _tag_policy(tmp_path: Path, schema: str) -> Path:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY + f"    schema: {schema}\n    fields:\n      - {{tags: [pii], action: drop}}\n")
    return policy


def test_f8_a_132_byte_self_referencing_json_schema_is_refused_fast(tmp_path: Path):
    schema = {"type": "object", "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}, "c": {"$ref": "#"},
                                               "d": {"type": "string", "pii": True}}}
    (tmp_path / "bomb.json").write_text(json.dumps(schema, separators=(",", ":")))
    assert (tmp_path / "bomb.json").stat().st_size <= 132
    outcome = run_bounded(load_policy, _tag_policy(tmp_path, "bomb.json"))
    assert_bounded_error(outcome, "p.yaml:5", f"more than {MAX_TAGGED_PATHS:,} fields carry tag 'pii'")


def _avro_bomb(tagged: bool) -> dict[str, Any]:
    """10 named records, each with 8 fields of the previous type: 8^9 paths to the first record's fields."""
    records = [{"type": "record", "name": "R0",
                "fields": [{"name": f"f{j}", "type": "string", "pii": tagged} for j in range(8)]}]
    records += [{"type": "record", "name": f"R{i}",
                 "fields": [{"name": f"f{j}", "type": f"R{i - 1}"} for j in range(8)]} for i in range(1, 10)]
    return {"type": "record", "name": "Top", "fields": [{"name": f"d{i}", "type": r} for i, r in enumerate(records)]}


def test_f8_an_avro_schema_fanning_out_through_named_types_is_refused_fast(tmp_path: Path):
    (tmp_path / "bomb.avsc").write_text(json.dumps(_avro_bomb(tagged=True)))
    assert (tmp_path / "bomb.avsc").stat().st_size < 3500
    assert_bounded_error(run_bounded(load_policy, _tag_policy(tmp_path, "bomb.avsc")), "p.yaml:5", "pii")


def test_f8_the_same_fan_out_without_tags_deep_down_is_searched_once_per_type(tmp_path: Path):
    schema = _avro_bomb(tagged=False)
    schema["fields"].append({"name": "email", "type": "string", "pii": True})
    (tmp_path / "s.avsc").write_text(json.dumps(schema))
    outcome = run_bounded(tagged_fields, tmp_path / "s.avsc", seconds=5)
    assert outcome.kind == "ok", str(outcome)
    assert outcome.value == repr({"pii": ["$.email"]})


def test_recursive_schemas_still_tag_their_nested_fields_to_the_depth_limit(tmp_path: Path):
    schema = {"type": "record", "name": "Node", "fields": [
        {"name": "email", "type": "string", "pii": True}, {"name": "next", "type": ["null", "Node"]}]}
    (tmp_path / "list.avsc").write_text(json.dumps(schema))
    paths = tagged_fields(tmp_path / "list.avsc")["pii"]
    assert "$.email" in paths and "$.next.email" in paths and "$.next.next.email" in paths
    assert len(paths) < 40


def test_f8_schema_dev_zero_is_refused_before_reading(tmp_path: Path):
    assert_bounded_error(run_bounded(load_policy, _tag_policy(tmp_path, "/dev/zero"), megabytes=200),
                         "p.yaml:5", "not a regular file")


def test_f13_a_deeply_nested_schema_is_an_input_error(tmp_path: Path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert_bounded_error(run_bounded(load_policy, _tag_policy(tmp_path, "deep.json")), "p.yaml:5", "deep")


# ---- F18: the mask pattern (ReDoS) -----------------------------------------------------------------------------
@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a|aa)+$", "(a|a)+$"])
def test_f18_a_backtracking_mask_pattern_masks_the_whole_value_within_bounds(pattern: str):
    policy = load_policy_text(POLICY + f"    fields: [{{path: $.email, action: mask, pattern: '{pattern}'}}]\n")
    compiled = policy.plans[0].fields[0].pattern
    value = "a" * 60 + "b"
    outcome = run_bounded(actions.mask, value, 0, 0, compiled, "*", seconds=5)
    assert outcome.kind == "ok", str(outcome)
    # Nothing matches before the final b: the value as it is, or wholly masked when the pattern timed out.
    assert outcome.value in (repr(value), repr("*" * len(value)))


def test_f18_mask_patterns_are_checked_at_load_and_still_mask_as_before():
    policy = load_policy_text(POLICY + "    fields: [{path: $.card, action: mask, pattern: '\\d(?=\\d{4})'}]\n")
    assert actions.mask("4111111111111111", pattern=policy.plans[0].fields[0].pattern) == "************1111"
    with pytest.raises(Exception, match="not a regular expression"):
        load_policy_text(POLICY + "    fields: [{path: $.card, action: mask, pattern: '(unclosed'}]\n")
    with pytest.raises(Exception, match="the limit for a mask pattern"):
        load_policy_text(POLICY + "    fields: [{path: $.card, action: mask, pattern: '" + "a" * 1001 + "'}]\n")


# ---- F16: large Terraform -------------------------------------------------------------------------------------
def _clusters(count: int) -> str:
    return "".join(f'resource "aws_msk_cluster" "c{i}" {{\n  cluster_name = "c{i}"\n  kafka_version = "3.6.0"\n'
                   f"  number_of_broker_nodes = 3\n}}\n" for i in range(count))


# `make soak` sets 5: the largest realistic input (a 5 MB .tf of 40,000 clusters took 79 s and 1.4 GB).
LARGE_TF_MB = float(os.environ.get("MSKCTL_LARGE_TF_MB", "1"))


def test_f16_a_large_tf_is_audited_within_its_bounds(tmp_path: Path):
    # Up to 1 MB: 10 s and 500 MB, as for any input; beyond, 60 s (the bound for realistic inputs).
    text = _clusters(int(8300 * LARGE_TF_MB))
    assert 0.95e6 * LARGE_TF_MB < len(text) < 1.05e6 * LARGE_TF_MB
    seconds, megabytes = (10, 500) if LARGE_TF_MB <= 1 else (60, 4000)
    root = _tf(tmp_path / "big", text)
    outcome = run_bounded(audit_terraform, [root], seconds=seconds, megabytes=megabytes,
                          summary=lambda result: len(result.findings))
    assert outcome.kind == "ok", str(outcome)
    assert outcome.value >= 8000 * LARGE_TF_MB  # every cluster was audited
    print(f"{LARGE_TF_MB:g} MB .tf: {outcome.seconds:.1f} s of CPU, +{outcome.grown_mb:.0f} MB")


@pytest.mark.parametrize("body", ["a = [" + ",".join(["1"] * 500_000) + "]",
                                  'a = "' + "${b}" * 250_000 + '"'], ids=["list", "interpolations"])
def test_f16_a_1_mb_tf_of_dense_tokens_is_refused_before_parsing(tmp_path: Path, body: str):
    # 1 MB of "1," took 22 s of CPU and 1 GB in the parser.
    root = _tf(tmp_path / "dense", f"locals {{\n  {body}\n}}\n")
    outcome = _audit(root, seconds=3)
    assert_bounded_error(outcome, "dense/main.tf: about", "tokens in", "more than the limit of")


def test_f16_a_tf_beyond_the_size_limit_is_refused_unread(tmp_path: Path):
    from mskctl.audit.terraform.hcl import MAX_TF_BYTES

    root = tmp_path / "huge"
    root.mkdir()
    with (root / "main.tf").open("w") as handle:
        handle.truncate(MAX_TF_BYTES + 1)
    assert_bounded_error(_audit(root), "main.tf: cannot be read", "MiB, the limit")


# ---- found by the fuzzing (test_hostile_fuzz.py) -------------------------------------------------------------
def test_a_key_that_looks_like_a_pydantic_tag_is_named_in_the_error_not_an_index_error():
    # "[/x]" was dropped from the error's location as if pydantic had added it: IndexError, exit 70.
    with pytest.raises(Exception, match=r"p.yaml:1: \[/x\]: unknown key '\[/x\]'"):
        load_policy_text("'[/x]': null\n", "p.yaml")
    with pytest.raises(Exception, match=r"spec.yaml:1: \[/x\]: unknown key '\[/x\]'"):
        loader.load_text("'[/x]': 1\n", "spec.yaml")
