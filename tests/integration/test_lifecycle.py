"""Broker reboots, restarts, crashes and monitoring on the local MSK."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from confluent_kafka import Producer

from mskctl.errors import LocalClusterError
from mskctl.local import brokers, cluster
from tests.integration.kafka_helpers import QUIET, consume_all, create_topic, wait_until

pytestmark = pytest.mark.integration
MSKCTL = [sys.executable, "-m", "mskctl.cli.main"]


def mskctl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MSKCTL, *args], capture_output=True, text=True, check=check,
                          env=dict(os.environ))


def status(name: str = "itest") -> dict:
    return json.loads(mskctl("local", "status", "--name", name, "--output", "json").stdout)


def broker_epochs(msk, broker: int) -> list[int]:
    """The broker epochs the controller gave this broker, in order, from its own server.log."""
    pattern = re.compile(rf"Successfully registered broker {broker} with broker epoch (\d+)")
    return [int(m.group(1)) for m in pattern.finditer(msk.paths.broker_log(broker).read_text(errors="replace"))]


def test_reboot_broker_during_idempotent_produce_loses_and_duplicates_nothing(msk, unique):
    topic = f"reboot-{unique}"
    pid_before, epochs_before = brokers.broker_pid(msk.paths, 2), broker_epochs(msk, 2)
    assert pid_before is not None and epochs_before
    create_topic(msk.tls_config(), topic, partitions=6, replication=3,
                 configs={"min.insync.replicas": "2"})
    total = 20_000
    failures: list[str] = []
    producer = Producer(msk.tls_config(**QUIET, **{
        "enable.idempotence": True, "acks": "all", "linger.ms": 5,
        "message.timeout.ms": 120_000,
    }))
    kafka = msk.boto("kafka")
    operation_arn = None
    for i in range(total):
        while True:
            try:
                producer.produce(topic, str(i).encode(),
                                 on_delivery=lambda err, _m: err and failures.append(str(err)))
                break
            except BufferError:
                producer.poll(0.1)
        if i == 2_000:
            operation_arn = kafka.reboot_broker(ClusterArn=msk.spec.arn, BrokerIds=["2"])[
                "ClusterOperationArn"]
        if i % 200 == 0:
            producer.poll(0)
            time.sleep(0.05)  # spread the produce over the reboot
    assert producer.flush(180) == 0
    assert failures == []

    def operation_state() -> str:
        return kafka.describe_cluster_operation(ClusterOperationArn=operation_arn)[
            "ClusterOperationInfo"]["OperationState"]

    assert wait_until(lambda: operation_state() in ("UPDATE_COMPLETE", "UPDATE_FAILED"), 120)
    assert operation_state() == "UPDATE_COMPLETE"
    # Broker 2 really went down and came back: another process, registered anew with a higher epoch.
    pid_after = brokers.broker_pid(msk.paths, 2)
    assert pid_after is not None and pid_after != pid_before
    epochs_after = broker_epochs(msk, 2)
    assert len(epochs_after) > len(epochs_before) and epochs_after[-1] > epochs_before[-1]
    values = consume_all(msk.tls_config(), topic, expected=total, timeout=120)
    assert len(values) == total
    assert {int(v) for v in values} == set(range(total))
    assert kafka.describe_cluster_v2(ClusterArn=msk.spec.arn)["ClusterInfo"]["State"] == "ACTIVE"


def test_jmx_exporter_serves_kafka_server_metrics_on_each_broker(msk):
    for broker in msk.spec.broker_ids():
        url = f"http://{msk.spec.broker_host(broker)}:11001/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        assert "kafka_server_" in text
        assert "kafka_controller_KafkaController_Value" in text


def test_status_names_one_active_controller_and_every_broker_up(msk):
    data = status()
    assert [b["state"] for b in data["brokers"]] == ["up", "up", "up"]
    assert data["controller"] in msk.spec.broker_ids()
    assert sum(b["activeController"] for b in data["brokers"]) == 1
    assert data["awsApi"]["state"] == "up"


def test_up_when_already_up_changes_nothing(msk):
    before = {b: brokers.broker_pid(msk.paths, b) for b in msk.spec.broker_ids()}
    result = mskctl("local", "up", "--name", "itest", "--output", "json")
    after = {b: brokers.broker_pid(msk.paths, b) for b in msk.spec.broker_ids()}
    assert before == after
    assert json.loads(result.stdout)["clusterArn"] == msk.spec.arn


def test_killed_broker_shows_down_and_up_brings_it_back(msk):
    pid = brokers.broker_pid(msk.paths, 3)
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: brokers.broker_pid(msk.paths, 3) is None, 10)
    assert status()["brokers"][2]["state"] == "down"
    mskctl("local", "up", "--name", "itest", "--quiet")
    assert status()["brokers"][2]["state"] == "up"
    assert brokers.broker_pid(msk.paths, 3) != pid


def test_data_scram_users_and_identity_survive_down_and_up(msk, unique):
    from tests.integration.kafka_helpers import can_produce, create_cmk, scram_secret

    topic = f"durable-{unique}"
    create_topic(msk.tls_config(), topic)
    producer = Producer(msk.tls_config(**QUIET, **{"acks": "all"}))
    for i in range(100):
        producer.produce(topic, f"v{i}".encode())
    assert producer.flush(30) == 0
    user = f"keep{unique}"
    arn = scram_secret(msk.boto("secretsmanager"), f"AmazonMSK_{user}", user, "kept-password",
                       create_cmk(msk.boto("kms")))
    msk.boto("kafka").batch_associate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[arn])
    env_before = cluster.environment(msk.spec, msk.paths)

    mskctl("local", "down", "--name", "itest", "--quiet")
    assert all(brokers.broker_pid(msk.paths, b) is None for b in msk.spec.broker_ids())
    mskctl("local", "up", "--name", "itest", "--quiet")

    assert cluster.environment(msk.spec, msk.paths) == env_before
    values = consume_all(msk.tls_config(), topic, expected=100)
    assert sorted(values) == sorted(f"v{i}".encode() for i in range(100))
    kafka = msk.boto("kafka")
    assert arn in kafka.list_scram_secrets(ClusterArn=msk.spec.arn)["SecretArnList"]
    assert wait_until(lambda: can_produce(msk.scram_config(user, "kept-password"), topic, 5) is None, 15)


def test_port_already_taken_is_named_with_address_port_and_process(msk):
    spec, _ = cluster.plan_spec(cluster.UpRequest(name="portclash", brokers=1))
    host = spec.broker_host(1)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind((host, 9096))
        squatter.listen()
        with pytest.raises(LocalClusterError) as error:
            cluster.up(cluster.UpRequest(name="portclash", brokers=1))
    message = error.value.message
    assert f"{host}:9096" in message
    assert f"pid {os.getpid()}" in message
    assert not (cluster.ClusterPaths.for_name("portclash").spec.exists())


def test_node_exporter_serves_host_metrics_on_11002_of_each_broker(msk):
    # `make` installs Debian's prometheus-node-exporter; without it this must fail, not skip.
    from mskctl.local import node_exporter

    assert node_exporter.binary() is not None, "prometheus-node-exporter is not installed"
    for broker in msk.spec.broker_ids():
        url = f"http://{msk.spec.broker_host(broker)}:11002/metrics"
        assert wait_until(lambda u=url: _get(u) is not None, 10)
        assert "node_cpu_seconds_total" in _get(url)
    info = msk.boto("kafka").describe_cluster_v2(ClusterArn=msk.spec.arn)["ClusterInfo"]
    prometheus = info["Provisioned"]["OpenMonitoring"]["Prometheus"]
    assert prometheus["NodeExporter"]["EnabledInBroker"] is True


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except OSError:
        return None


def test_aws_api_down_fails_iam_authentication_but_scram_and_tls_keep_serving(msk, unique):
    from mskctl.local import processes
    from tests.integration.iam_helpers import admin_iam_config, authentication_error, authentication_refusal

    topic = f"apidown-{unique}"
    create_topic(msk.tls_config(), topic)
    assert processes.stop(msk.paths.emulator_pid, str(msk.paths.root), timeout=20)
    try:
        # Cached answers last a few seconds; after that the plugin cannot ask and must refuse: the
        # brokers' _AUTHENTICATION answer, not a timeout.
        assert wait_until(lambda: authentication_refusal(admin_iam_config(msk), 5) is not None, 30)
        from tests.integration.kafka_helpers import can_produce

        assert can_produce(msk.tls_config(), topic) is None
    finally:
        mskctl("local", "up", "--name", "itest", "--quiet")
    assert authentication_error(admin_iam_config(msk)) is None
