"""Field-level protection of JSON records with AWS KMS: encrypt, encrypt-deterministic, tokenize, mask, drop.

``Protector`` protects records before they are produced and unprotects them after they are
consumed; ``load_policy`` reads the policy that says which fields of which topics. The record
format is documented in docs/protect.md.
"""

from mskctl.protect.envelope import HEADER
from mskctl.protect.errors import FieldsLeftProtected, PolicyError, ProtectError
from mskctl.protect.keys import Reason
from mskctl.protect.policy import LoadedPolicy, Policy, json_schema, load_policy, load_text
from mskctl.protect.protector import FieldProblem, ProtectedRecord, Protector, UnprotectResult

__all__ = [
    "HEADER",
    "FieldProblem",
    "FieldsLeftProtected",
    "LoadedPolicy",
    "Policy",
    "PolicyError",
    "ProtectError",
    "ProtectedRecord",
    "Protector",
    "Reason",
    "UnprotectResult",
    "json_schema",
    "load_policy",
    "load_text",
]
