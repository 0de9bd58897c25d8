"""Entry point: builds the typer app and turns MskctlError into a message, a hint and an exit code."""

from __future__ import annotations

import logging
import sys
import traceback

import typer

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
from mskctl.errors import MskctlError

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
        if _state["debug"]:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]hint:[/] {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # usage errors arrive here in non-standalone mode
        # typer ships its own copy of click; its exceptions still have show() and exit_code.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if _state["debug"]:
            raise
        err_console.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}",
                          highlight=False)
        err_console.print("[yellow]hint:[/] run again with --debug for the traceback, "
                          "and report it.")
        sys.exit(70)


if __name__ == "__main__":
    main()
