"""``mskctl plan``, ``mskctl apply`` and ``mskctl access ...``: topics and access from a reviewed spec."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mskctl.access.apply import ApplyFailed, apply_plan
from mskctl.access.context import AccessContext, plan_spec, revocations
from mskctl.access.desired import cluster_ref
from mskctl.access.loader import LoadedSpec, load
from mskctl.access.plan import Action, Plan
from mskctl.access.render import print_plan, print_result
from mskctl.access.spec import json_schema
from mskctl.cli import options as o
from mskctl.cli.output import console, err_console, print_json
from mskctl.clients.connection import Connection
from mskctl.config.resolve import resolve
from mskctl.config.settings import AuthMode
from mskctl.errors import ExitCode, MskctlError, UsageError
from mskctl.files import output_path

app = typer.Typer(help="Access as code: SCRAM rotation, Terraform export, the spec's JSON Schema.",
                  no_args_is_help=True)
SpecFiles = Annotated[list[Path], typer.Option("--file", "-f", help="Spec file or folder (repeatable; merged).")]
Environment = Annotated[str | None, typer.Option("--env", "-e", help="Environment overlay from the spec.")]
Output = Annotated[str, typer.Option("--output", "-o", help="text or json.", callback=o.choice("text", "json"))]


def spec_connection(loaded: LoadedSpec, environment: str | None, profile: str | None, auth: AuthMode | None,
                    cluster_arn: str | None, region: str | None, ca_bundle: str | None, scram_secret: str | None,
                    aws_profile: str | None, role_arn: str | None) -> Connection:
    """The connection the spec targets: flags, else the spec's cluster (profile, ARN), else env and profiles."""
    target = cluster_ref(loaded.spec, environment)
    flags = o.settings_flags(auth, cluster_arn or target.arn, region, ca_bundle, scram_secret, aws_profile,
                             role_arn, False)
    settings = resolve(flags, profile=profile or target.profile)
    if target.arn and settings.cluster_arn != target.arn:
        raise UsageError(f"The spec targets {target.arn}, but the connection is to {settings.cluster_arn}.",
                         hint="Drop --cluster-arn (or MSK_CLUSTER_ARN), or fix cluster.arn in the spec.")
    return Connection(settings, auth, profile or target.profile)


def _plan(files: list[Path], environment: str | None, conn_args: tuple) -> tuple[AccessContext, Plan]:
    loaded = load(files)
    ctx = AccessContext(spec_connection(loaded, environment, *conn_args))
    _, plan = plan_spec(loaded, environment, ctx)
    return ctx, plan


def plan(
    file: SpecFiles, env: Environment = None, output: Output = "text",
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0: no changes, 2: changes; errors exit 64 and up (docs/cli.md).")] = False,
    profile: o.Profile = None, auth: o.Auth = None, cluster_arn: o.ClusterArn = None, region: o.Region = None,
    ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None, aws_profile: o.AwsProfile = None,
    role_arn: o.RoleArn = None,
) -> None:
    """Show what `apply` would change: topics, configs, partitions, ACLs, IAM policies, SCRAM users."""
    _, the_plan = _plan(file, env, (profile, auth, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                                    role_arn))
    if output == "json":
        print_json(the_plan.as_json())
    else:
        print_plan(the_plan, console)
    if detailed_exitcode and the_plan.has_changes:
        raise typer.Exit(ExitCode.CHANGES)


def apply(
    file: SpecFiles, env: Environment = None,
    allow_delete: Annotated[bool, typer.Option("--allow-delete",
                                               help="Also delete topics, ACLs, users, policies not in the spec.")]
    = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", "--auto-approve", help="Do not ask.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Apply even if it revokes your own access.")] = False,
    output: Output = "text",
    profile: o.Profile = None, auth: o.Auth = None, cluster_arn: o.ClusterArn = None, region: o.Region = None,
    ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None, aws_profile: o.AwsProfile = None,
    role_arn: o.RoleArn = None,
) -> None:
    """Make the cluster match the spec (plan first; deletions only with --allow-delete)."""
    ctx, the_plan = _plan(file, env, (profile, auth, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                                      role_arn))
    shown = console if output != "json" else err_console
    print_plan(the_plan, shown, allow_delete=allow_delete)
    runnable = [c for c in the_plan.changes if c.action is not Action.impossible
                and (allow_delete or c.action is not Action.delete)]
    if not runnable:
        if output == "json":
            print_json({"applied": [], "skipped": [c.as_json() for c in the_plan.changes]})
        return
    revoking = revocations(the_plan, ctx.identity()) if allow_delete or any(
        c.action is Action.update for c in runnable) else []
    revoking = [c for c in revoking if c in runnable]
    if revoking and not force:
        raise UsageError("This apply would revoke the access of the identity running it:\n  "
                         + "\n  ".join(f"{c.kind.value} {c.target}" for c in revoking),
                         hint="Run it as another admin identity, or pass --force if that is intended.")
    if not yes and not sys.stdin.isatty():
        raise UsageError(f"apply would make {len(runnable)} changes and asks first, but there is no terminal.",
                         hint="Review `mskctl plan`, then pass --yes (or --auto-approve) in scripts and CI.")
    if not yes and not typer.confirm(f"Apply {len(runnable)} changes?", err=True):
        raise typer.Abort()
    with Progress(TextColumn("applying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("apply", total=len(the_plan.changes) - len(the_plan.of(Action.impossible)))
        try:
            result = apply_plan(the_plan, ctx, allow_delete=allow_delete, progress=lambda n: bar.advance(task, n))
        except ApplyFailed as failed:
            bar.stop()
            print_result(failed.result, err_console)
            raise MskctlError(f"Apply stopped: {failed.message}",
                              hint=(failed.hint or "") + " The changes listed as applied were made; run "
                              "`mskctl plan` to see what is left.") from None
    if output == "json":
        print_json({"applied": [c.as_json() for c in result.done],
                    "skipped": [c.as_json() | {"reason": r} for c, r in result.skipped],
                    "seconds": round(result.seconds, 3), "requests": result.requests})
    else:
        print_result(result, console)


@app.command("schema")
def schema() -> None:
    """Print the access spec's JSON Schema (for editors and CI validation)."""
    print(json.dumps(json_schema(), indent=2))


@app.command("validate")
def validate(file: SpecFiles, env: Environment = None) -> None:
    """Check spec files offline (no cluster): keys, types, names, configs, intents."""
    from mskctl.access.desired import desired_state

    loaded = load(file)
    desired = desired_state(loaded.spec, env, cluster_ref(loaded.spec, env).arn or _placeholder_arn(loaded))
    err_console.print(f"valid: {len(desired.topics)} topics, {len(desired.acls)} ACLs, {len(desired.iam)} IAM "
                      f"policies, {len(desired.scram)} SCRAM users ({', '.join(loaded.files)})", highlight=False)


PLACEHOLDER_CLUSTER_ARN = "arn:aws:kafka:us-east-1:000000000000:cluster/CLUSTER/UUID"


def _placeholder_arn(loaded: LoadedSpec) -> str:
    """The placeholder cluster ARN, in the IAM principals' account when they share one (so they can be exported)."""
    accounts = {p.iam.split(":")[4] for p in loaded.spec.principals.values() if p.iam}
    if len(accounts) == 1:
        return PLACEHOLDER_CLUSTER_ARN.replace(":000000000000:", f":{accounts.pop()}:")
    return PLACEHOLDER_CLUSTER_ARN


@app.command("export")
def export(
    file: SpecFiles,
    terraform: Annotated[str, typer.Option("--terraform", help="Folder to write the Terraform/OpenTofu .tf files "
                                           "into.")],
    env: Environment = None,
    cluster_arn: Annotated[str | None, typer.Option("--cluster-arn", help="Cluster the IAM policies are for "
                                                    "(default: the spec's cluster.arn).")] = None,
    scram_module_source: Annotated[str, typer.Option("--scram-module-source",
                                                     help="Source of the module that creates the SCRAM secrets.")]
    = "../modules/scram_secrets",
    force: Annotated[bool, typer.Option("--force", help="Overwrite .tf files that this export did not write.")]
    = False,
) -> None:
    """Write the spec's desired state as Terraform/OpenTofu files (offline: no cluster needed)."""
    from mskctl.access.desired import desired_state
    from mskctl.access.permissions import ClusterArn
    from mskctl.access.terraform_export import export_terraform

    folder = output_path(terraform, "--terraform")  # '' (an unset $OUT) is not the current folder
    loaded = load(file)
    arn = cluster_arn or cluster_ref(loaded.spec, env).arn
    if arn:
        ClusterArn.parse(arn)  # a clear error for a malformed --cluster-arn
    else:
        err_console.print("warning: no cluster ARN (neither --cluster-arn nor cluster.arn in the spec): the IAM "
                          "policies are built from a placeholder cluster ARN (their names and paths name it); "
                          "re-export with --cluster-arn before applying them.", highlight=False)
    desired = desired_state(loaded.spec, env, arn or _placeholder_arn(loaded))
    written = export_terraform(desired, folder, cluster_arn_known=bool(arn), cluster_arn=arn,
                               scram_module_source=scram_module_source, sources=loaded.files, environment=env,
                               force=force)
    for path in written:
        err_console.print(f"wrote {path}", highlight=False)


@app.command("rotate-scram")
def rotate_scram(
    user: Annotated[str | None, typer.Argument(help="User name, or its secret's name or ARN.")] = None,
    all_older_than: Annotated[str | None, typer.Option("--all-older-than",
                                                       help="Rotate every associated secret unchanged for this "
                                                       "long (90d, 12h).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be rotated.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, callback=o.finite,
                                                          help="Seconds to wait for the cluster.")] = 300.0,
    output: Output = "text",
    profile: o.Profile = None, cluster_arn: o.ClusterArn = None, region: o.Region = None,
    ca_bundle: o.CaBundle = None, aws_profile: o.AwsProfile = None,
) -> None:
    """New random password into a SCRAM user's secret; wait until the cluster takes it and refuses the old."""
    from mskctl.access import rotate

    if (user is None) == (all_older_than is None):
        raise UsageError("Name one user, or pass --all-older-than.",
                         hint="mskctl access rotate-scram producer-app, or: "
                         "mskctl access rotate-scram --all-older-than 90d")
    settings = resolve(o.settings_flags(None, cluster_arn, region, ca_bundle, None, aws_profile, None, False),
                       profile=profile)
    if not settings.bootstrap_scram:
        raise UsageError("No SCRAM bootstrap servers (port 9096) are known to check the rotation with.",
                         hint="Set MSK_BOOTSTRAP_SERVERS_SCRAM or the cluster ARN so they can be discovered.")
    ctx = AccessContext(Connection(settings, AuthMode.scram if settings.scram_username else None, profile))
    if user is not None:
        targets = [rotate.find_secret(ctx, user)]
    else:
        targets = rotate.due_for_rotation(rotate.associated_secrets(ctx), rotate.parse_age(all_older_than or ""))
    if dry_run or not targets:
        rows = [{"secret": t.name, "lastChanged": t.last_changed.isoformat() if t.last_changed else None}
                for t in targets]
        if output == "json":
            print_json({"due": rows})
        else:
            for row in rows:
                console.print(f"would rotate {row['secret']} (last changed {row['lastChanged']})", highlight=False)
            if not rows:
                console.print("No SCRAM secret is due for rotation.", highlight=False)
        return
    done = []
    for target in targets:
        with err_console.status(f"rotating {target.name}") as status:
            result = rotate.rotate(ctx, target, timeout=timeout, on_step=lambda s, st=status: st.update(s))
        done.append(result)
        if output != "json":
            console.print(f"rotated {result.user} ({result.secret}): new password accepted after "
                          f"{result.accepted_after:.1f} s, old password refused after {result.old_refused_after:.1f} s",
                          highlight=False)
    if output == "json":
        print_json({"rotated": [{"user": r.user, "secret": r.secret, "acceptedAfterSeconds": round(r.accepted_after, 2),
                                 "oldRefusedAfterSeconds": round(r.old_refused_after, 2)} for r in done]})
