"""Property-based fuzzing of every offline command that takes input (issue 16 part B).

Hypothesis writes YAML/JSON/HCL-shaped documents, arbitrary Unicode in every string field (markup,
escape sequences, bidi overrides, shell and HCL metacharacters among them) and folders with links
(out of the tree, to ``/proc/self/environ``, to ``/dev/zero``, dangling, looping). Each document goes
through the real command line, ``mskctl.cli.main.main``, in a forked child bounded by 10 s of CPU and
500 MB (``tests/unit/bounded.py``). The invariants, for every example:

- no traceback and no "internal error": only MskctlError subclasses (and click's usage errors) end a run;
- the exit code is one of docs/cli.md's table, and not INTERNAL;
- bounded time and memory (the child's limits);
- no file written outside the named outputs (the working directory, HOME and the inputs are compared);
- no control character reaches the terminal raw (ESC, C0 but newline and tab, C1, bidi overrides).

``MSKCTL_FUZZ_EXAMPLES`` sets the examples per property: 12 in ``make test`` (about a minute in all),
many more in ``make soak``. Hypothesis keeps its database under the project cache (tests/conftest.py).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mskctl.cli.main import main  # imported here, once: every forked child inherits it
from mskctl.errors import ExitCode
from tests.unit.bounded import run_bounded

EXAMPLES = int(os.environ.get("MSKCTL_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("MSKCTL_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
CODES = {code.value for code in ExitCode} - {ExitCode.INTERNAL.value}
# What must never reach a terminal raw: C0 but newline and tab, DEL, C1, and the bidi controls.
RAW_CONTROL = {chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]} - {"\n", "\t"}
RAW_CONTROL |= {"\u200e", "\u200f", "\u061c", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}

# ---- strings: arbitrary Unicode, with the review's hostile ones drawn often ------------------------------------
HOSTILE = ["[/x]", "[bold]x[/bold]", "[link=https://evil.example]click[/link]", "\x1b[31mred", "\x1b]8;;http://e\x1b\\",
           "\u202eevil", "\x9b2J", "\x00", "$(touch PWNED)", "`touch PWNED`", '"; touch PWNED; echo "', "${local.x}",
           "%{ if true }x%{ endif }", "'", "\\", "\n", "../../etc/passwd", "*", "&a", "*a", "!!python/object",
           "a" * 300, "orders", "$.email", "pii", "alias/aws/kafka", "2.8.1", "0.0.0.0/0",
           "\ud7ff\ue000\U0010ffff", "١٢٣"]
UNICODE = st.characters(blacklist_categories=["Cs"])  # lone surrogates cannot be written to a UTF-8 file
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(UNICODE, max_size=24),
                 st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(UNICODE, max_size=8)))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), TEXT)


def documents(keys: list[str]) -> st.SearchStrategy[Any]:
    """JSON/YAML-shaped values whose mapping keys are the format's own names or arbitrary text."""
    key = st.one_of(st.sampled_from(keys), TEXT)
    return st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(key, inner, max_size=5)), max_leaves=20)


YAML_NOISE = st.text(st.sampled_from(list("[]{}:,-&*!|>'\"#%@`?\n \tab1.\\\x1b\u202e")), max_size=60)


def yaml_text(keys: list[str]) -> st.SearchStrategy[str]:
    """A document dumped as YAML (sometimes with anchors), or YAML-ish noise, or both."""
    dumped = documents(keys).map(lambda doc: yaml.safe_dump(doc, allow_unicode=True))
    anchored = st.builds(lambda doc, name: f"{name}: &a {json.dumps(doc)}\nother: *a\nmore: [*a, *a]\n",
                         documents(keys), st.sampled_from(keys))
    return st.one_of(dumped, anchored, YAML_NOISE, st.builds(str.__add__, dumped, YAML_NOISE))


# ---- the run: the real CLI in a bounded child, then the invariants ------------------------------------------
def _tree(root: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for current, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(current, name)
            info = path.lstat()
            found[str(path.relative_to(root))] = (info.st_mtime_ns, info.st_size)
    return found


def _cli(args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """In the child: run ``mskctl ARGS`` as a user would, with this environment and working directory."""
    for name in [n for n in os.environ if n.startswith(("MSK_", "MSKCTL_", "AWS_"))]:
        del os.environ[name]
    os.environ.update(env)
    os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr, sys.argv = out, err, ["mskctl", *args]
    try:
        main()
        code: Any = 0
    except SystemExit as exited:
        code = exited.code
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def run_cli(tmp: Path, args: list[str], outputs: tuple[str, ...] = (), env: dict[str, str] | None = None) -> dict:
    """``mskctl ARGS`` with ``tmp/work`` as the working directory; asserts every invariant; returns the run.

    ``outputs``: paths under ``tmp`` the command may create or change (the named outputs).
    """
    for folder in ("work", "home"):
        (tmp / folder).mkdir(exist_ok=True)
    environment = {"HOME": str(tmp / "home"), "MSKCTL_CONFIG": str(tmp / "home" / "config.toml"),
                   "AWS_CONFIG_FILE": str(tmp / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "none"),
                   "AWS_EC2_METADATA_DISABLED": "true", "COLUMNS": "120", "TERM": "xterm-256color", **(env or {})}
    before = _tree(tmp)
    outcome = run_bounded(_cli, args, tmp / "work", environment, summary=lambda ran: ran)
    assert outcome.kind == "ok", f"mskctl {args}: {outcome}"
    ran = outcome.value
    shown = f"mskctl {args}\nexit {ran['code']}\nstdout: {ran['out'][-2000:]!r}\nstderr: {ran['err'][-2000:]!r}"
    assert ran["code"] in CODES, shown
    assert "Traceback" not in ran["err"] and "internal error" not in ran["err"], shown
    raw = {c for c in ran["out"] + ran["err"] if c in RAW_CONTROL}
    assert not raw, f"raw control characters {sorted(raw)!r} reached the terminal\n{shown}"
    after = _tree(tmp)
    changed = {path for path in after if before.get(path) != after[path]} | (set(before) - set(after))
    allowed = {path for path in changed if any(path == o or path.startswith(o + "/") for o in outputs)}
    assert changed <= allowed | {"work", "home"}, f"written outside the named outputs: {changed - allowed}\n{shown}"
    return ran


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def fuzz(test: Callable[..., None]) -> Callable[..., None]:
    return FUZZ(test)


# ---- access spec: validate and export ----------------------------------------------------------------------
SPEC_KEYS = ["version", "name", "cluster", "scope", "defaults", "scram", "topics", "principals", "environments",
             "partitions", "replication_factor", "configs", "retention.ms", "cleanup.policy", "iam", "mtls",
             "produce", "consume", "admin", "groups", "arn", "region", "prefix", "description"]


@fuzz
@given(text=yaml_text(SPEC_KEYS), name=st.sampled_from(["spec.yaml", "[/x].yaml", "spec\x1b[31m.yaml"]))
def test_access_validate_and_export_on_any_spec(tmp_path_factory: Any, text: str, name: str) -> None:
    tmp = tmp_path_factory.mktemp("spec")
    spec = _write(tmp / "in" / name, text)
    run_cli(tmp, ["access", "validate", "-f", str(spec)])
    run_cli(tmp, ["access", "export", "-f", str(spec), "--terraform", str(tmp / "out")], outputs=("out",))


# ---- protection policy, its schema file and a sample: protect check ----------------------------------------
ACTIONS = ["encrypt", "encrypt-deterministic", "tokenize", "mask", "drop"]
RULE = st.fixed_dictionaries({"action": st.sampled_from(ACTIONS)}, optional={
    "path": st.one_of(st.sampled_from(["$.email", "$.a[*].b", '$["x y"]', "$.*"]), TEXT),
    "tags": st.lists(st.one_of(st.just("pii"), TEXT), min_size=1, max_size=2),
    "pattern": st.one_of(st.sampled_from(["^(a+)+$", "(a|aa)+$", "\\d", "[", "(?P<x>a)"]), TEXT),
    "keep_first": st.integers(-1, 5), "keep_last": st.integers(-1, 5), "format": st.sampled_from(["token", "digits"]),
    "char": TEXT, "subject": TEXT})
POLICY = st.fixed_dictionaries({"version": st.just(1), "keys": st.just({"kms": "alias/k", "hmac": "alias/h"}),
                                "topics": st.lists(st.fixed_dictionaries(
                                    {"topic": st.one_of(st.just("orders"), TEXT),
                                     "fields": st.lists(RULE, min_size=1, max_size=3)},
                                    optional={"schema": st.just("schema.json")}), min_size=1, max_size=2)})
SCHEMA_KEYS = ["type", "properties", "items", "$ref", "pii", "tags", "fields", "name", "record", "array", "map",
               "values", "anyOf", "oneOf", "allOf", "additionalProperties", "$defs", "#", "#/$defs/a"]


@fuzz
@given(policy=st.one_of(POLICY.map(lambda p: yaml.safe_dump(p, allow_unicode=True)), yaml_text(["topics"])),
       schema=documents(SCHEMA_KEYS).map(json.dumps), sample=documents(["email", "a", "b", "x y"]),
       topic=st.one_of(st.just("orders"), TEXT), json_output=st.booleans())
def test_protect_check_on_any_policy_schema_and_record(tmp_path_factory: Any, policy: str, schema: str, sample: Any,
                                                       topic: str, json_output: bool) -> None:
    tmp = tmp_path_factory.mktemp("protect")
    policy_file = _write(tmp / "in" / "policy.yaml", policy)
    _write(tmp / "in" / "schema.json", schema)
    sample_file = _write(tmp / "in" / "sample.json", json.dumps(sample))
    run_cli(tmp, ["protect", "check", str(policy_file), str(sample_file), "--topic", topic or "t", "--offline",
                  *(["-o", "json"] if json_output else [])])


# ---- Terraform trees with links: audit --terraform (and a baseline) ---------------------------------------
NAMES = st.one_of(st.sampled_from(["this", "main", "c", "x"]), st.text("abc_-1", min_size=1, max_size=6))


def hcl_expression(depth: int = 2) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        TEXT.map(lambda t: json.dumps(t)),  # a quoted string, escapes and all
        st.sampled_from(['"${local.a}${local.a}"', '"${var.v}"', "local.a", "local.b", "var.v", "true", "null",
                         "3", "-1", "1.5", "aws_kms_key.k.arn", "each.value", '"%{ for x in [1] }${x}%{ endfor }"',
                         "<<EOF\n{\"Action\": \"kafka-cluster:*\"}\nEOF", "<<-EOT\n  x\n  EOT"]))
    if depth == 0:
        return leaf
    inner = hcl_expression(depth - 1)
    return st.one_of(
        leaf,
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(NAMES, inner, max_size=3).map(lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items())
                                                      + "}"),
        st.builds(lambda f, args: f"{f}({', '.join(args)})",
                  st.sampled_from(["concat", "merge", "jsonencode", "tostring", "lower", "upper", "trimspace",
                                   "tolist", "file", "nope"]), st.lists(inner, max_size=3)),
        st.builds(lambda c, a, b: f"{c} ? {a} : {b}", inner, inner, inner))


ATTRIBUTES = st.dictionaries(st.sampled_from(["cluster_name", "kafka_version", "number_of_broker_nodes", "source",
                                              "kms_key_id", "secret_string", "policy", "cidr_blocks", "count",
                                              "for_each", "default", "client_broker", "unauthenticated", "a", "b"]),
                             hcl_expression(), max_size=5)


def hcl_block(attributes: dict[str, str], kind: str, labels: list[str], nested: list[str]) -> str:
    header = " ".join([kind, *(json.dumps(label) for label in labels)])
    body = "".join(f"  {name} = {value}\n" for name, value in attributes.items()) + "".join(nested)
    return f"{header} {{\n{body}}}\n"


BLOCKS = st.builds(
    hcl_block, ATTRIBUTES,
    st.sampled_from(["resource", "locals", "module", "variable", "data", "output"]),
    st.one_of(st.just(["aws_msk_cluster", "c"]), st.just(["aws_security_group", "s"]), st.just(["m"]),
              st.just(["aws_secretsmanager_secret", "s"]), st.lists(TEXT, max_size=2)),
    st.lists(st.builds(hcl_block, ATTRIBUTES, st.sampled_from(["ingress", "encryption_info", "client_authentication",
                                                               "dynamic"]), st.just([]), st.just([])), max_size=2))
HCL = st.one_of(st.lists(BLOCKS, max_size=4).map("".join),
                st.builds(str.__add__, st.lists(BLOCKS, max_size=2).map("".join),
                          st.text(st.sampled_from(list('{}[]()="$%<>#/*\n ab1.:,\\\x00\x1b')), max_size=40)))
LINKS = ["/proc/self/environ", "/dev/zero", "../outside.txt", "../outside", "nowhere", ".", "..", "sub"]


@fuzz
@given(files=st.dictionaries(st.sampled_from(["main.tf", "vars.tf", "sub/main.tf", "m/main.tf", "x[/x].tf",
                                              "e\x1b[31m.tf", "terraform.tfvars", "b\u202e.tf"]), HCL, min_size=1,
                             max_size=3),
       links=st.dictionaries(st.sampled_from(["l.tf", "ld", "sub/l.tf", "m/loop"]), st.sampled_from(LINKS), max_size=2),
       output=st.sampled_from(["table", "json", "sarif"]),
       baseline=st.one_of(st.none(), yaml_text(["version", "suppressions", "rule", "where", "reason", "expires"])))
def test_audit_terraform_on_any_tree_with_links(tmp_path_factory: Any, files: dict[str, str], links: dict[str, str],
                                                output: str, baseline: str | None) -> None:
    tmp = tmp_path_factory.mktemp("tf")
    root = tmp / "in" / "root"
    root.mkdir(parents=True)
    _write(tmp / "in" / "outside.txt", "SECRET=canary-outside-the-root\n")
    _write(tmp / "in" / "outside" / "main.tf", 'resource "aws_msk_cluster" "x" {\n  cluster_name = "canary"\n}\n')
    for name, text in files.items():
        _write(root / name, text)
    for name, target in links.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        if not os.path.lexists(root / name):
            (root / name).symlink_to(target)
    args = ["audit", "--terraform", str(root), "-o", output]
    if baseline is not None:
        args += ["--baseline", str(_write(tmp / "in" / "baseline.yaml", baseline))]
    ran = run_cli(tmp, args)
    assert "canary" not in ran["out"] + ran["err"]
    if output != "table" and ran["out"]:
        json.loads(ran["out"])  # stdout holds JSON or nothing


# ---- a plan in JSON: audit --plan ---------------------------------------------------------------------------
PLAN_KEYS = ["format_version", "resource_changes", "planned_values", "root_module", "resources", "child_modules",
             "configuration", "module_calls", "address", "type", "name", "values", "change", "after", "mode",
             "expressions", "references", "constant_value", "aws_msk_cluster", "managed"]


@fuzz
@given(plan=st.one_of(documents(PLAN_KEYS).map(json.dumps), st.text(UNICODE, max_size=40)))
def test_audit_plan_on_any_json(tmp_path_factory: Any, plan: str) -> None:
    tmp = tmp_path_factory.mktemp("plan")
    run_cli(tmp, ["audit", "--plan", str(_write(tmp / "in" / "plan.json", plan)), "-o", "json"])


# ---- terraform outputs: config from-terraform --------------------------------------------------------------
OUTPUT_NAMES = ["bootstrap_brokers_sasl_iam", "bootstrap_brokers_sasl_scram", "bootstrap_brokers_tls",
                "cluster_arn", "msk_topic", "region", "scram_secret_arns", "consumer_group"]


@fuzz
@given(outputs=st.one_of(st.dictionaries(st.one_of(st.sampled_from(OUTPUT_NAMES), TEXT),
                                         st.fixed_dictionaries({"value": documents(OUTPUT_NAMES)}), max_size=5)
                         .map(json.dumps), documents(OUTPUT_NAMES).map(json.dumps), st.text(UNICODE, max_size=30)),
       profile=st.one_of(st.just("default"), TEXT))
def test_config_from_terraform_on_any_outputs(tmp_path_factory: Any, outputs: str, profile: str) -> None:
    tmp = tmp_path_factory.mktemp("cf")
    source = _write(tmp / "in" / "outputs.json", outputs)
    run_cli(tmp, ["config", "from-terraform", str(source), "--profile", profile or "p",
                  "--env-file", str(tmp / "out" / "msk_config.env")], outputs=("out", "home/config.toml"))
