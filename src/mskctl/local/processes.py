"""Detached processes tracked by pid files: start, find, stop.

A pid file alone can lie (the pid may be reused after a reboot), so a process only
counts as ours if its command line still contains the marker it was started with.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid in ``pid_file`` if that process is alive and its command line holds ``marker``."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        if any(marker in part for part in proc.cmdline()):
            return pid
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return None


def start_detached(
    command: list[str], *, pid_file: Path, log_file: Path, env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``command`` in its own session, output appended to ``log_file``; record its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - command is built by mskctl, not a shell string
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def exited_early(pid: int) -> int | None:
    """Exit code of a child that already died, else None (reaps it so it is no zombie)."""
    try:
        waited, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None if psutil.pid_exists(pid) else -1
    if waited == 0:
        return None
    return os.waitstatus_to_exitcode(status)


def stop(pid_file: Path, marker: str, *, timeout: float = 30.0) -> bool:
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL. True if a process was stopped."""
    pid = running_pid(pid_file, marker)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    try:
        proc = psutil.Process(pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    except psutil.NoSuchProcess:
        pass
    pid_file.unlink(missing_ok=True)
    return True


def wait_until(predicate, *, timeout: float, interval: float = 0.2) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
