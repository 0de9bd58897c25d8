"""Errors of field-level protection: a bad policy, a record that cannot be protected, fields left protected."""

from __future__ import annotations

from mskctl.errors import ExitCode, InputError, MskctlError


class PolicyError(InputError):
    """Problems in a protection policy file, each with its file:line."""

    def __init__(self, problems: list[str], hint: str | None = None) -> None:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        super().__init__("Invalid protection policy:\n  " + "\n  ".join(shown),
                         hint=hint or "Fix the lines above; `mskctl protect schema` prints the JSON Schema.")
        self.problems = problems


class ProtectError(MskctlError):
    """A record could not be protected (not JSON, no subject, KMS refused a data key): nothing is sent."""


class RecordNotProtectable(ProtectError):
    """The record itself cannot be protected under the policy (not JSON, no subject id): an input error."""

    exit_code = ExitCode.DATA


class FieldsLeftProtected(MskctlError):
    """Some protected fields could not be decrypted; the records were shown with those fields protected."""

    exit_code = ExitCode.FIELDS_PROTECTED
