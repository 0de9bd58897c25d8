"""The clients and CLI against the local MSK: every auth mode, every settings source, rotation, no leaks."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mskctl import connect
from mskctl.errors import ExitCode
from tests.integration.kafka_helpers import create_cmk, create_topic, scram_secret, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def scram_user(msk):
    user, password = "client-user", "client-password-1"
    arn = scram_secret(msk.boto("secretsmanager"), f"AmazonMSK_{user}", user, password, create_cmk(msk.boto("kms")))
    assert msk.boto("kafka").batch_associate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[arn])[
        "UnprocessedScramSecrets"] == []
    config = msk.scram_config(user, password)
    from tests.integration.kafka_helpers import can_produce

    topic = "client-warmup"
    create_topic(msk.tls_config(), topic)
    assert wait_until(lambda: can_produce(config, topic, 5) is None, 20)
    return {"user": user, "password": password, "arn": arn}


@pytest.fixture
def cli_env(msk, scram_user, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSK_", "AWS_"))}
    env |= msk.env
    env["MSK_SCRAM_SECRET_ARN"] = scram_user["arn"]
    env["MSKCTL_CONFIG"] = str(tmp_path / "config.toml")
    return env


def cli(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "mskctl.cli.main", *args], capture_output=True, text=True,
                            env=env, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"mskctl {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


@pytest.mark.parametrize("mode", ["iam", "scram", "mtls"])
def test_produce_and_consume_end_to_end_with_each_auth_mode(msk, cli_env, unique, mode):
    topic = f"cli-{mode}-{unique}"
    create_topic(msk.tls_config(), topic)
    produced = json.loads(cli(cli_env, "produce", topic, "-n", "25", "--auth", mode, "-o", "json").stdout)
    assert produced["delivered"] == 25 and produced["failed"] == 0 and produced["auth"] == mode
    assert produced["latencyMs"]["p50"] is not None
    out = cli(cli_env, "consume", topic, "--auth", mode, "--from-beginning", "--max", "25", "--timeout", "15",
              "-o", "jsonl").stdout
    ids = sorted(json.loads(json.loads(line)["value"])["message_id"] for line in out.splitlines())
    assert ids == list(range(25))


def test_consume_with_a_group_commits_what_it_printed(msk, cli_env, unique):
    topic, group = f"cli-group-{unique}", f"g-{unique}"
    create_topic(msk.tls_config(), topic)
    cli(cli_env, "produce", topic, "a", "b", "c", "-q")
    first = cli(cli_env, "consume", topic, "-g", group, "--from-beginning", "--max", "2", "-o", "jsonl").stdout
    rest = cli(cli_env, "consume", topic, "-g", group, "--from-beginning", "--timeout", "5", "-o", "jsonl").stdout
    values = [json.loads(line)["value"] for line in (first + rest).splitlines()]
    assert sorted(values) == ["a", "b", "c"]


def test_values_from_stdin_with_key_and_headers(msk, cli_env, unique):
    topic = f"cli-stdin-{unique}"
    create_topic(msk.tls_config(), topic)
    subprocess.run([sys.executable, "-m", "mskctl.cli.main", "produce", topic, "--key", "k", "-H", "src=test",
                    "--format", "json"], input='{"a": 1}\n{"a": 2}\n', text=True, env=cli_env, check=True,
                   capture_output=True)
    records = [json.loads(line) for line in cli(cli_env, "consume", topic, "--from-beginning", "--max", "2",
                                                "-o", "jsonl").stdout.splitlines()]
    assert {r["value"] for r in records} == {'{"a": 1}', '{"a": 2}'}
    assert all(r["key"] == "k" and r["headers"] == {"src": "test"} for r in records)


def test_invalid_json_line_stops_with_its_number_and_keeps_what_came_before(msk, cli_env, unique):
    topic = f"cli-badjson-{unique}"
    create_topic(msk.tls_config(), topic)
    result = subprocess.run([sys.executable, "-m", "mskctl.cli.main", "produce", topic, "--format", "json"],
                            input='{"ok": 1}\nnot json\n', text=True, env=cli_env, capture_output=True)
    assert result.returncode == ExitCode.DATA
    assert "Record 2 is not JSON" in result.stderr and "Traceback" not in result.stderr
    out = cli(cli_env, "consume", topic, "--from-beginning", "--max", "1", "-o", "jsonl").stdout
    assert json.loads(out)["value"] == '{"ok": 1}'


def test_settings_come_from_flags_first(msk, cli_env):
    env = dict(cli_env, MSK_BOOTSTRAP_SERVERS_TLS="127.0.0.1:1")  # wrong on purpose: the flag must win
    shown = json.loads(cli(env, "config", "show", "-o", "json", "--no-discover").stdout)
    assert shown["sources"]["bootstrap_tls"] == "env"
    result = cli(env, "topics", "list", "--auth", "mtls", "-b", msk.env["MSK_BOOTSTRAP_SERVERS_TLS"], "-o", "json")
    assert "client-warmup" in {row["topic"] for row in json.loads(result.stdout)}


def test_profile_file_supplies_settings(msk, cli_env, tmp_path):
    profile_env = {k: v for k, v in cli_env.items() if not k.startswith("MSK_")}
    (tmp_path / "config.toml").write_text(
        "[profiles.dev]\n"
        f'bootstrap_tls = "{msk.env["MSK_BOOTSTRAP_SERVERS_TLS"]}"\n'
        f'ca_bundle = "{msk.env["MSK_CA_BUNDLE"]}"\n'
        f'tls_client_cert = "{msk.env["MSK_TLS_CLIENT_CERT"]}"\n'
        f'tls_client_key = "{msk.env["MSK_TLS_CLIENT_KEY"]}"\n'
        'auth = "mtls"\n'
    )
    shown = json.loads(cli(profile_env, "config", "show", "--profile", "dev", "-o", "json").stdout)
    assert shown["sources"]["bootstrap_tls"] == "profile dev" and shown["auth"] == "mtls"
    listed = json.loads(cli(profile_env, "topics", "list", "--profile", "dev", "-o", "json").stdout)
    assert "client-warmup" in {row["topic"] for row in listed}


def test_aws_discovery_from_only_the_cluster_arn(msk, cli_env):
    env = {k: v for k, v in cli_env.items() if not k.startswith("MSK_BOOTSTRAP")}
    shown = json.loads(cli(env, "config", "show", "-o", "json").stdout)
    assert shown["sources"]["bootstrap_iam"] == "aws"
    assert shown["settings"]["bootstrap_scram"] == msk.env["MSK_BOOTSTRAP_SERVERS_SCRAM"]
    described = json.loads(cli(env, "cluster", "describe", "-o", "json").stdout)
    assert described["auth"] == "iam" and described["state"] == "ACTIVE"
    assert [b for b, _ in described["brokers"]] == msk.spec.broker_ids()


def test_terraform_outputs_become_a_profile_and_an_env_file(msk, cli_env, tmp_path):
    outputs = {
        "bootstrap_brokers_sasl_iam": {"sensitive": False, "type": "string",
                                       "value": msk.env["MSK_BOOTSTRAP_SERVERS_IAM"]},
        "bootstrap_brokers_tls": {"sensitive": False, "type": "string", "value": msk.env["MSK_BOOTSTRAP_SERVERS_TLS"]},
        "cluster_arn": {"sensitive": False, "type": "string", "value": msk.spec.arn},
        "scram_secret_arns": {"sensitive": False, "type": ["map", "string"], "value": {"app": "arn:example"}},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    env_file = tmp_path / "msk_config.env"
    cli(cli_env, "config", "from-terraform", str(path), "--profile", "tf", "--env-file", str(env_file))
    # What a shell that sources the file (as its header says to) ends up with.
    sourced = subprocess.run(
        ["bash", "-c", 'source "$1" && printf "%s\\n%s" "$MSK_CLUSTER_ARN" "$MSK_SCRAM_SECRET_ARN"', "-",
         str(env_file)], capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]})
    assert sourced.stdout.splitlines() == [msk.spec.arn, "arn:example"]
    profile_env = {k: v for k, v in cli_env.items() if not k.startswith("MSK_BOOTSTRAP")}
    shown = json.loads(cli(profile_env, "config", "show", "--profile", "tf", "-o", "json").stdout)
    assert shown["settings"]["region"] == "us-east-1"
    assert shown["sources"]["bootstrap_iam"] == "profile tf"


def test_unknown_profile_and_missing_brokers_are_clear_errors(msk, cli_env):
    bad = cli(cli_env, "topics", "list", "--profile", "nope", check=False)
    assert bad.returncode == ExitCode.USAGE and "Unknown profile 'nope'" in bad.stderr
    bare = {k: v for k, v in cli_env.items() if not k.startswith("MSK_")}
    missing = cli(bare, "topics", "list", check=False)
    assert missing.returncode == ExitCode.USAGE
    assert "No bootstrap servers" in missing.stderr and "MSK_BOOTSTRAP_SERVERS_IAM" in missing.stderr
    assert "AWS discovery" in missing.stderr and "Traceback" not in missing.stderr


def test_plaintext_needs_an_explicit_flag(msk, cli_env):
    env = dict(cli_env, MSK_BOOTSTRAP_SERVERS="127.0.0.1:9092")
    refused = cli(env, "topics", "list", "--auth", "plaintext", check=False)
    assert refused.returncode == ExitCode.USAGE and "--allow-plaintext" in refused.stderr


def test_connect_api_with_only_a_cluster_arn_returns_real_clients(msk, unique, monkeypatch):
    for key in [k for k in os.environ if k.startswith("MSK_")]:
        monkeypatch.delenv(key)
    for key, value in msk.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("MSK_CA_BUNDLE", msk.env["MSK_CA_BUNDLE"])
    monkeypatch.setenv("MSKCTL_CONFIG", "/nonexistent/config.toml")
    conn = connect(cluster_arn=msk.spec.arn)
    assert conn.mode.value == "iam"
    topic = f"api-{unique}"
    create_topic(conn.librdkafka_config(log_level=0), topic)
    producer = conn.producer(linger_ms=5)
    producer.produce(topic, b"from the API")
    assert producer.flush(30) == 0
    consumer = conn.consumer(f"api-{unique}")
    consumer.subscribe([topic])
    deadline, got = time.monotonic() + 30, None
    while got is None and time.monotonic() < deadline:
        message = consumer.poll(1)
        if message is not None and not message.error():
            got = message.value()
    consumer.close()
    assert got == b"from the API"


def test_scram_rotation_is_followed_without_restart(msk, unique, monkeypatch, caplog):
    from tests.integration.iam_helpers import authentication_refusal

    user = f"rotating{unique}"
    sm = msk.boto("secretsmanager")
    arn = scram_secret(sm, f"AmazonMSK_{user}", user, "first-password", create_cmk(msk.boto("kms")))
    msk.boto("kafka").batch_associate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[arn])
    for key, value in msk.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MSKCTL_CONFIG", "/nonexistent/config.toml")
    topic = f"rotate-{unique}"
    create_topic(msk.tls_config(), topic)
    conn = connect(auth="scram", scram_secret_arn=arn)
    producer = conn.producer(**{"message.timeout.ms": 60000})
    outcomes: list = []
    producer.produce(topic, b"before", on_delivery=lambda e, m: outcomes.append(e))
    assert wait_until(lambda: producer.flush(1) == 0, 30) and outcomes == [None]

    sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": user, "password": "second-password"}))
    # The brokers have applied the rotation once they refuse the old password (no fixed sleep).
    assert wait_until(lambda: authentication_refusal(msk.scram_config(user, "first-password"), 5) is not None, 30)
    assert conn.client_settings.config["sasl.password"] == "first-password"  # what the connection still holds
    # A new client of the same connection starts with the cached old password: it is refused, the secret
    # is re-read and the new password handed to the clients; only then is the record delivered.
    fresh_outcomes: list = []
    with caplog.at_level(logging.INFO, logger="mskctl.auth.scram"):
        fresh = conn.producer(**{"message.timeout.ms": 60000})
        fresh.produce(topic, b"after", on_delivery=lambda e, m: fresh_outcomes.append(e))
        assert wait_until(lambda: fresh.flush(1) == 0, 45)
    assert fresh_outcomes == [None]
    rereads = [r for r in caplog.records if r.name == "mskctl.auth.scram" and "re-read" in r.getMessage()]
    assert [r.getMessage() for r in rereads] == [f"SCRAM authentication failed; re-read {arn} and retrying"]


def test_iam_token_is_refreshed_before_it_expires(msk, unique):
    from mskctl.auth.iam import StaticCredentialProvider, librdkafka_settings, oauth_callback

    inner = oauth_callback(msk.spec.region, StaticCredentialProvider(msk.env["AWS_ACCESS_KEY_ID"],
                                                                     msk.env["AWS_SECRET_ACCESS_KEY"]))
    calls: list[float] = []

    def short_lived(config: str) -> tuple[str, float]:
        token, _ = inner(config)
        calls.append(time.time())
        return token, time.time() + 6  # tell librdkafka it lives 6 s: it must refresh

    from confluent_kafka import Producer

    topic = f"refresh-{unique}"
    create_topic(msk.tls_config(), topic)
    producer = Producer(librdkafka_settings(msk.env["MSK_BOOTSTRAP_SERVERS_IAM"], msk.ca, short_lived)
                        | {"log_level": 0})
    failures: list = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        producer.produce(topic, b"tick", on_delivery=lambda e, m: e and failures.append(e))
        producer.poll(0.5)
    assert producer.flush(30) == 0
    assert failures == []
    assert len(calls) >= 3


def test_no_command_prints_a_secret_even_with_debug(msk, cli_env, scram_user, unique):
    topic = f"leak-{unique}"
    create_topic(msk.tls_config(), topic)
    outputs = []
    for args in (["produce", topic, "-n", "3", "--auth", "scram"],
                 ["consume", topic, "--auth", "scram", "--from-beginning", "--max", "3"],
                 ["produce", topic, "-n", "3", "--auth", "iam"],
                 ["config", "show"], ["config", "export", "--format", "librdkafka", "--auth", "scram"],
                 ["config", "export", "--format", "properties", "--auth", "scram"],
                 ["config", "export", "--format", "kcat", "--auth", "scram"],
                 ["cluster", "describe", "--auth", "scram"], ["local", "env", "--name", "itest", "--shell", "json"]):
        result = cli(cli_env, "--debug", *args, check=False)
        # A command that stops early prints nothing secret: each must have done its work.
        assert result.returncode == 0, f"mskctl {' '.join(args)} exited {result.returncode}: {result.stderr[-2000:]}"
        outputs.append((args, result.stdout + result.stderr))
    texts = dict((" ".join(args), text) for args, text in outputs)
    assert texts[f"consume {topic} --auth scram --from-beginning --max 3"].count("message_id") == 3
    for command in ("config export --format librdkafka --auth scram", "config export --format properties --auth scram",
                    "config export --format kcat --auth scram"):
        assert scram_user["user"] in texts[command]  # the secret was read: its user name is shown, not its password
    for args, text in outputs:
        assert scram_user["password"] not in text, f"SCRAM password printed by {args}"
        if args[0] != "local":  # `local env` exists to export the local admin keys
            assert msk.env["AWS_SECRET_ACCESS_KEY"] not in text, f"AWS secret key printed by {args}"


def test_unreachable_broker_is_a_clear_error_within_the_timeout(msk, cli_env):
    started = time.monotonic()
    result = cli(cli_env, "produce", "anything", "-n", "2", "--auth", "scram", "-b", "127.0.0.99:9096",
                 "--timeout", "3", check=False)
    assert result.returncode == ExitCode.UNAVAILABLE
    assert time.monotonic() - started < 20
    assert "not delivered" in result.stderr or "timed out" in result.stderr
    assert "mskctl doctor --auth scram" in result.stderr and "Traceback" not in result.stderr


def test_java_properties_for_mtls_point_at_a_pem_keystore_java_can_read(msk, cli_env):
    text = cli(cli_env, "config", "export", "--format", "properties", "--auth", "mtls").stdout
    props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert props["security.protocol"] == "SSL" and props["ssl.keystore.type"] == "PEM"
    keystore = props["ssl.keystore.location"]
    content = Path(keystore).read_text()
    assert content.startswith("-----BEGIN " + "PRIVATE KEY-----") and "CERTIFICATE" in content
    assert props["ssl.truststore.location"] == msk.env["MSK_CA_BUNDLE"]


def test_java_properties_for_scram_mask_the_password_unless_asked(msk, cli_env, scram_user):
    masked = cli(cli_env, "config", "export", "--format", "properties", "--auth", "scram").stdout
    assert "sasl.mechanism=SCRAM-SHA-512" in masked and 'password="********"' in masked
    assert scram_user["password"] not in masked
    revealed = cli(cli_env, "config", "export", "--format", "properties", "--auth", "scram", "--reveal-secrets").stdout
    assert f'password="{scram_user["password"]}"' in revealed
