"""``mskctl topics ...`` and ``mskctl cluster describe``."""

from __future__ import annotations

from typing import Annotated

import typer
from confluent_kafka.admin import ConfigResource, NewTopic, ResourceType
from rich.table import Table

from mskctl.cli import options as o
from mskctl.cli.output import console, err_console, print_json
from mskctl.config.discovery import kafka_client
from mskctl.errors import UsageError
from mskctl.service_errors import translated

topics_app = typer.Typer(help="List, describe, create and delete topics.", no_args_is_help=True)
cluster_app = typer.Typer(help="The cluster: brokers, controller, listeners, auth modes.", no_args_is_help=True)
Output = Annotated[str, typer.Option("--output", "-o", help="table or json.", callback=o.choice("table", "json"))]


@topics_app.command("list")
def list_topics(
    output: Output = "table", internal: Annotated[bool, typer.Option("--internal")] = False,
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Topics with their partition count and replication factor."""
    conn = o.connection(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                        role_arn, allow_plaintext)
    with translated("list topics", mode=conn.mode.value):
        metadata = conn.admin().list_topics(timeout=15)
    rows = [{"topic": name, "partitions": len(t.partitions),
             "replicationFactor": len(next(iter(t.partitions.values())).replicas) if t.partitions else 0}
            for name, t in sorted(metadata.topics.items()) if internal or not name.startswith("__")]
    if output == "json":
        print_json(rows)
        return
    table = Table("topic", "partitions", "replication")
    for row in rows:
        table.add_row(row["topic"], str(row["partitions"]), str(row["replicationFactor"]))
    console.print(table)


@topics_app.command("describe")
def describe_topic(
    topic: str, output: Output = "table",
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Partitions (leader, replicas, ISR) and the topic's non-default configs."""
    conn = o.connection(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                        role_arn, allow_plaintext)
    admin = conn.admin()
    with translated(f"describe topic {topic}", mode=conn.mode.value):
        found = admin.list_topics(topic, timeout=15).topics.get(topic)
        if found is None or found.error is not None:
            raise UsageError(f"Topic {topic!r} not found or not visible: {found.error if found else 'missing'}.",
                             hint="Check the name, and DescribeTopic permission (IAM) or a DESCRIBE ACL.")
        resource = ConfigResource(ResourceType.TOPIC, topic)
        configs = admin.describe_configs([resource])[resource].result(timeout=15)
    data = {
        "topic": topic,
        "partitions": [{"partition": p.id, "leader": p.leader, "replicas": p.replicas, "isr": p.isrs}
                       for p in sorted(found.partitions.values(), key=lambda p: p.id)],
        "configs": {name: entry.value for name, entry in sorted(configs.items()) if not entry.is_default},
    }
    if output == "json":
        print_json(data)
        return
    table = Table("partition", "leader", "replicas", "isr")
    for p in data["partitions"]:
        table.add_row(str(p["partition"]), str(p["leader"]), ",".join(map(str, p["replicas"])),
                      ",".join(map(str, p["isr"])))
    console.print(table)
    for name, value in data["configs"].items():
        console.print(f"{name}={value}", highlight=False)


@topics_app.command("create")
def create_topic(
    topic: str,
    partitions: Annotated[int, typer.Option("--partitions", min=1)] = 3,
    replication: Annotated[int | None, typer.Option("--replication-factor", min=1,
                                                    help="Default: the cluster's.")] = None,
    config: Annotated[list[str] | None, typer.Option("--config", "-c", help="KEY=VALUE, repeatable.")] = None,
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Create a topic."""
    from mskctl.cli.data import _headers  # KEY=VALUE parsing with the same message

    configs = {k: v.decode() for k, v in _headers(config or [])}
    conn = o.connection(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                        role_arn, allow_plaintext)
    new = NewTopic(topic, partitions, replication if replication is not None else -1, config=configs)
    with translated(f"create topic {topic}", mode=conn.mode.value):
        conn.admin().create_topics([new], request_timeout=30)[topic].result()
    err_console.print(f"created {topic} ({partitions} partitions)", highlight=False)


@topics_app.command("delete")
def delete_topic(
    topic: str, yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Delete a topic (asks first unless --yes)."""
    if not yes and not typer.confirm(f"Delete topic {topic} and all its records?"):
        raise typer.Abort()
    conn = o.connection(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                        role_arn, allow_plaintext)
    with translated(f"delete topic {topic}", mode=conn.mode.value):
        conn.admin().delete_topics([topic], request_timeout=30)[topic].result()
    err_console.print(f"deleted {topic}", highlight=False)


@cluster_app.command("describe")
def describe_cluster(
    output: Output = "table",
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Brokers and controller (Kafka), and state, version and auth modes (MSK API, when the ARN is known)."""
    conn = o.connection(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                        role_arn, allow_plaintext)
    with translated("describe the cluster", mode=conn.mode.value):
        described = conn.admin().describe_cluster(request_timeout=15).result()
    data: dict = {"clusterId": described.cluster_id, "auth": conn.mode.value, "bootstrap": conn.bootstrap,
                  "brokers": sorted((n.id, f"{n.host}:{n.port}") for n in described.nodes),
                  "controller": described.controller.id if described.controller else None}
    if conn.settings.cluster_arn:
        with translated(f"describe {conn.settings.cluster_arn} (kafka:DescribeClusterV2)"):
            info = kafka_client(conn.settings).describe_cluster_v2(ClusterArn=conn.settings.cluster_arn)["ClusterInfo"]
        provisioned = info.get("Provisioned", {})
        auth_info = provisioned.get("ClientAuthentication", {})
        modes = [m for m, on in (("iam", auth_info.get("Sasl", {}).get("Iam", {}).get("Enabled")),
                                 ("scram", auth_info.get("Sasl", {}).get("Scram", {}).get("Enabled")),
                                 ("tls", auth_info.get("Tls", {}).get("Enabled")),
                                 ("unauthenticated", auth_info.get("Unauthenticated", {}).get("Enabled"))) if on]
        data |= {"clusterArn": info["ClusterArn"], "name": info["ClusterName"], "state": info["State"],
                 "kafkaVersion": provisioned.get("CurrentBrokerSoftwareInfo", {}).get("KafkaVersion"),
                 "authModes": modes,
                 "encryptionInTransit": provisioned.get("EncryptionInfo", {}).get("EncryptionInTransit")}
    if output == "json":
        print_json(data)
        return
    table = Table("field", "value")
    for key, value in data.items():
        table.add_row(key, ", ".join(f"{b}={a}" for b, a in value) if key == "brokers" else str(value))
    console.print(table)
