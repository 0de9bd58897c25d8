"""``mskctl local``: run the local MSK."""

from __future__ import annotations

import shlex
import time
from collections import deque
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from mskctl.cli.options import finite
from mskctl.cli.output import console, err_console, print_json
from mskctl.errors import UsageError
from mskctl.local import broker_config, cluster, health, lifecycle, node_exporter
from mskctl.local.paths import ClusterPaths, state_home
from mskctl.local.spec import ClusterSpec
from mskctl.text import styled

app = typer.Typer(help="Run a local Amazon MSK: real Kafka brokers behind the AWS API.",
                  no_args_is_help=True)

# No short flags where other commands give the letter another meaning (-n --count, -b
# --bootstrap-servers, -c --config, -f --file): one meaning per short flag across mskctl.
NAME = typer.Option("local", "--name", help="Which local cluster.")


class Output(StrEnum):
    table = "table"
    json = "json"


class Shell(StrEnum):
    sh = "sh"
    fish = "fish"
    json = "json"


def _progress(quiet: bool):
    started = time.monotonic()

    def report(message: str) -> None:
        if not quiet:
            err_console.print(styled(f"[dim]{time.monotonic() - started:5.1f}s[/] {{}}", message),
                              highlight=False)

    return report


@app.command()
def up(
    name: str = NAME,
    brokers: int = typer.Option(None, "--brokers", min=1, max=6,
                                help="Number of brokers, 1-6 (default 3, ids 1..N)."),
    kafka_version: str = typer.Option(None, "--kafka-version",
                                      help="MSK Kafka version (default 4.1.x) or an Apache release."),
    client_auth: str = typer.Option(None, "--client-auth",
                                    help="Comma-separated: iam, scram, tls, unauthenticated (default "
                                    f"{','.join(ClusterSpec.model_fields['client_auth'].default.enabled())})."),
    client_broker: str = typer.Option(None, "--client-broker",
                                      help="Client-broker encryption: TLS (default), "
                                      "TLS_PLAINTEXT or PLAINTEXT."),
    configuration: Path = typer.Option(None, "--configuration",
                                       help="server.properties overrides, as aws_msk_configuration."),
    region: str = typer.Option(None, "--region", help="AWS region of the cluster (us-east-1)."),
    timeout: float = typer.Option(180, "--timeout", min=0, callback=finite,
                                  help="Seconds to wait for readiness."),
    output: Output = typer.Option(Output.table, "--output", "-o"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Start (or create) a local cluster; a no-op that prints status when it already runs."""
    started = time.monotonic()
    request = cluster.UpRequest(
        name=name, brokers=brokers, kafka_version=kafka_version, client_auth=client_auth,
        client_broker=client_broker, configuration=configuration, region=region, timeout=timeout,
    )
    spec = cluster.up(request, progress=_progress(quiet or output is Output.json))
    if not quiet:
        if output is Output.table:
            err_console.print(styled(f"[green]ready[/] in {time.monotonic() - started:.1f}s "
                                     "— `eval \"$(mskctl local env --name {})\"` to use it", name),
                              highlight=False)
        _print_status(spec, ClusterPaths.for_name(spec.name), output)


@app.command()
def install(
    kafka_version: str = typer.Option(None, "--kafka-version", help="MSK Kafka version (default 4.1.x)."),
) -> None:
    """Download Apache Kafka from Maven Central into the cache (what `up` does on first use)."""
    from mskctl.local import install as installer
    from mskctl.local.versions import resolve_kafka_version

    msk_version, apache_version = resolve_kafka_version(kafka_version)
    installer.find_java()
    already = installer.kafka_installed(apache_version)
    dist = installer.ensure_kafka(apache_version)
    state = "already installed" if already else "installed"
    err_console.print(f"Apache Kafka {apache_version} (MSK {msk_version}) {state} in {dist}",
                      highlight=False)


@app.command()
def down(
    name: str = NAME,
    wipe: bool = typer.Option(False, "--wipe", help="Also delete data, certificates and AWS state."),
    force: bool = typer.Option(False, "--force",
                               help="Do not wait for out-of-sync replicas to catch up first."),
    timeout: float = typer.Option(cluster.SYNC_WAIT, "--timeout", min=0, callback=finite,
                                  help="Seconds to wait for replicas to catch up before refusing."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Stop the AWS API, wait until every replica is in sync, then stop the brokers one after the other.

    Unclean leader election is held off until the next `up` has every ISR full again, so no
    acknowledged record is lost. Data stays unless --wipe.
    """
    stopped = cluster.down(name, wipe=wipe, force=force, sync_timeout=timeout, progress=_progress(quiet))
    if not quiet:
        what = f"stopped broker(s) {', '.join(map(str, stopped))}" if stopped else "nothing was running"
        err_console.print(f"{name}: {what}" + ("; state deleted" if wipe else ""), highlight=False)


@app.command()
def status(
    name: str = NAME,
    output: Output = typer.Option(Output.table, "--output", "-o"),
) -> None:
    """Brokers, listeners, controller, the AWS API, and where the logs are."""
    spec, paths = cluster.require_spec(name)
    _print_status(spec, paths, output)


@app.command("list")
def list_clusters(output: Output = typer.Option(Output.table, "--output", "-o")) -> None:
    """The local clusters in this state directory."""
    root = state_home() / "clusters"
    rows = []
    for path in sorted(root.iterdir()) if root.exists() else []:
        spec = cluster.existing_spec(path.name)
        if spec is None:
            continue
        running = sum(1 for b in spec.broker_ids()
                      if cluster.brokers.broker_pid(ClusterPaths(path), b) is not None)
        rows.append({"name": spec.name, "brokers": spec.brokers, "running": running,
                     "kafkaVersion": spec.msk_kafka_version, "endpoint": spec.endpoint_url,
                     "clusterArn": spec.arn})
    if output is Output.json:
        print_json(rows)
        return
    table = Table("name", "brokers", "running", "kafka", "AWS endpoint", "cluster ARN")
    for r in rows:
        table.add_row(r["name"], str(r["brokers"]), str(r["running"]), r["kafkaVersion"],
                      r["endpoint"], r["clusterArn"])
    console.print(table if rows else "no local clusters")


@app.command()
def env(
    name: str = NAME,
    shell: Shell = typer.Option(Shell.sh, "--shell", help="Output syntax: sh, fish or json."),
) -> None:
    """Print exports so boto3, the AWS CLI and Kafka clients use this cluster: eval "$(mskctl local env)"."""
    spec, paths = cluster.require_spec(name)
    variables = cluster.environment(spec, paths)
    if shell is Shell.json:
        print_json(variables)
        return
    for key, value in variables.items():
        if shell is Shell.fish:
            print(f"set -gx {key} {shlex.quote(value)};")
        else:
            print(f"export {key}={shlex.quote(value)}")


@app.command()
def logs(
    name: str = NAME,
    broker: int = typer.Option(None, "--broker", help="A broker's log; default: the AWS API's."),
    lines: int = typer.Option(50, "--lines", "-l", min=0, help="How many last lines."),
    follow: bool = typer.Option(False, "--follow", help="Keep printing new lines."),
) -> None:
    """Print the end of a broker's or the AWS API's log."""
    spec, paths = cluster.require_spec(name)
    path = cluster.log_file(spec, paths, broker)
    if not path.exists():
        raise UsageError(f"No log yet at {path}.", hint="Has the cluster been started?")
    with path.open(errors="replace") as handle:
        for line in deque(handle, maxlen=lines):
            print(line, end="")
        while follow:
            line = handle.readline()
            if line:
                print(line, end="", flush=True)
            else:
                time.sleep(0.3)


def _status_data(spec: ClusterSpec, paths: ClusterPaths) -> dict:
    brokers = health.cluster_health(spec, paths)
    emulator_pid = cluster.emulator_pid(paths)
    state = lifecycle.LifecycleState.load(paths.lifecycle)
    return {
        "name": spec.name,
        "clusterArn": spec.arn,
        "kafkaVersion": spec.msk_kafka_version,
        "apacheKafkaVersion": spec.kafka_version,
        "clientAuthentication": spec.client_auth.enabled(),
        "clientBrokerEncryption": spec.client_broker.value,
        "brokers": [
            {
                "id": b.broker_id, "address": b.host, "pid": b.pid,
                "state": "up" if b.up else ("starting" if b.pid else "down"),
                "listeners": {str(port): ok for port, ok in b.listeners_ok.items()},
                "activeController": b.active_controller,
                "metrics": f"http://{b.host}:11001/metrics" if b.metrics_ok else None,
                "nodeExporter": (f"http://{b.host}:11002/metrics"
                                 if node_exporter.pid(spec, paths, b.broker_id) else None),
                "log": str(paths.broker_log(b.broker_id)),
            }
            for b in brokers
        ],
        "controller": next((b.broker_id for b in brokers if b.active_controller), None),
        "uncleanLeaderElection": {
            "configured": spec_unclean(spec),
            # Controllers whose node-level override holds it at false until every ISR is full.
            "heldOffOn": sorted(state.held),
            "lastStopOrder": state.stop_order,
        },
        "awsApi": {"endpoint": spec.endpoint_url, "pid": emulator_pid,
                   "state": "up" if emulator_pid and cluster.emulator_healthy(spec) else "down",
                   "log": str(paths.emulator_log)},
        "bootstrap": {mode: spec.bootstrap(mode) for mode in ("plaintext", "tls", "scram", "iam")
                      if spec.bootstrap(mode)},
        "caBundle": str(paths.ca_bundle),
        "stateDir": str(paths.root),
    }


def spec_unclean(spec: ClusterSpec) -> str:
    configured = broker_config.msk_default_properties(spec.brokers) | spec.server_properties
    return configured.get(lifecycle.UNCLEAN, "false")


def _print_status(spec: ClusterSpec, paths: ClusterPaths, output: Output) -> None:
    data = _status_data(spec, paths)
    if output is Output.json:
        print_json(data)
        return
    console.print(styled("[bold]{}[/]  {}", data["name"], data["clusterArn"]), highlight=False)
    console.print(f"Kafka {data['kafkaVersion']} (Apache {data['apacheKafkaVersion']}), "
                  f"client auth {', '.join(data['clientAuthentication'])}, "
                  f"client-broker encryption {data['clientBrokerEncryption']}", highlight=False)
    table = Table("broker", "address", "pid", "state", "listeners", "controller")
    for b in data["brokers"]:
        state_style = {"up": "green", "starting": "yellow", "down": "red"}[b["state"]]
        listeners = " ".join(f"{port}{'✓' if ok else '✗'}" for port, ok in b["listeners"].items())
        table.add_row(str(b["id"]), b["address"], str(b["pid"] or "-"),
                      styled(f"[{state_style}]{{}}[/]", b["state"]), listeners,
                      "active" if b["activeController"] else "")
    console.print(table)
    unclean = data["uncleanLeaderElection"]
    if unclean["heldOffOn"]:
        console.print(f"unclean leader election held off (false) on controllers "
                      f"{', '.join(map(str, unclean['heldOffOn']))} until every ISR is full; "
                      f"configured {unclean['configured']}", highlight=False)
    api = data["awsApi"]
    console.print(styled(f"AWS API  {{}}  [{'green' if api['state'] == 'up' else 'red'}]{{}}[/] (pid {{}})",
                         api["endpoint"], api["state"], api["pid"] or "-"), highlight=False)
    for mode, servers in data["bootstrap"].items():
        console.print(f"bootstrap {mode:<9} {servers}", highlight=False)
    console.print(f"CA bundle {data['caBundle']}", highlight=False)
    console.print(f"logs      {paths.root}/brokers/N/logs/server.log, {api['log']}", highlight=False)
