"""Values that feed client configurations are checked where settings are built (issue 16, F10, F11, F18).

On the previous main, ``doctor -b host`` crashed (int('host'), exit 70), a newline in a bootstrap
value became extra Java client properties, and ``[::1]:1`` did not parse.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mskctl.config.endpoints import Broker, parse_bootstrap
from mskctl.config.resolve import resolve
from mskctl.config.settings import Settings
from mskctl.errors import ExitCode, UsageError

ROOT = Path(__file__).resolve().parents[2]
MSKCTL = ROOT / ".venv" / "bin" / "mskctl"


def mskctl(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8", "COLUMNS": "200",
            "MSKCTL_CONFIG": "/nonexistent/mskctl.toml"}
    return subprocess.run([str(MSKCTL), *args], capture_output=True, text=True, env=base | env, timeout=60)


def test_bootstrap_strings_parse_to_brokers_including_bracketed_ipv6():
    assert parse_bootstrap("b-1.x.kafka.us-east-1.amazonaws.com:9098, b-2.x:9098,[2001:db8::1]:9096,10.0.0.1:9094") \
        == [Broker("b-1.x.kafka.us-east-1.amazonaws.com", 9098), Broker("b-2.x", 9098), Broker("2001:db8::1", 9096),
            Broker("10.0.0.1", 9094)]
    assert str(Broker("2001:db8::1", 9096)) == "[2001:db8::1]:9096"


@pytest.mark.parametrize(("bootstrap", "says"), [
    ("host", "'host' has no port: write host:port"),
    (":::", "write an IPv6 address in brackets"),
    ("a:1,,b:2", "entry 2 is empty"),
    ("127.0.0.1:abc", "the port must be a number from 1 to 65535"),
    ("h:99999", "the port must be a number from 1 to 65535"),
    ("h:-1", "the port must be a number from 1 to 65535"),
    ("a" * 70 + ".example:9092", "labels are 1 to 63 characters"),
    ("[::1:1", "write an IPv6 address as [address]:port"),
    ("[zz::1]:1", "is not an IPv6 address"),
    ("h:9094\nssl.endpoint.identification.algorithm=", "it contains '\\\\x0a'"),
    ("h:9094=x", "it contains '='"),
    ("", "it is empty"),
])
def test_bad_bootstrap_strings_say_what_is_wrong(bootstrap, says):
    with pytest.raises(ValueError, match=None) as raised:
        parse_bootstrap(bootstrap)
    assert says in str(raised.value)


@settings(database=None, max_examples=300, deadline=None)
@given(st.text())
def test_any_text_either_parses_or_is_a_value_error_and_never_holds_a_line_break(text):
    try:
        brokers = parse_bootstrap(text)
    except ValueError:
        return
    assert "\n" not in text and "\r" not in text and "=" not in text
    assert all(1 <= b.port <= 65535 for b in brokers)


def test_a_newline_in_a_bootstrap_variable_is_refused_naming_the_variable():
    with pytest.raises(UsageError, match="MSK_BOOTSTRAP_SERVERS_TLS="):
        resolve({}, environ={"MSK_BOOTSTRAP_SERVERS_TLS": "h:9094\nssl.endpoint.identification.algorithm="},
                discover=False)


def test_a_bad_bootstrap_flag_is_refused_even_though_it_is_set_by_copy():
    with pytest.raises(UsageError, match="--bootstrap-servers 'host' is invalid"):
        Settings().with_bootstrap("host", None)


def test_properties_export_of_an_injected_bootstrap_is_refused_not_written():
    out = mskctl("config", "export", "--format", "properties", "--auth", "tls",
                 MSK_BOOTSTRAP_SERVERS_TLS="h:9094\nssl.endpoint.identification.algorithm=")
    assert out.returncode == ExitCode.USAGE and out.stdout == ""
    assert "MSK_BOOTSTRAP_SERVERS_TLS" in out.stderr


@pytest.mark.parametrize("bootstrap", ["host", ":::", "a:1,,b:2", "127.0.0.1:abc", "a" * 70 + ".example:9092"])
def test_doctor_reports_a_bootstrap_typo_as_its_broken_link_in_json(bootstrap):
    out = mskctl("doctor", "-b", bootstrap, "--auth", "plaintext", "--allow-plaintext", "-o", "json")
    assert out.returncode == ExitCode.FINDINGS, out.stderr  # a failed check, as doctor reports any broken link
    report = json.loads(out.stdout)
    first = report["checks"][0]
    assert first["status"] == "failed" and "--bootstrap-servers" in first["detail"]


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "-inf"])
def test_consume_timeout_must_be_a_finite_non_negative_number(value):
    out = mskctl("consume", "t", "-b", "127.0.0.1:1", "--auth", "plaintext", "--allow-plaintext", "--timeout", value)
    assert out.returncode == ExitCode.USAGE, out.stderr
    assert "--timeout" in out.stderr or "CONSUME_TIMEOUT" in out.stderr


@pytest.mark.parametrize(("variable", "value"), [("CONSUME_TIMEOUT", "nan"), ("MESSAGE_INTERVAL", "inf")])
def test_numeric_settings_from_the_environment_are_finite(variable, value):
    with pytest.raises(UsageError, match=variable):
        resolve({}, environ={variable: value}, discover=False)
