"""Inputs read by commands outside the shared spec reader are bounded too (issue 16)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mskctl.errors import ExitCode

MSKCTL = [sys.executable, "-m", "mskctl.cli.main"]


@pytest.mark.parametrize("args", [
    ["audit", "--plan", "/dev/zero"],
    ["protect", "check", "POLICY", "/dev/zero", "--topic", "t", "--offline"],
])
def test_a_device_as_input_is_refused_before_reading(tmp_path, args):
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\ntopics:\n  - topic: t\n    fields:\n      - {path: $.a, action: drop}\n")
    args = [str(policy) if a == "POLICY" else a for a in args]
    ran = subprocess.run([*MSKCTL, *args], capture_output=True, text=True, timeout=60)
    assert ran.returncode == ExitCode.USAGE, ran.stderr
    assert "not a regular file" in ran.stderr
    assert "Traceback" not in ran.stderr
