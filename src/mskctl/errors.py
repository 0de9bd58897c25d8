"""One exception hierarchy: every error a user can cause or fix carries a message and a hint.

The CLI prints ``message`` and ``hint`` and exits with ``exit_code``; only
``--debug`` shows a traceback.
"""

from __future__ import annotations


class MskctlError(Exception):
    """An error the user can act on."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(MskctlError):
    """Bad flags, names or files given by the user."""

    exit_code = 2


class PrerequisiteError(MskctlError):
    """Something the machine lacks (Java, Maven, a download)."""

    exit_code = 3


class LocalClusterError(MskctlError):
    """The local MSK could not be started, reached or changed."""

    exit_code = 4
