"""Run one call under the hostile-input bounds: its own process, a time limit and a memory limit.

The call runs in a forked child (nothing to import again, so a case costs milliseconds) whose address
space may grow at most ``megabytes`` beyond what it had at the fork (``RLIMIT_AS``), and whose CPU
time is limited to ``seconds`` (``RLIMIT_CPU``: the kernel stops it). CPU time, not wall time, is the
bound: the test machine is shared, and a busy neighbour must not fail a case that did bounded work.
A child that blocks without using CPU (a FIFO) is killed after a wall-clock allowance.

What comes back is an :class:`Outcome`: the value's summary, or the error
that escaped, classified, so a test can say "an MskctlError naming the limit, within bounds" and a
hang, a MemoryError or a traceback fail it with their own message.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from mskctl.errors import MskctlError

MB = 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "error" (an MskctlError), "crash" (anything else escaped), "memory", "timeout"
    value: Any = None  # for ok: what ``summary`` made of the return value
    error: str = ""  # the error's type name
    message: str = ""  # its message (and hint), or the traceback of a crash
    exit_code: int | None = None  # an MskctlError's exit code
    seconds: float = 0.0  # CPU seconds of the call
    grown_mb: float = 0.0  # peak resident memory beyond the fork's

    def __str__(self) -> str:
        return (f"{self.kind} after {self.seconds:.1f} s, +{self.grown_mb:.0f} MB: "
                f"{self.error} {self.message}"[:4000])


def _resident_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(conn: Connection, func: Callable[..., Any], args: tuple[Any, ...], seconds: float, megabytes: int,
           summary: Callable[[Any], Any]) -> None:
    try:
        start_kb = _resident_kb("VmRSS")
        size = _resident_kb("VmSize") * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size + megabytes * MB, resource.RLIM_INFINITY))
        used = _cpu()
        resource.setrlimit(resource.RLIMIT_CPU, (int(used + seconds) + 1, resource.RLIM_INFINITY))
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))

        def grown() -> float:
            return max(0, _resident_kb("VmHWM") - start_kb) / 1024

        try:
            value = summary(func(*args))
            result = Outcome("ok", value=value)
        except MemoryError:
            result = Outcome("memory", message=f"more than {megabytes} MB")
        except MskctlError as exc:
            result = Outcome("error", error=type(exc).__name__, exit_code=int(exc.exit_code),
                             message=exc.message + (f"\nhint: {exc.hint}" if exc.hint else ""))
        except BaseException as exc:  # noqa: BLE001 - whatever escapes is what the test reports
            result = Outcome("crash", error=type(exc).__name__, message=traceback.format_exc()[-3000:])
        conn.send(Outcome(result.kind, result.value, result.error, result.message, result.exit_code,
                          _cpu() - used, grown()))
    finally:
        conn.close()
        os._exit(0)  # no atexit, no pytest teardown in the child


def run_bounded(func: Callable[..., Any], *args: Any, seconds: float = 10.0, megabytes: int = 500,
                summary: Callable[[Any], Any] = repr) -> Outcome:
    """``func(*args)`` in a forked child bounded by ``seconds`` of CPU and ``megabytes``; a hang is killed."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, func, args, seconds, megabytes, summary), daemon=True)
    began = time.monotonic()
    process.start()
    sender.close()
    try:
        allowance = 4 * seconds + 20  # wall clock, for a child blocked without using CPU
        if not receiver.poll(allowance):
            return Outcome("timeout", message=f"still running after {allowance:.0f} s of wall time",
                           seconds=time.monotonic() - began)
        try:
            return receiver.recv()
        except EOFError:  # killed by the kernel: the CPU limit (SIGXCPU), the OOM killer
            process.join(5)
            if process.exitcode == -signal.SIGXCPU:
                return Outcome("timeout", message=f"more than {seconds} s of CPU", seconds=seconds)
            return Outcome("crash", message=f"the child died with exit code {process.exitcode}")
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()


def assert_bounded_error(outcome: Outcome, *fragments: str) -> None:
    """An MskctlError (never a crash, hang or MemoryError) whose message holds every fragment."""
    assert outcome.kind == "error", str(outcome)
    for fragment in fragments:
        assert fragment in outcome.message, str(outcome)
