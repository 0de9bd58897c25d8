"""The CLI's contract: exit codes per command, seed 001's variables, env vars in --help, one meaning per short flag.

Commands run in-process through ``mskctl.cli.main.main`` (the real entry point, which maps errors to exit
codes), so a moto server in this process can enforce IAM on them.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import typer

import mskctl
from mskctl.cli.main import app, main
from mskctl.config.settings import ENV_VARS
from mskctl.errors import ERRORS, OUTCOMES, ExitCode, MskctlError, exit_code_table
from mskctl.local.spec import ClientAuth
from mskctl.protect.errors import FieldsLeftProtected
from tests.unit.test_protect_helpers import ADMIN, REGION, iam_enforced, moto_endpoint_fixture  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "audit" / "terraform"
ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-aaaa-bbbb-cccc-111122223333-1"
SEED_VARIABLES = ("MSK_", "AWS_", "NUM_MESSAGES", "MESSAGE_INTERVAL", "CONSUME_TIMEOUT", "MSKCTL_")


class Ran:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"exit {self.code}\nstdout: {self.out}\nstderr: {self.err}"


@pytest.fixture
def mskctl_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """Run ``mskctl ARGS`` in-process with only the given variables (no profile, no ~/.aws)."""
    for name in list(os.environ):
        if name.startswith(SEED_VARIABLES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MSKCTL_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, **env: str) -> Ran:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "argv", ["mskctl", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 0
        finally:
            for name in env:
                monkeypatch.delenv(name)
        captured = capsys.readouterr()
        ran = Ran(code, captured.out, captured.err)
        assert "Traceback" not in ran.err and "internal error" not in ran.err, ran
        return ran

    return run


# ---- the table -------------------------------------------------------------------------------------------------

def test_docs_exit_code_table_is_the_one_the_code_uses():
    text = (ROOT / "docs" / "cli.md").read_text()
    start = text.index("\n", text.index("<!-- exit-codes:start")) + 1
    end = text.index("<!-- exit-codes:end -->")
    assert text[start:end] == exit_code_table(), (
        "docs/cli.md is stale; paste: python -c 'from mskctl.errors import exit_code_table as t; print(t())'")


def test_every_code_is_an_outcome_or_an_error_never_both():
    assert set(OUTCOMES) | set(ERRORS) == set(ExitCode)
    assert not set(OUTCOMES) & set(ERRORS)
    assert all(code < 64 for code in OUTCOMES) and all(code >= 64 for code in ERRORS)


def _error_classes() -> Iterator[type[MskctlError]]:
    for module in pkgutil.walk_packages(mskctl.__path__, "mskctl."):
        if ".local.emulator" not in module.name:  # the emulator imports moto's server stack; no CLI errors there
            importlib.import_module(module.name)
    stack = [MskctlError]
    while stack:
        cls = stack.pop()
        yield cls
        stack += cls.__subclasses__()


def test_no_error_class_exits_with_an_outcome_code_but_fields_left_protected():
    as_outcomes = {cls for cls in _error_classes() if cls.exit_code in OUTCOMES}
    assert as_outcomes == {FieldsLeftProtected}
    assert FieldsLeftProtected.exit_code == ExitCode.FIELDS_PROTECTED


# ---- usage errors ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["produce", "orders", "--count", "abc"],
    ["consume", "orders", "--no-such-option"],
    ["plan"],  # the required -f is missing
    ["no-such-command"],
    ["audit", "--fail-on", "severe"],
])
def test_click_usage_errors_exit_64_not_2_which_plan_uses_for_changes(mskctl_cli, args):
    assert mskctl_cli(*args).code == ExitCode.USAGE


def test_every_command_maps_a_bad_option_to_64(mskctl_cli):
    for path in COMMANDS:
        ran = mskctl_cli(*path.split(), "--no-such-option")
        assert ran.code == ExitCode.USAGE, (path, ran)
        assert "No such option" in ran.err, (path, ran)


def test_an_invalid_spec_under_detailed_exitcode_is_65_never_2(mskctl_cli, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 1\ntopics:\n  orders: {partitions: many}\n")
    ran = mskctl_cli("plan", "-f", str(spec), "--detailed-exitcode")
    assert ran.code == ExitCode.DATA and "spec.yaml" in ran.err


def test_audit_findings_exit_1_and_its_usage_errors_do_not(mskctl_cli):
    assert mskctl_cli("audit", "--terraform", str(FIXTURES / "insecure")).code == ExitCode.FINDINGS
    assert mskctl_cli("audit", "--terraform", str(FIXTURES / "insecure"), "--write-baseline", "b.yaml"
                      ).code == ExitCode.USAGE


# ---- seed 001's variables: resolution and messages -------------------------------------------------------------

@pytest.mark.parametrize("command", ["produce", "consume"])
def test_no_topic_names_the_argument_and_the_variable(mskctl_cli, command):
    ran = mskctl_cli(command, "--auth", "iam", MSK_BOOTSTRAP_SERVERS_IAM="127.0.0.1:1", AWS_REGION=REGION)
    assert ran.code == ExitCode.USAGE
    assert "No topic: pass TOPIC or set MSK_TOPIC." in ran.err
    assert "Missing argument" not in ran.err


@pytest.mark.parametrize("command", ["produce", "consume"])
def test_a_missing_bootstrap_is_reported_as_such_when_msk_topic_is_set(mskctl_cli, command):
    ran = mskctl_cli(command, "--auth", "iam", MSK_TOPIC="orders", AWS_REGION=REGION)
    assert ran.code == ExitCode.USAGE
    assert "No bootstrap servers for auth mode iam: pass --bootstrap-servers (-b) or set " \
           "MSK_BOOTSTRAP_SERVERS_IAM." in ran.err
    assert "topic" not in ran.err.lower().split("hint:")[0]


@pytest.mark.parametrize(("command", "variable", "value"), [
    ("produce", "NUM_MESSAGES", "abc"),
    ("produce", "NUM_MESSAGES", "0"),
    ("produce", "MESSAGE_INTERVAL", "-1"),
    ("produce", "MESSAGE_INTERVAL", "soon"),
    ("consume", "CONSUME_TIMEOUT", "-5"),
])
def test_an_invalid_variable_is_a_usage_error_naming_it(mskctl_cli, command, variable, value):
    ran = mskctl_cli(command, "--auth", "tls", **{"MSK_TOPIC": "orders", "MSK_BOOTSTRAP_SERVERS_TLS": "127.0.0.1:1",
                                                  variable: value})
    assert ran.code == ExitCode.USAGE
    assert f"{variable}={value!r} (env) is invalid" in ran.err
    assert "hint: Fix it where it comes from (env)" in ran.err


def test_flag_beats_variable_beats_profile(monkeypatch, tmp_path):
    from mskctl.cli import options

    profile = tmp_path / "config.toml"
    profile.write_text('[profiles.default]\ntopic = "from-profile"\nnum_messages = 3\nmessage_interval = 0.5\n'
                       'consume_timeout = 7\nconsumer_group = "profile-group"\n')
    monkeypatch.setenv("MSKCTL_CONFIG", str(profile))
    for name in list(os.environ):
        if name.startswith(("MSK_", "NUM_MESSAGES", "MESSAGE_INTERVAL", "CONSUME_TIMEOUT")):
            monkeypatch.delenv(name)

    def resolved(**data: object):
        return options.settings(None, None, None, None, None, None, None, None, None, False, data=data)

    from_profile = resolved()
    assert (from_profile.topic, from_profile.num_messages, from_profile.message_interval, from_profile.consume_timeout,
            from_profile.consumer_group) == ("from-profile", 3, 0.5, 7, "profile-group")
    monkeypatch.setenv("MSK_TOPIC", "from-env")
    monkeypatch.setenv("NUM_MESSAGES", "10")
    monkeypatch.setenv("MESSAGE_INTERVAL", "2")
    monkeypatch.setenv("CONSUME_TIMEOUT", "60")
    monkeypatch.setenv("MSK_CONSUMER_GROUP", "env-group")
    from_env = resolved()
    assert (from_env.topic, from_env.num_messages, from_env.message_interval, from_env.consume_timeout,
            from_env.consumer_group) == ("from-env", 10, 2.0, 60.0, "env-group")
    assert from_env.sources["num_messages"] == "env"
    from_flags = resolved(topic="from-flag", num_messages=1, message_interval=0.0, consume_timeout=1.0,
                          consumer_group="flag-group")
    assert (from_flags.topic, from_flags.num_messages, from_flags.consume_timeout, from_flags.consumer_group) == (
        "from-flag", 1, 1.0, "flag-group")
    assert from_flags.message_interval == 0.0 and from_flags.sources["message_interval"] == "flag"


# ---- errors of the outside world: one line, a hint, their own code -----------------------------------------------

@pytest.fixture
def powerless_user(moto_endpoint: str) -> dict[str, str]:
    """Credentials of an IAM user allowed nothing, on a moto server in this process."""
    iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id=ADMIN[0],
                       aws_secret_access_key=ADMIN[1])
    name = f"nobody-{os.urandom(4).hex()}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


# The MSK API by cluster name: moto refuses the identity's signature on its REST paths (SignatureDoesNotMatch, 403)
# where AWS would say AccessDeniedException; both are the identity refused, and exit 77.
@pytest.mark.parametrize("args", [
    ["topics", "list"],
    ["produce", "orders", "-n", "1"],
    ["cluster", "describe"],
    ["audit", "--aws"],
])
def test_a_refused_aws_identity_is_permission_denied_in_one_line(mskctl_cli, powerless_user, args):
    with iam_enforced():
        ran = mskctl_cli(*args, **powerless_user, MSK_CLUSTER_NAME="orders")
    assert ran.code == ExitCode.PERMISSION, ran
    error, hint = ran.err.strip().splitlines()
    assert error.startswith("error: ") and "kafka:" in error and "<Code>" not in error
    assert hint.startswith("hint: ")


def test_access_denied_on_the_scram_secret_is_permission_denied_with_what_to_grant(mskctl_cli, powerless_user):
    with iam_enforced():
        ran = mskctl_cli("produce", "orders", "--auth", "scram", "-b", "127.0.0.1:1", **powerless_user,
                         MSK_SCRAM_SECRET_NAME="AmazonMSK_orders")
    assert ran.code == ExitCode.PERMISSION, ran
    error, hint = ran.err.strip().splitlines()
    assert error.startswith("error: Could not read SCRAM secret AmazonMSK_orders: AccessDenied")
    assert "secretsmanager:GetSecretValue" in hint


def test_an_unreachable_aws_endpoint_is_unavailable(mskctl_cli):
    ran = mskctl_cli("topics", "list", "--cluster-arn", ARN, AWS_ENDPOINT_URL="http://127.0.0.1:1",
                     AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b", AWS_MAX_ATTEMPTS="1")
    assert ran.code == ExitCode.UNAVAILABLE, ran
    assert "AWS_ENDPOINT_URL" in ran.err


def test_no_aws_credentials_is_a_configuration_error(mskctl_cli, moto_endpoint):
    ran = mskctl_cli("topics", "list", "--cluster-arn", ARN, AWS_ENDPOINT_URL=moto_endpoint)
    assert ran.code == ExitCode.CONFIG, ran
    assert "credentials" in ran.err


def test_undelivered_records_are_unavailable_not_internal(mskctl_cli):
    ran = mskctl_cli("produce", "orders", "-n", "1", "--timeout", "1", "-b", "127.0.0.1:1", "--auth", "plaintext",
                     "--allow-plaintext", "-q")
    assert ran.code == ExitCode.UNAVAILABLE, ran
    assert "_MSG_TIMED_OUT" in ran.err or "not delivered" in ran.err


def test_error_text_is_printed_as_text_not_rich_markup(mskctl_cli):
    ran = mskctl_cli("produce", "orders", "--auth", "tls", MSK_BOOTSTRAP_SERVERS_TLS="127.0.0.1:1",
                     NUM_MESSAGES="[/x] [bold]")
    assert ran.code == ExitCode.USAGE
    assert "NUM_MESSAGES='[/x] [bold]' (env) is invalid" in ran.err


def test_doctor_prints_paths_and_broker_text_as_text(mskctl_cli, tmp_path):
    ran = mskctl_cli("doctor", "--auth", "iam", MSKCTL_CONFIG=str(tmp_path / "x[/y]" / "c.toml"))
    assert ran.code == ExitCode.FINDINGS
    assert "x[/y]" in " ".join(ran.out.split())


# ---- help from the constants the code uses ------------------------------------------------------------------------

def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every leaf command of the app and its path (typer ships its own click: duck-typed)."""
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


ROOT_COMMAND = typer.main.get_command(app)
COMMANDS = dict(_commands(ROOT_COMMAND))
# Options that fall back to environment variables, and the settings fields they read.
ENV_OPTIONS = {"--bootstrap-servers": ("bootstrap_iam", "bootstrap_scram", "bootstrap_tls"),
               "--cluster-arn": ("cluster_arn",), "--region": ("region",), "--ca-bundle": ("ca_bundle",),
               "--scram-secret": ("scram_secret_arn", "scram_secret_name"), "--aws-profile": ("aws_profile",)}
DATA_OPTIONS = {("produce", "topic"): "topic", ("produce", "--count"): "num_messages",
                ("produce", "--interval"): "message_interval", ("consume", "topic"): "topic",
                ("consume", "--group"): "consumer_group", ("consume", "--timeout"): "consume_timeout",
                ("doctor", "--topic"): "topic", ("doctor", "--group"): "consumer_group"}


def _param(command: Any, name: str) -> Any:
    return next(p for p in command.params if name in p.opts or p.name == name)


@pytest.mark.parametrize(("command", "option"), list(DATA_OPTIONS))
def test_help_of_each_data_option_names_its_variable(command, option):
    assert f"(env: {ENV_VARS[DATA_OPTIONS[(command, option)]]})" in _param(COMMANDS[command], option).help


def test_help_of_each_connection_option_names_its_variables():
    checked = 0
    for command in COMMANDS.values():
        for param in command.params:
            fields = next((ENV_OPTIONS[o] for o in param.opts if o in ENV_OPTIONS), None)
            # access export's --cluster-arn and local up's --region configure, they read no variable.
            if fields and command.name not in ("export", "up"):
                assert all(ENV_VARS[f] in (param.help or "") for f in fields), (command.name, param.opts)
                checked += 1
    assert checked > 30


def test_local_up_help_states_the_default_client_auth_the_code_uses(mskctl_cli):
    ran = mskctl_cli("local", "up", "--help")
    assert f"(default {','.join(ClientAuth().enabled())})" in " ".join(ran.out.split())
    assert ClientAuth().enabled() == ["iam", "scram", "tls"]


# ---- one meaning per short flag ---------------------------------------------------------------------------------

def _short_flags() -> dict[str, dict[str, set[str]]]:
    """Short flag -> long option -> the commands using it that way."""
    found: dict[str, dict[str, set[str]]] = {}
    for path, command in [("", ROOT_COMMAND), *COMMANDS.items()]:
        for param in command.params:
            if param.param_type_name != "option" or param.name == "help":
                continue
            longs = [o for o in [*param.opts, *param.secondary_opts] if o.startswith("--")]
            for short in (o for o in param.opts if len(o) == 2 and o.startswith("-")):
                found.setdefault(short, {}).setdefault(longs[0] if longs else short, set()).add(path)
    return found


SHORT_FLAGS = _short_flags()


@pytest.mark.parametrize("short", sorted(SHORT_FLAGS))
def test_a_short_flag_means_one_long_option_in_every_command(short):
    meanings = SHORT_FLAGS[short]
    assert len(meanings) == 1, f"{short} means {meanings}"


def test_bootstrap_flag_is_filed_under_the_same_mode_by_doctor_and_the_data_commands(mskctl_cli):
    # Only SCRAM brokers known: -b is SCRAM's for produce, so it must be for doctor too (it was IAM's).
    env = {"MSK_BOOTSTRAP_SERVERS_SCRAM": "127.0.0.1:1", "MSK_SCRAM_SECRET_NAME": "AmazonMSK_x", "AWS_REGION": REGION}
    ran = mskctl_cli("doctor", "-b", "127.0.0.1:2", "-o", "json", **env)
    assert ran.code == ExitCode.FINDINGS
    report = json.loads(ran.out)
    assert report["auth"] == "scram"
    assert report["checks"][0]["detail"] == "scram via 127.0.0.1:2 (from flag)"
