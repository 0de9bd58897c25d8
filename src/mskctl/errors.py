"""One exception hierarchy and one exit-code contract.

Every error a user can cause or fix carries a message and a hint; the CLI prints them and exits
with the error's ``exit_code``; only ``--debug`` shows a traceback.

Exit codes: outcomes that are not errors are small (1, 2, 5), so CI can branch on them; errors
take the BSD ``sysexits.h`` codes (64 and up), so no error can be read as an outcome. The table
in ``docs/cli.md`` is checked against ``ExitCode`` by a test.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What ``mskctl``'s exit status means; ``OUTCOMES`` and ``ERRORS`` describe each (docs/cli.md's table)."""

    OK = 0
    FINDINGS = 1
    CHANGES = 2
    FIELDS_PROTECTED = 5
    USAGE = 64
    DATA = 65
    UNAVAILABLE = 69
    INTERNAL = 70
    PREREQUISITE = 72
    FAILED = 75
    PERMISSION = 77
    CONFIG = 78
    INTERRUPTED = 130
    BROKEN_PIPE = 141


# Outcome codes: the command ran and is telling you something; errors are every other non-zero code.
OUTCOMES: dict[ExitCode, str] = {
    ExitCode.OK: "Success: done, no changes, no findings.",
    ExitCode.FINDINGS: "`audit`: findings at or above `--fail-on`. `doctor`: a check failed (the broken link "
                       "and its fix are printed).",
    ExitCode.CHANGES: "`plan --detailed-exitcode`: the cluster differs from the spec (as Terraform's).",
    ExitCode.FIELDS_PROTECTED: "`consume --unprotect`: records were printed, some fields stayed protected "
                               "(each listed with the reason).",
}
ERRORS: dict[ExitCode, str] = {
    ExitCode.USAGE: "Usage: an unknown command or option, a bad or missing argument or value (flags and env "
                    "vars alike, e.g. `NUM_MESSAGES=abc`), no topic or bootstrap servers; click's own usage errors "
                    "included.",
    ExitCode.DATA: "Invalid input data: an access spec, protection policy or baseline file, a record that is "
                   "not JSON, a secret that is not `{username, password}`.",
    ExitCode.UNAVAILABLE: "A service could not be reached or did not answer in time: brokers, the AWS API "
                          "(endpoint, network), a timeout.",
    ExitCode.INTERNAL: "Internal error: a bug in mskctl; run with `--debug` and report it.",
    ExitCode.PREREQUISITE: "Something the machine lacks: Java, Maven, a download (local MSK).",
    ExitCode.FAILED: "An operation started but did not finish: a partial apply, a wait that timed out, the "
                     "local MSK failing to start; the message says what was done.",
    ExitCode.PERMISSION: "Permission denied: AWS AccessDenied, Kafka authorization or authentication failed, "
                         "invalid AWS credentials.",
    ExitCode.CONFIG: "Configuration: the profile file, missing AWS credentials, region or AWS profile, a "
                     "missing CA bundle.",
    ExitCode.INTERRUPTED: "Interrupted (Ctrl-C) or aborted at a prompt.",
    ExitCode.BROKEN_PIPE: "The reader of the output went away (`mskctl … | head`): mskctl stops quietly, with "
                          "no traceback, and exits 141 (128 + SIGPIPE) as a CLI killed by SIGPIPE does.",
}


def exit_code_table() -> str:
    """The Markdown table of docs/cli.md, from the constants above (a unit test compares the two)."""
    rows = ["| code | name | kind | meaning |", "|---:|---|---|---|"]
    for code in ExitCode:
        kind, meaning = ("outcome", OUTCOMES[code]) if code in OUTCOMES else ("error", ERRORS[code])
        rows.append(f"| {code.value} | `{code.name}` | {kind} | {meaning} |")
    return "\n".join(rows) + "\n"


class MskctlError(Exception):
    """An error the user can act on."""

    exit_code: int = ExitCode.FAILED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(MskctlError):
    """Bad flags, names or files given by the user."""

    exit_code = ExitCode.USAGE


class InputError(UsageError):
    """Input data that cannot be used: a spec, policy or baseline file, a record."""

    exit_code = ExitCode.DATA


class ConfigError(UsageError):
    """Settings from the environment, a profile or AWS's configuration are missing or invalid."""

    exit_code = ExitCode.CONFIG


class ServiceUnavailable(MskctlError):
    """Brokers or the AWS API could not be reached, or did not answer in time."""

    exit_code = ExitCode.UNAVAILABLE


class PermissionDenied(MskctlError):
    """AWS or Kafka refused the identity (authorization or authentication)."""

    exit_code = ExitCode.PERMISSION


class PrerequisiteError(MskctlError):
    """Something the machine lacks (Java, Maven, a download)."""

    exit_code = ExitCode.PREREQUISITE


class LocalClusterError(MskctlError):
    """The local MSK could not be started, reached or changed."""

    exit_code = ExitCode.FAILED
