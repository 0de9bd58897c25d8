"""The doctor's chain of checks, settings to round trip; each failure carries its fix."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AclOperation, AdminClient, NewTopic

from mskctl.auth.providers import boto_session
from mskctl.auth.scram import SecretReader
from mskctl.clients.connection import Connection
from mskctl.config.endpoints import parse_bootstrap
from mskctl.config.resolve import places_looked, resolve
from mskctl.config.settings import AuthMode, Settings, bootstrap_env_var, bootstrap_field
from mskctl.doctor import probes
from mskctl.errors import MskctlError

TIMEOUT = 5.0
PORTS = {AuthMode.iam: 9098, AuthMode.scram: 9096, AuthMode.tls: 9094, AuthMode.mtls: 9094,
         AuthMode.plaintext: 9092}
MECHANISMS = {AuthMode.iam: "OAUTHBEARER", AuthMode.scram: "SCRAM-SHA-512"}


@dataclass
class Check:
    name: str
    status: str = "skipped"  # ok | failed | skipped
    detail: str = ""
    fix: str = ""


@dataclass
class Report:
    auth: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(c.status != "failed" for c in self.checks)

    def as_dict(self) -> dict:
        return {"auth": self.auth, "healthy": self.healthy, "checks": [asdict(c) for c in self.checks]}


class Failed(Exception):
    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail, self.fix = detail, fix


def run(flags: dict, profile: str | None, mode: AuthMode | None, topic: str | None, group: str | None,
        write_test: bool, bootstrap: str | None = None) -> Report:
    """The checks in order; ``topic``/``group`` fall back to MSK_TOPIC/MSK_CONSUMER_GROUP and the profile."""
    state: dict = {}
    flags = flags | {"topic": topic, "consumer_group": group}
    steps: list[tuple[str, Callable[[], str]]] = [
        ("settings complete", lambda: _settings(state, flags, profile, mode, bootstrap)),
        ("DNS for each broker", lambda: _each_broker(state, lambda h, p: probes.dns(h),
                                                    "Check the bootstrap string and the VPC's DNS settings.")),
        ("TCP to each broker", lambda: _tcp(state)),
        ("TLS handshake and certificate", lambda: _tls(state)),
        ("SASL mechanism offered", lambda: _sasl(state)),
        ("authentication", lambda: _authentication(state)),
        ("authorization probe", lambda: _authorization(state)),
    ]
    if write_test:
        steps.append(("produce/consume round trip", lambda: _round_trip(state)))
    report = Report(auth=None, checks=[Check(name) for name, _ in steps])
    for check, (_, step) in zip(report.checks, steps, strict=True):
        try:
            check.detail = step()
            check.status = "ok" if check.detail != "not applicable" else "skipped"
        except Failed as exc:
            check.status, check.detail, check.fix = "failed", exc.detail, exc.fix
            break
        except MskctlError as exc:
            check.status, check.detail, check.fix = "failed", exc.message, exc.hint or ""
            break
        finally:
            report.auth = state["mode"].value if "mode" in state else (mode.value if mode else None)
    return report


def _settings(state: dict, flags: dict, profile: str | None, mode: AuthMode | None, bootstrap: str | None) -> str:
    settings: Settings = resolve(flags, profile=profile).with_bootstrap(bootstrap, mode)
    chosen = mode or settings.chosen_auth()
    if chosen is None or not settings.bootstrap_for(chosen):
        raise Failed(f"no bootstrap servers for {chosen.value if chosen else 'any auth mode'}: pass "
                     f"--bootstrap-servers (-b) or set {bootstrap_env_var(chosen or AuthMode.iam)}",
                     "Looked in: " + places_looked(chosen, profile))
    bootstrap = settings.bootstrap_for(chosen)
    state.update(settings=settings, mode=chosen, profile=profile, bootstrap=bootstrap,
                 brokers=[(b.host, b.port) for b in parse_bootstrap(bootstrap)])  # validated in Settings
    return f"{chosen.value} via {bootstrap} (from {settings.sources.get(bootstrap_field(chosen), '?')})"


def _each_broker(state: dict, probe: Callable[[str, int], probes.ProbeResult], fix: str) -> str:
    details = []
    for host, port in state["brokers"]:
        result = probe(host, port)
        if not result.ok:
            raise Failed(result.detail, fix)
        details.append(result.detail)
    return "; ".join(details)


def _tcp(state: dict) -> str:
    mode: AuthMode = state["mode"]
    for host, port in state["brokers"]:
        result = probes.tcp(host, port, TIMEOUT)
        if result.ok:
            continue
        if "timed out" in result.detail:
            fix = (f"Check the security group and network path to port {port} (the client's security group "
                   f"must be allowed in on {port}).")
        else:
            fix = (f"Nothing listens on {port}: {mode.value} uses port {PORTS[mode]} on MSK; check the bootstrap "
                   "string matches the auth mode, and that this mode is enabled on the cluster.")
        raise Failed(result.detail, fix)
    return f"{len(state['brokers'])} broker(s) reachable"


def _tls(state: dict) -> str:
    mode: AuthMode = state["mode"]
    settings: Settings = state["settings"]
    if mode is AuthMode.plaintext:
        return "not applicable"
    cert = settings.tls_client_cert if mode in (AuthMode.tls, AuthMode.mtls) else None
    key = settings.tls_client_key if cert else None
    context = probes.tls_context(settings.ca_bundle, cert, key)
    state["tls_context"] = context
    return _each_broker(state, lambda h, p: probes.tls(h, p, context, TIMEOUT),
                        "Point MSK_CA_BUNDLE (or --ca-bundle) at the CA that signed the brokers' certificates; "
                        "on AWS the system CAs verify MSK.")


def _sasl(state: dict) -> str:
    mode: AuthMode = state["mode"]
    mechanism = MECHANISMS.get(mode)
    if mechanism is None:
        return "not applicable"
    return _each_broker(state, lambda h, p: probes.sasl_mechanisms(h, p, state["tls_context"], mechanism, TIMEOUT),
                        f"This port does not serve {mode.value}: use port {PORTS[mode]} "
                        f"(IAM 9098, SCRAM 9096, TLS 9094) and check the mode is enabled on the cluster.")


def _authentication(state: dict) -> str:
    mode: AuthMode = state["mode"]
    settings: Settings = state["settings"]
    notes = []
    if mode is AuthMode.scram and (settings.scram_secret_arn or settings.scram_secret_name):
        secret = settings.scram_secret_arn or settings.scram_secret_name
        credentials = SecretReader(secret, settings.region, settings.aws_profile).credentials()
        notes.append(f"secret {secret} readable (user {credentials.username})")
    if mode is AuthMode.iam:
        notes.append(_clock_skew(settings))
    conn = Connection(settings, mode, state["profile"])
    state["conn"] = conn
    errors: list[KafkaError] = []
    admin = AdminClient(conn.librdkafka_config(error_cb=errors.append))
    try:
        admin.list_topics(timeout=TIMEOUT * 2)
    except KafkaException:
        admin.poll(1.0)
        auth = next((e for e in errors if e.code() == KafkaError._AUTHENTICATION), None)
        reason = auth.str() if auth else (errors[0].str() if errors else "no answer")
        raise Failed(f"authentication failed on {conn.bootstrap}: {reason}", _auth_fix(conn)) from None
    return "; ".join([*notes, f"authenticated as {conn.scram_user or conn.mode.value}"])


def _auth_fix(conn: Connection) -> str:
    if conn.mode is AuthMode.scram:
        return (f"SCRAM authentication failed for user {conn.scram_user!r}: check the password in the secret, "
                "that the secret is associated with the cluster (batch-associate-scram-secret), and wait for it "
                "to propagate.")
    if conn.mode is AuthMode.iam:
        return ("The IAM identity could not connect: it needs kafka-cluster:Connect on the cluster ARN, valid "
                "credentials (aws sts get-caller-identity) and a correct clock.")
    return "Check the client certificate (mTLS) and that the cluster enables this auth mode."


def _clock_skew(settings: Settings) -> str:
    try:
        sts = boto_session(settings).client("sts", region_name=settings.region)
        response = sts.get_caller_identity()
    except Exception as exc:  # noqa: BLE001 - any credential problem is this check's finding
        raise Failed(f"IAM credentials unusable: {exc}",
                     "Configure AWS credentials (env vars, profile, instance role) for the signer.") from None
    date = response["ResponseMetadata"]["HTTPHeaders"].get("date")
    skew = abs(time.time() - parsedate_to_datetime(date).timestamp()) if date else 0.0
    if skew > 300:
        raise Failed(f"local clock is {skew:.0f} s off AWS's", "Sync the clock (chrony/NTP): SigV4 allows 5 minutes.")
    return f"IAM identity {response['Arn']}, clock skew {skew:.0f} s"


def _authorization(state: dict) -> str:
    conn: Connection = state["conn"]
    topic, group = conn.settings.topic, conn.settings.consumer_group
    admin = conn.admin()
    done = []
    fix = "Grant DescribeCluster (IAM: kafka-cluster:DescribeCluster; ACL: DESCRIBE on CLUSTER)."
    try:
        # Brokers are listed to anyone authenticated; the authorized operations say what the principal may do.
        described = admin.describe_cluster(include_authorized_operations=True, request_timeout=TIMEOUT * 2).result()
    except KafkaException as exc:
        raise Failed(f"describe cluster failed: {exc.args[0].str()}", fix) from None
    if AclOperation.DESCRIBE not in (described.authorized_operations or []):
        raise Failed("the principal may not describe the cluster", fix)
    done.append("describe cluster")
    if topic:
        found = admin.list_topics(topic, timeout=TIMEOUT * 2).topics.get(topic)
        if found is None or found.error is not None:
            raise Failed(f"topic {topic}: {found.error.str() if found and found.error else 'not found'}",
                         "Grant DescribeTopic on it (IAM) or a DESCRIBE ACL, and check the name.")
        done.append(f"describe topic {topic}")
    if group:
        try:
            admin.describe_consumer_groups([group], request_timeout=TIMEOUT * 2)[group].result()
        except KafkaException as exc:
            raise Failed(f"group {group}: {exc.args[0].str()}",
                         "Grant DescribeGroup/AlterGroup on the group (IAM) or READ on GROUP (ACL).") from None
        done.append(f"describe group {group}")
    return ", ".join(done)


def _round_trip(state: dict) -> str:
    conn: Connection = state["conn"]
    topic = f"mskctl-doctor-{uuid.uuid4().hex[:8]}"
    admin = conn.admin()
    try:
        admin.create_topics([NewTopic(topic, 1, -1)], request_timeout=30)[topic].result()
        producer = conn.producer()
        producer.produce(topic, b"doctor")
        if producer.flush(30) != 0:
            raise Failed("the record was not delivered", "Check WriteData/WRITE permission on the topic.")
        consumer = conn.consumer(topic)
        consumer.subscribe([topic])
        deadline, got = time.monotonic() + 30, None
        while got is None and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                got = message.value()
        consumer.close()
        if got != b"doctor":
            raise Failed("the record was not read back", "Check ReadData/AlterGroup (IAM) or READ ACLs.")
    except KafkaException as exc:
        raise Failed(f"round trip failed: {exc.args[0].str()}",
                     "The scratch topic needs CreateTopic, WriteData, ReadData and group permissions.") from None
    finally:
        with contextlib.suppress(KafkaException):
            admin.delete_topics([topic], request_timeout=30)[topic].result()
    return f"wrote and read back one record on {topic} (deleted)"
