"""Entry point: builds the typer app and turns MskctlError into a message, a hint and an exit code."""

from __future__ import annotations

import logging
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
from mskctl.cli.output import err_console
from mskctl.cli.protect import app as protect_app
from mskctl.errors import ExitCode, MskctlError
from mskctl.service_errors import translate

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


def main() -> None:
    try:
        result = app(standalone_mode=False)
        # Non-standalone click returns typer.Exit's code instead of raising it.
        if isinstance(result, int) and result != 0:
            sys.exit(result)
    except MskctlError as exc:
        _fail(exc)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # usage errors arrive here in non-standalone mode
        # typer ships its own copy of click; its exceptions still have show() and exit_code.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(ExitCode.USAGE)  # click says 2, which `plan --detailed-exitcode` uses for changes
        if (translated := translate(exc, "complete the command")) is not None:
            _fail(translated)  # an AWS or Kafka error no command caught is still the user's to fix
        if _state["debug"]:
            raise
        _print_error("internal error", f"{type(exc).__name__}: {exc}",
                     "run again with --debug for the traceback, and report it.")
        sys.exit(ExitCode.INTERNAL)


def _fail(exc: MskctlError) -> NoReturn:
    if _state["debug"]:
        traceback.print_exc()
    _print_error("error", exc.message, exc.hint)
    sys.exit(exc.exit_code)


def _print_error(label: str, message: str, hint: str | None) -> None:
    """Message and hint as plain text: a `[/x]` in user input must neither crash rich nor restyle the line."""
    err_console.print(Text.assemble((f"{label}:", "bold red"), " ", message), highlight=False)
    if hint:
        err_console.print(Text.assemble(("hint:", "yellow"), " ", hint), highlight=False)


if __name__ == "__main__":
    main()
