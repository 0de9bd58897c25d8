"""``mskctl protect ...`` and the protection hooks of ``produce --protect`` / ``consume --unprotect``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from mskctl.access.loader import read_text
from mskctl.cli import options as o
from mskctl.cli.output import console, err_console, print_json
from mskctl.config.resolve import resolve
from mskctl.errors import InputError, UsageError
from mskctl.protect import FieldsLeftProtected, ProtectError, Protector, json_schema, load_policy
from mskctl.protect.policy import LoadedPolicy
from mskctl.protect.protector import UnprotectResult
from mskctl.text import styled

app = typer.Typer(help="Field-level protection: check a policy, create its key table, forget a subject, "
                       "print the policy's JSON Schema.", no_args_is_help=True)
PolicyFile = Annotated[Path, typer.Argument(help="Protection policy (YAML).")]
Output = Annotated[str, typer.Option("--output", "-o", help="text or json.", callback=o.choice("text", "json"))]
SHOWN_PROBLEMS = 20  # per-record problem lines before only the summary counts


def _settings(profile: str | None, region: str | None, aws_profile: str | None) -> Any:
    return resolve({"region": region, "aws_profile": aws_profile}, profile=profile, discover=False)


def _protector(policy: LoadedPolicy | None, profile: str | None, region: str | None,
               aws_profile: str | None) -> Protector:
    return Protector.for_settings(_settings(profile, region, aws_profile), policy)


# ---- mskctl protect check -----------------------------------------------------------------------
def _samples(sample: Path) -> list[Any]:
    # Bounded: /dev/zero or a FIFO as the sample never ends.
    text = read_text(sample, "sample", "Give a JSON file (or JSON Lines).")
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    except RecursionError:
        raise _too_deep(sample) from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise UsageError(f"{sample}:{number} is not JSON: {exc}",
                                 hint="A sample is one JSON document, or one per line.") from None
            except RecursionError:
                raise _too_deep(f"{sample}:{number}") from None
    if not records:
        raise UsageError(f"{sample} holds no JSON record.")
    return records


def _too_deep(where: object) -> InputError:
    return InputError(f"{where} is nested too deeply (Python's JSON reader stops near 1000 levels).",
                      hint="A sample record is one JSON document of ordinary depth.")


def _default_topic(policy: LoadedPolicy) -> str:
    plain = [p.pattern for p in policy.plans if not any(c in p.pattern for c in "*?[")]
    if len(policy.plans) == 1 and plain:
        return plain[0]
    raise UsageError("Which topic is the sample for? The policy's rules: "
                     + ", ".join(p.pattern for p in policy.plans) + ".", hint="Pass --topic NAME.")


@app.command("check")
def check(
    policy_file: PolicyFile,
    sample: Annotated[Path, typer.Argument(help="A sample record: JSON, or JSON Lines for several.")],
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="Topic the records are for.")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="No AWS: stand-in keys that live only in this run.")]
    = False,
    output: Output = "text",
    profile: o.Profile = None, region: o.Region = None, aws_profile: o.AwsProfile = None,
) -> None:
    """Protect sample records as a producer would and print them; then decrypt them back as a consumer."""
    policy = load_policy(policy_file)
    topic = topic or _default_topic(policy)
    plan = policy.plan_for(topic)
    if plan is None:
        raise UsageError(f"The policy has no rule for topic {topic!r}: its records would be sent unchanged.",
                         hint="Rules: " + ", ".join(p.pattern for p in policy.plans))
    if offline:
        from mskctl.protect.offline import OfflineKms, OfflineTable

        protector = Protector(policy, kms=OfflineKms(), dynamodb=OfflineTable())
    else:
        protector = _protector(policy, profile, region, aws_profile)
    reports = []
    for document in _samples(sample):
        protected = protector.protect(topic, json.dumps(document).encode())
        back = protector.unprotect(topic, protected.value, protected.headers)
        reports.append({
            "topic": topic, "rule": plan.pattern, "protected": json.loads(protected.value),
            "header": json.loads(protected.header[1]) if protected.header else None,
            "headerBytes": len(protected.header[1]) if protected.header else 0,
            "fields": [{"field": text, "action": action} for text, action, _ in protected.fields],
            "roundTrip": "ok" if back.complete else [p.as_json() for p in back.problems],
        })
    stats = protector.stats
    if output == "json":
        print_json({"records": reports, "kmsCalls": stats["kmsCalls"], "offline": offline})
        return
    for report in reports:
        console.print_json(json.dumps(report["protected"]))
        table = Table("field", "action", title=f"{topic} (rule {report['rule']!r}): "
                                               f"{len(report['fields'])} field(s) protected")
        for item in report["fields"]:
            table.add_row(item["field"], item["action"])
        console.print(table)
        untouched = [f.text for f in plan.fields if f.text not in {i["field"] for i in report["fields"]}]
        if untouched:
            console.print(f"not in this record: {', '.join(untouched)}", highlight=False)
        console.print(f"header {report['headerBytes']} bytes; decrypting back: "
                      + ("ok" if report["roundTrip"] == "ok" else
                         "; ".join(f"{p['field']}: {p['reason']} ({p['message']})" for p in report["roundTrip"])),
                      highlight=False)
    console.print("KMS calls: " + (", ".join(f"{k} {v}" for k, v in stats["kmsCalls"].items()) or "none")
                  + (" (offline stand-in keys)" if offline else ""), highlight=False)


# ---- mskctl protect init / forget / schema ------------------------------------------------------------
@app.command("init")
def init(
    policy_file: PolicyFile, output: Output = "text",
    profile: o.Profile = None, region: o.Region = None, aws_profile: o.AwsProfile = None,
) -> None:
    """Check the policy's KMS keys (enabled, right kind) and create its subject key table when missing."""
    policy = load_policy(policy_file)
    settings = _settings(profile, region, aws_profile)
    protector = Protector.for_settings(settings, policy)
    checks = [_check_key(protector, key, kind) for key, kind in _policy_keys(policy)]
    created = protector.init_store()
    subjects = policy.policy.subjects
    if output == "json":
        print_json({"keys": checks, "subjectTable": subjects.table if subjects else None, "created": created})
    else:
        for item in checks:
            console.print(f"{item['key']} ({item['use']}): {item['state']}", highlight=False)
        if subjects:
            console.print(f"subject key table {subjects.table}: {'created' if created else 'exists'}",
                          highlight=False)
    bad = [c for c in checks if c["state"] != "ok"]
    if bad:
        raise UsageError(f"{len(bad)} key(s) of the policy are not usable: "
                         + "; ".join(f"{c['key']}: {c['state']}" for c in bad),
                         hint="keys.kms is a symmetric ENCRYPT_DECRYPT key; keys.hmac an HMAC_256 "
                              "GENERATE_VERIFY_MAC key; both enabled.")


def _policy_keys(policy: LoadedPolicy) -> list[tuple[str, str]]:
    wanted: dict[str, str] = {}
    for plan in policy.plans:
        for field in plan.fields:
            if field.key:
                wanted[field.key] = "hmac" if field.action in ("encrypt-deterministic", "tokenize") else "kms"
    if policy.uses_subjects and policy.policy.keys.hmac:
        wanted[policy.policy.keys.hmac] = "hmac"
    return sorted(wanted.items())


def _check_key(protector: Protector, key: str, kind: str) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        meta = protector.kms.client.describe_key(KeyId=key)["KeyMetadata"]
    except (ClientError, BotoCoreError) as exc:
        return {"key": key, "use": kind, "state": f"cannot describe: {exc}"}
    usage = "GENERATE_VERIFY_MAC" if kind == "hmac" else "ENCRYPT_DECRYPT"
    # KMS always names the usage; some emulators leave it out for default (symmetric) keys.
    found = meta.get("KeyUsage") or ("ENCRYPT_DECRYPT" if meta.get("KeySpec") == "SYMMETRIC_DEFAULT" else "unknown")
    if found != usage:
        state = f"is a {found} key, needs {usage}"
    elif kind == "kms" and meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        state = f"is {meta.get('KeySpec')}, needs SYMMETRIC_DEFAULT"
    elif meta.get("KeyManager") == "AWS":
        state = "is AWS-managed; use a customer-managed key"
    elif not meta.get("Enabled", True) or meta.get("KeyState", "Enabled") != "Enabled":
        state = f"is {meta.get('KeyState', 'disabled')}"
    else:
        state = "ok"
    return {"key": key, "use": kind, "arn": meta.get("Arn", ""), "state": state}


@app.command("forget")
def forget(
    subject: Annotated[str, typer.Argument(help="The subject id, as it appears in records (e.g. a customer id).")],
    policy_file: Annotated[Path, typer.Option("--policy", "-P", help="The policy naming the key table.")],
    output: Output = "text",
    profile: o.Profile = None, region: o.Region = None, aws_profile: o.AwsProfile = None,
) -> None:
    """Destroy a subject's key: its protected fields, in every record ever written, become undecryptable."""
    policy = load_policy(policy_file)
    if policy.policy.subjects is None:
        raise UsageError(f"{policy_file} has no `subjects:` section: no field is encrypted with per-subject keys.",
                         hint="Add subjects.table and `subject: $.customer_id` to the fields to shred per subject.")
    protector = _protector(policy, profile, region, aws_profile)
    ref, existed = protector.forget(subject)
    table = policy.policy.subjects.table
    if output == "json":
        print_json({"subject": subject, "ref": ref, "table": table, "deleted": existed})
    elif existed:
        console.print(f"forgot the subject: key {ref} deleted from {table}; its protected fields can no longer "
                      f"be decrypted (clients holding it drop it within {policy.policy.subjects.cache_seconds} s)",
                      highlight=False)
    else:
        console.print(f"no key for this subject in {table} (never seen, or already forgotten): nothing to do",
                      highlight=False)


@app.command("schema")
def schema() -> None:
    """Print the protection policy's JSON Schema (for editors and CI validation)."""
    print(json.dumps(json_schema(), indent=2))


# ---- hooks for produce / consume ---------------------------------------------------------------------------
def producer_protector(policy_file: Path, topic: str, connection: Any) -> Protector:
    policy = load_policy(policy_file)
    if policy.plan_for(topic) is None:
        raise UsageError(f"{policy_file} has no rule for topic {topic!r}: its records would be sent unprotected.",
                         hint="Rules: " + ", ".join(p.pattern for p in policy.plans) + ". Add one for the topic.")
    return Protector.for_connection(connection, policy)


def protect_record(protector: Protector, topic: str, payload: bytes, headers: list[tuple[str, bytes]],
                   number: int, producer: Any) -> tuple[bytes, list[tuple[str, bytes]]]:
    try:
        record = protector.protect(topic, payload)
    except ProtectError as exc:
        producer.flush(60)  # what came before is delivered, never dropped
        raise type(exc)(f"Record {number}: {exc.message} The {number - 1} before it were sent.",
                        hint=exc.hint) from None
    return record.value, ([*headers, record.header] if record.header else headers)


def protection_summary(protector: Protector) -> dict[str, Any]:
    stats = protector.stats
    return {"kmsCalls": stats["kmsCalls"], "dataKeysCreated": stats["dataKeysCreated"],
            "dynamodbCalls": stats["dynamodbCalls"]}


class Unprotecting:
    """``consume --unprotect``: decrypts what it may, tells which fields stay protected and why."""

    def __init__(self, connection: Any) -> None:
        self.protector = Protector.for_connection(connection)
        self.records = 0
        self.incomplete = 0
        self.reasons: Counter[tuple[str, str]] = Counter()
        self.shown = 0

    def unprotect(self, message: Any) -> tuple[UnprotectResult, str]:
        """The result, and for jsonl the extra members of the line (``"protection": ...``)."""
        result = self.protector.unprotect(message.topic(), message.value(), message.headers())
        if result.protected:
            self.records += 1
        if not result.problems:
            return result, ""
        self.incomplete += 1
        for problem in result.problems:
            self.reasons[(problem.field, problem.reason.value)] += 1
            if self.shown < SHOWN_PROBLEMS:
                self.shown += 1
                err_console.print(styled("[yellow]{}:{}[/] {} not decrypted: {}: {}", message.partition(),
                                         message.offset(), problem.path, problem.reason.value, problem.message),
                                  highlight=False)
        return result, ', "protection": ' + json.dumps({"undecrypted": [p.as_json() for p in result.problems]})

    def finish(self) -> None:
        if not self.incomplete:
            if self.records:
                err_console.print(f"{self.records} protected record(s) decrypted", highlight=False)
            return
        lines = "\n  ".join(f"{field}: {reason} ({count}x)" for (field, reason), count in sorted(self.reasons.items()))
        raise FieldsLeftProtected(
            f"{self.incomplete} of {self.records} protected record(s) shown with fields still protected:\n  {lines}",
            hint=_consumer_hint(set(reason for _, reason in self.reasons)))


def _consumer_hint(reasons: set[str]) -> str:
    hints = []
    if "access-denied" in reasons:
        hints.append("ask for kms:Decrypt on the keys named above (kms:GenerateMac for deterministic fields, "
                     "dynamodb:GetItem on the subject key table)")
    if "forgotten" in reasons:
        hints.append("forgotten subjects stay unreadable by design")
    if reasons & {"tampered", "wrong-field", "wrong-topic", "malformed"}:
        hints.append("altered or moved values were not written by a mskctl producer as they are now")
    if reasons & {"key-unavailable", "kms-error"}:
        hints.append("check that the keys are enabled and that KMS is reachable")
    return "; ".join(hints).capitalize() + "."
