"""The `mskctl local` commands as a user runs them: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mskctl.errors import ExitCode

pytestmark = pytest.mark.integration


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True,
                          text=True, env=dict(os.environ))


def test_env_prints_shell_exports_of_every_enabled_mode(msk):
    out = run("local", "env", "--name", "itest")
    assert out.returncode == 0
    lines = dict(line.removeprefix("export ").split("=", 1) for line in out.stdout.splitlines())
    assert lines["MSK_CLUSTER_ARN"] == msk.spec.arn
    assert lines["AWS_ENDPOINT_URL"] == msk.spec.endpoint_url
    for mode in ("IAM", "SCRAM", "TLS"):
        assert lines[f"MSK_BOOTSTRAP_SERVERS_{mode}"] == msk.env[f"MSK_BOOTSTRAP_SERVERS_{mode}"]
    assert "MSK_BOOTSTRAP_SERVERS" not in lines


def test_env_json_is_machine_readable(msk):
    data = json.loads(run("local", "env", "--name", "itest", "--shell", "json").stdout)
    assert data["MSK_CA_BUNDLE"] == str(msk.paths.ca_bundle)


def test_logs_show_the_end_of_a_broker_log(msk):
    out = run("local", "logs", "--name", "itest", "--broker", "1", "--lines", "5")
    assert out.returncode == 0
    assert 0 < len(out.stdout.splitlines()) <= 5


def test_logs_of_unknown_broker_is_a_clear_error(msk):
    out = run("local", "logs", "--name", "itest", "--broker", "7")
    assert out.returncode == ExitCode.USAGE
    assert "Broker 7 is not in cluster 'itest'" in out.stderr
    assert "Traceback" not in out.stderr


def test_status_of_unknown_cluster_is_a_clear_error(msk):
    out = run("local", "status", "--name", "nosuch")
    assert out.returncode == ExitCode.USAGE
    assert "no local cluster named 'nosuch'" in out.stderr
    assert "mskctl local up --name nosuch" in out.stderr
    assert "Traceback" not in out.stderr


def test_list_shows_the_running_cluster(msk):
    rows = json.loads(run("local", "list", "--output", "json").stdout)
    assert {"name": "itest", "running": 3} .items() <= next(r for r in rows if r["name"] == "itest").items()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["local", "up", "--name", "new1", "--client-auth", "kerberos"], "Unknown client authentication"),
        (["local", "up", "--name", "new1", "--kafka-version", "2.8.1"], "not one the local MSK runs"),
        (["local", "up", "--name", "new1", "--client-broker", "SOMETIMES"], "not one of MSK's values"),
        (["local", "up", "--name", "bad name"], "is not valid"),
        (["local", "up", "--name", "new1", "--kafka-version", "4.0.x", "--client-auth", "iam"], "needs Kafka"),
    ],
)
def test_bad_up_flags_give_a_message_and_hint_without_traceback(msk, args, expected):
    out = run(*args)
    assert out.returncode != 0
    assert expected in out.stderr
    assert "hint:" in out.stderr
    assert "Traceback" not in out.stderr


def test_configuration_that_sets_managed_keys_is_refused(msk, tmp_path):
    config = tmp_path / "server.properties"
    config.write_text("listeners=PLAINTEXT://0.0.0.0:9092\nlog.retention.hours=1\n")
    out = run("local", "up", "--name", "new2", "--configuration", str(config))
    assert out.returncode == ExitCode.USAGE
    assert "listeners" in out.stderr and "Traceback" not in out.stderr


def test_failed_maven_download_names_the_version_and_the_log(msk, tmp_path):
    env = dict(os.environ, MSKCTL_CACHE=str(tmp_path))
    command = [sys.executable, "-m", "mskctl.cli.main", "local", "install", "--kafka-version", "4.1.99"]
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    assert out.returncode == ExitCode.PREREQUISITE
    assert "Downloading Apache Kafka 4.1.99 from Maven Central failed" in out.stderr
    assert "maven.log" in out.stderr and "hint:" in out.stderr
    assert "Traceback" not in out.stderr
