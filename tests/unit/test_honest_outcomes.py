"""Honest outcomes: an outage is not an empty topic, a broken plan is not a clean audit, bad input is not a bug.

Issue 16, findings F7, F12, F13 and the numeric options of F18. On the previous main: `consume -g`
or `--partition` against an unreachable broker printed `0 record(s)` and exited 0 (F7); a malformed
`audit --plan` passed clean or crashed (F12); a binary `produce -f`, /dev/zero, a deep JSON sample
or plan, `--offset -5` ended as "internal error" (F13).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mskctl.errors import ExitCode

ROOT = Path(__file__).resolve().parents[2]
MSKCTL = ROOT / ".venv" / "bin" / "mskctl"
PROTECT = ROOT / "examples" / "protect"
DEAD = ("-b", "127.0.0.1:1", "--auth", "plaintext", "--allow-plaintext")


def mskctl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8", "COLUMNS": "200",
           "MSKCTL_CONFIG": "/nonexistent/mskctl.toml"}
    return subprocess.run([str(MSKCTL), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60)


def assert_clear(out: subprocess.CompletedProcess[str], code: int, says: str) -> None:
    assert out.returncode == code, (out.returncode, out.stderr)
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr
    assert says in out.stderr, out.stderr


@pytest.mark.parametrize("flags", [("-g", "g1", "-m", "1"), ("--partition", "0", "--offset", "5"), ("-m", "1")])
def test_consume_from_an_unreachable_cluster_is_the_connection_error_whatever_the_flags(flags):
    out = mskctl("consume", "t1", *DEAD, "--timeout", "2", *flags)
    assert_clear(out, ExitCode.UNAVAILABLE, "Could not read the metadata of topic t1")
    assert "record(s)" not in out.stderr


@pytest.mark.parametrize(("flags", "says"), [
    (("--partition", "0", "--offset", "-5"), "--offset"), (("--partition", "-1"), "--partition"),
    (("--timestamp", "99999999999999999999"), "--timestamp"), (("--timeout", "nan"), "--timeout"),
    (("--timeout", "-1"), "--timeout"),
])
def test_consume_numbers_out_of_range_are_usage_errors(flags, says):
    assert_clear(mskctl("consume", "t1", *DEAD, *flags), ExitCode.USAGE, says)


@pytest.mark.parametrize(("plan", "says"), [
    ('{"format_version":"1.0","resource_changes":[1]}', "resource_changes[0] is a number, not an object"),
    ('{"format_version":"1.0","planned_values":{"root_module":{"resources":"notalist"}}}',
     "planned_values.root_module.resources is not a list of objects"),
    ('{"format_version":"1.0","resource_changes":[{"change":"str"}]}', "resource_changes[0].change is a string"),
    ('{"format_version":"1.0","resource_changes":[],"configuration":{"root_module":{"module_calls":"x"}}}',
     "configuration.root_module.module_calls"),
    ("[" * 100_000, "nested too deeply"),
    ('{"format_version":"1.0","resource_changes":[{"address":"a.b","type":"aws_msk_cluster","change":{"after":'
     '{"client_authentication":' + "[" * 950 + "]" * 950 + "}}}]}", "nested too deeply"),
    ("\xff\xfe binary", "not UTF-8 text"),
])
def test_a_malformed_plan_is_an_input_error_never_a_clean_audit(tmp_path, plan, says):
    (tmp_path / "plan.json").write_bytes(plan.encode("utf-8", "surrogateescape") if plan.isascii()
                                         else plan.encode("latin-1"))
    assert_clear(mskctl("audit", "--plan", str(tmp_path / "plan.json")), ExitCode.DATA, says)


def test_a_well_formed_plan_still_audits():
    out = mskctl("audit", "--plan", str(ROOT / "tests" / "fixtures" / "audit" / "terraform" / "plan" / "plan.json"))
    assert out.returncode in (ExitCode.OK, ExitCode.FINDINGS), out.stderr


def test_a_binary_baseline_is_an_input_error(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_msk_cluster" "c" {\n  cluster_name = "c"\n}\n')
    (tmp_path / "baseline.yaml").write_bytes(b"\xff\xfe\x00\x01binary")
    out = mskctl("audit", "--terraform", ".", "--baseline", "baseline.yaml", cwd=tmp_path)
    assert_clear(out, ExitCode.DATA, "baseline.yaml")


@pytest.mark.parametrize(("source", "says"), [("garbage.bin", "line 1 is not UTF-8 text"),
                                              ("/dev/zero", "line 1 is longer than 8 MB")])
def test_produce_from_a_binary_or_endless_file_is_an_input_error(tmp_path, source, says):
    (tmp_path / "garbage.bin").write_bytes(b"\x99\xff\x00binary\n")
    out = mskctl("produce", "t", "-f", source, *DEAD, "--timeout", "1", cwd=tmp_path)
    assert_clear(out, ExitCode.DATA, says)


@pytest.mark.parametrize("depth", [990, 100_000])
def test_protect_check_of_a_deeply_nested_sample_is_an_input_error(tmp_path, depth):
    (tmp_path / "deep.json").write_text('{"a":' + "[" * depth + "]" * depth + "}")
    out = mskctl("protect", "check", str(PROTECT / "orders-policy.yaml"), str(tmp_path / "deep.json"),
                 "--topic", "orders", "--offline")
    assert_clear(out, ExitCode.DATA, "nested too deeply")


@pytest.mark.parametrize("command", [("doctor",), ("config", "show"), ("protect", "check", "p.yaml", "s.json"),
                                     ("produce", "t", "v"), ("plan", "-f", "x.yaml"), ("topics", "list")])
def test_an_unknown_output_format_is_a_usage_error_not_a_silent_table(command):
    assert_clear(mskctl(*command, "-o", "xml"), ExitCode.USAGE, "'xml' is not one of")
