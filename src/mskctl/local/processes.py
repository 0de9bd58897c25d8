"""Detached processes tracked by pid files: start, find, stop.

A pid file alone can lie (the pid may be reused after a reboot), so a process only
counts as ours if its command line still contains the marker it was started with.
"""

from __future__ import annotations

import contextlib
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
    """Start ``command`` detached from this process, output appended to ``log_file``; record its pid.

    A short-lived ``sh`` starts it in the background and exits, so the process is
    re-parented to init: whoever restarts it later (the CLI, the AWS API emulator on
    RebootBroker) is never left holding an unreaped zombie of it.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    launcher_env = dict(os.environ if env is None else env)
    launcher_env["MSKCTL_DETACHED_LOG"] = str(log_file)
    launcher = subprocess.run(
        ["/bin/sh", "-c", '"$@" >>"$MSKCTL_DETACHED_LOG" 2>&1 </dev/null & echo $!', "sh", *command],
        capture_output=True, text=True, env=launcher_env, cwd=cwd, start_new_session=True,
        check=False, timeout=30,
    )
    try:
        pid = int(launcher.stdout.strip())
    except ValueError as exc:
        raise OSError(f"could not start {command[0]}: {launcher.stderr.strip()}") from exc
    pid_file.write_text(f"{pid}\n")
    return pid


def is_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped by its parent) counts as gone."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stop(pid_file: Path, marker: str, *, timeout: float = 30.0) -> bool:
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL. True if a process was stopped."""
    pid = running_pid(pid_file, marker)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        if wait_until(lambda: not is_alive(pid), timeout=wait, interval=0.1):
            break
    pid_file.unlink(missing_ok=True)
    return True


def terminate(pid: int) -> None:
    """SIGTERM without waiting (see stop_all)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def stop_all(pids: list[int], *, timeout: float = 40.0) -> None:
    """SIGTERM every pid, wait up to ``timeout`` s for all of them, then SIGKILL what is left."""
    for pid in pids:
        terminate(pid)
    if not wait_until(lambda: not any(is_alive(pid) for pid in pids), timeout=timeout, interval=0.1):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not any(is_alive(pid) for pid in pids), timeout=10.0, interval=0.1)


def wait_until(predicate, *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
