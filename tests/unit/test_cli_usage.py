"""Usage mistakes get click's usage message and exit code 64 (2 is `plan`'s "changes"), never an 'internal error'."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mskctl.errors import ExitCode


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["local", "up", "--brokers", "9"], "Invalid value for '--brokers'"),
        (["local", "env", "--shell", "zsh"], "Invalid value for '--shell'"),
        (["no-such-command"], "No such command"),
    ],
)
def test_bad_flags_are_usage_errors(args, expected):
    out = run(*args)
    assert out.returncode == ExitCode.USAGE
    assert expected in out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr


def test_version_prints_and_exits_zero():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("mskctl ")
