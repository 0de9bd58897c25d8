"""Every file mskctl writes goes through ``write_file`` (issue 16, F6, F9, F13, F15).

What it guarantees, for ``config export --out``, ``config from-terraform`` (the profile file and
``msk_config.env``), ``audit --write-baseline`` and ``access export --terraform``:

- **Atomic**: the text goes to a new temporary file in the same folder (``O_EXCL``, mode 0600
  from its creation, so a secret is never readable by others even for a moment), is fsynced,
  and only then takes the target's name. A crash or a full disk leaves the old file, never half
  a file.
- **Mode**: 0600 unless the caller says the file holds nothing secret (Terraform code: 0644 less
  the umask). A replaced file gets the new mode; it does not keep a weaker one.
- **No symlink is followed**: the target is checked with ``lstat``; a link (dangling or not) is
  refused, and the final rename replaces a name, never writes through one.
- **No clobbering**: an existing file is replaced only with ``force`` or when ``ours(path)``
  says mskctl wrote it (its generated-file header); a new name is claimed with ``link()``,
  which fails if anything appeared there meanwhile.
- **Clear usage errors** (exit 64) for an empty path, a directory, a device or FIFO, a missing
  folder, a folder one cannot write to.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from mskctl.errors import MskctlError, UsageError
from mskctl.text import printable

PRIVATE = 0o600
PUBLIC = 0o644  # less the umask: for files that hold no secret (generated Terraform code)


def output_path(raw: str | os.PathLike[str] | None, option: str) -> Path:
    """The path given to ``option``; an empty one (an unset ``$OUT``) is a usage error, not ``.``."""
    text = os.fspath(raw) if raw is not None else ""
    if not text.strip():
        raise UsageError(f"{option} is empty: give the path to write.",
                         hint=f"An unset shell variable in `{option} \"$OUT\"` leaves it empty.")
    return Path(text)


def write_file(path: Path, text: str, *, option: str, mode: int = PRIVATE, force: bool = False,
               ours: Callable[[Path], bool] | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, safely; ``option`` names the flag in errors."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (from a file name or argv): not text a file can hold
        raise UsageError(f"{option} {printable(path)}: the content holds {printable(exc.object[exc.start])!r}, "
                         "which is not valid Unicode text.", hint="Remove it from the input.") from None
    replacing = check_target(path, option=option, force=force, ours=ours)
    temporary = _temporary(path, option)
    try:
        _fill(temporary, data, mode)
        _install(temporary, path, replacing, option)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _sync_folder(path.parent)
    return path


def check_target(path: Path, *, option: str, force: bool = False, ours: Callable[[Path], bool] | None = None) -> bool:
    """Refuse what may not be written; ``True`` when an existing file of ours (or forced) is replaced.

    Callers that do slow work before writing call this first, so a bad path fails fast.
    """
    shown = printable(path)
    if not os.fspath(path).strip():
        raise UsageError(f"{option} is empty: give the path to write.")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {shown}: the folder {printable(folder)} does not exist.",
                         hint="Create the folder first, or write somewhere else.")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"{option} {shown} is a symbolic link; mskctl does not write through links.",
                         hint="Remove the link, or give the path of the real file.")
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{option} {shown} is a directory: give a file path.",
                         hint=f"e.g. {option} {printable(path / 'out')}")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{option} {shown} is not a regular file (a device, FIFO or socket).",
                         hint="Give the path of a file; without the option the output goes to stdout.")
    if not (force or (ours is not None and ours(path))):
        raise UsageError(f"{option} {shown} exists and was not written by mskctl: not overwritten.",
                         hint="Choose a new file name, or pass --force to replace it.")
    return True


def starts_with(marker: str) -> Callable[[Path], bool]:
    """An ``ours`` test: the file's first line starts with mskctl's generated-file ``marker``."""
    def test(path: Path) -> bool:
        try:
            with open(path, "rb") as handle:  # lstat said: a regular file, not a link
                return handle.readline(4096).decode("utf-8", "replace").startswith(marker)
        except OSError:
            return False
    return test


def _temporary(path: Path, option: str) -> str:
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"{option} {printable(path)}: cannot write in {printable(path.parent)}: {exc.strerror}.",
                         hint="Write somewhere you may create files.") from None
    os.close(handle)
    return name


def _fill(name: str, data: bytes, mode: int) -> None:
    fd = os.open(name, os.O_WRONLY | os.O_NOFOLLOW)
    try:
        os.fchmod(fd, mode & ~_umask() if mode != PRIVATE else PRIVATE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        raise MskctlError(f"Could not write {name}: {exc.strerror}.", hint="Check the free space.") from None
    finally:
        os.close(fd)


def _install(temporary: str, path: Path, replacing: bool, option: str) -> None:
    if replacing:
        os.replace(temporary, path)  # rename(2) replaces the name: it never follows a link at the target
        return
    try:
        os.link(temporary, path)  # fails if anything (a file, a link) took the name since the check
    except FileExistsError:
        raise UsageError(f"{option} {printable(path)} appeared while mskctl was writing it: not overwritten.",
                         hint="Run the command again.") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if os.path.lexists(path):  # a file system without hard links: check once more, then rename
            raise UsageError(f"{option} {printable(path)} appeared while mskctl was writing it.") from None
        os.replace(temporary, path)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
