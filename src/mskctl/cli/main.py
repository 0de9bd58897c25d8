"""Entry point: builds the typer app and turns MskctlError into a message, a hint and an exit code."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import traceback
from typing import NoReturn

import typer
from rich.text import Text

from mskctl import __version__
from mskctl.cli.access import app as access_app
from mskctl.cli.access import apply, plan
from mskctl.cli.admin import cluster_app, topics_app
from mskctl.cli.audit import audit
from mskctl.cli.config import app as config_app
from mskctl.cli.data import consume, produce
from mskctl.cli.doctor import doctor
from mskctl.cli.local import app as local_app
from mskctl.cli.output import LAYOUT, err_console
from mskctl.cli.protect import app as protect_app
from mskctl.errors import ExitCode, MskctlError
from mskctl.service_errors import translate
from mskctl.text import printable

app = typer.Typer(
    name="mskctl",
    help="Secure Amazon MSK, as code, from Python: a local MSK, clients and checks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(local_app, name="local")
app.add_typer(topics_app, name="topics")
app.add_typer(cluster_app, name="cluster")
app.add_typer(config_app, name="config")
app.add_typer(access_app, name="access")
app.add_typer(protect_app, name="protect")
app.command()(plan)
app.command()(apply)
app.command()(produce)
app.command()(consume)
app.command()(doctor)
app.command()(audit)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        print(f"mskctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    _state["debug"] = debug
    if debug:
        # mskctl's own logs and librdkafka's (never secrets: neither logs passwords or tokens).
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in ("mskctl", "mskctl.librdkafka"):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)


def main() -> NoReturn:
    """Run the command; whatever happens, exit with a code from the contract (never 1 for a crash)."""
    try:
        code = _run()
        _flush_stdout()
    except BrokenPipeError:
        code = _broken_pipe()
    except BaseException as exc:  # noqa: BLE001 - the last resort: nothing may escape with Python's exit 1
        code = _crashed(exc)
    sys.exit(code)


def _run() -> int:
    try:
        result = app(standalone_mode=False)
        # Non-standalone click returns typer.Exit's code instead of raising it.
        return result if isinstance(result, int) else 0
    except MskctlError as exc:
        return _fail(exc)
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError) or type(sys.stdout).__name__ == "_PacifyFlushWrapper":
            # rich (SystemExit(1) in on_broken_pipe) and click (EPIPE, then exit 1) handle a closed pipe
            # themselves: the reader went away, which is neither a finding (1) nor a crash.
            return _broken_pipe()
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else ExitCode.INTERNAL)
    except typer.Abort:
        _print_error("aborted", "", None)
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        _print_error("interrupted", "", None)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception as exc:  # noqa: BLE001 - usage errors arrive here in non-standalone mode
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    # typer ships its own copy of click; its exceptions still have show() and exit_code.
    if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
        if _machine_output():
            _print_error("error", exc.format_message() if hasattr(exc, "format_message") else str(exc),
                         "run with --help for the usage.", ExitCode.USAGE)
        else:  # click's text names the bad argument as typed: shown with its control characters escaped
            shown = io.StringIO()
            exc.show(file=shown)
            _write_stderr(printable(shown.getvalue(), keep=LAYOUT))
        return ExitCode.USAGE  # click says 2, which `plan --detailed-exitcode` uses for changes
    if (translated := translate(exc, "complete the command")) is not None:
        return _fail(translated)  # an AWS or Kafka error no command caught is still the user's to fix
    return _crashed(exc)


def _crashed(exc: BaseException) -> int:
    """A bug: plain text (the traceback with --debug), exit 70, and nothing here may raise."""
    try:
        if _state["debug"]:
            traceback.print_exception(exc)
        _print_error("internal error", f"{type(exc).__name__}: {exc}",
                     "run again with --debug for the traceback, and report it.", ExitCode.INTERNAL)
    except BaseException:  # noqa: BLE001 - even printing failed (closed stderr, encoding): the code still says crash
        pass
    return ExitCode.INTERNAL


def _fail(exc: MskctlError) -> int:
    if _state["debug"]:
        traceback.print_exc()
    _print_error("error", exc.message, exc.hint, exc.exit_code)
    return exc.exit_code


def _print_error(label: str, message: str, hint: str | None, code: int = ExitCode.INTERNAL) -> None:
    """On stderr: a JSON error object with -o json/sarif, else plain text; never rich markup, never raising."""
    if _machine_output():
        kind = ExitCode(code).name if code in ExitCode._value2member_map_ else "ERROR"
        error = {"code": int(code), "kind": kind, "message": message, "hint": hint}
        _write_stderr(json.dumps({"error": error}) + "\n")
        return
    message, hint = _indented(message), _indented(hint) if hint else None
    if err_console.is_terminal:
        try:  # colour only the labels, on a terminal; the text is a Text, never parsed as markup
            head = (f"{label}:", "bold red") if message else (label, "bold red")
            err_console.print(Text.assemble(head, f" {message}" if message else ""))
            if hint:
                err_console.print(Text.assemble(("hint:", "yellow"), f" {hint}"))
            return
        except Exception:  # noqa: BLE001 - fall back to the plain write below
            pass
    _write_stderr((f"{label}: {message}" if message else label) + "\n" + (f"hint: {hint}\n" if hint else ""))


def _indented(text: str) -> str:
    """Control characters escaped; lines after the first indented, so no value can forge an `error:` line."""
    return printable(text, keep=LAYOUT).replace("\n", "\n  ")


def _write_stderr(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed or broken stderr: write the bytes directly, or give up
        with contextlib.suppress(Exception):
            os.write(2, text.encode("utf-8", "backslashreplace"))


def _machine_output() -> bool:
    """``-o json`` or ``-o sarif`` on the command line: errors are then a JSON object on stderr."""
    args = sys.argv[1:]
    for index, arg in enumerate(args):
        value = None
        if arg in ("-o", "--output") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--output="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and not arg.startswith("--"):
            value = arg[2:]
        if value in ("json", "sarif"):
            return True
    return False


def _flush_stdout() -> None:
    # Flushed here, not at interpreter exit, so that a reader gone away is a BrokenPipeError we handle.
    sys.stdout.flush()


def _broken_pipe() -> int:
    """The reader of our output went away (``| head``): stop quietly, as a CLI killed by SIGPIPE does."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush has nowhere to fail
    return ExitCode.BROKEN_PIPE


if __name__ == "__main__":
    main()
