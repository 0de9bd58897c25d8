"""server.properties for each local broker: MSK's defaults, MSK's listeners, the user's overrides.

Listener names and ports follow MSK: 9092 PLAINTEXT (only when client-broker
encryption allows it), 9094 TLS, 9096 SASL/SCRAM, 9098 SASL/IAM. Brokers talk to
each other over TLS on the internal REPLICATION listener (9093) and to the KRaft
quorum on CONTROLLER (9095); both demand client certificates, so only brokers and
the local control plane (the operator identity) can use them.
"""

from __future__ import annotations

from pathlib import Path

from mskctl.local.spec import ClusterSpec

REPLICATION_PORT = 9093
CONTROLLER_PORT = 9095
JMX_EXPORTER_PORT = 11001
NODE_EXPORTER_PORT = 11002
IAM_CALLBACK_HANDLER = "dev.mskctl.broker.iam.IamOAuthBearerValidator"
IAM_SASL_LOGIN_MODULE = "dev.mskctl.broker.iam.IamServerLoginModule"
IAM_SASL_CALLBACK_HANDLER = "dev.mskctl.broker.iam.IamSaslCallbackHandler"
IAM_AUTHORIZER = "dev.mskctl.broker.iam.MskIamAuthorizer"
ACL_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"

# Properties a user may not override: they carry the cluster's shape and security.
MANAGED_PREFIXES = (
    "listener", "advertised.listeners", "inter.broker", "controller.", "process.roles",
    "node.id", "log.dirs", "ssl.", "sasl.", "super.users", "authorizer.class.name",
)


def msk_default_properties(brokers: int) -> dict[str, str]:
    """MSK's documented default broker configuration, scaled down for 1-2 brokers as MSK does for 2 AZs."""
    replication = min(3, brokers)
    min_isr = 1 if brokers < 3 else 2
    return {
        "auto.create.topics.enable": "false",
        "default.replication.factor": str(replication),
        "min.insync.replicas": str(min_isr),
        "num.partitions": "1",
        "unclean.leader.election.enable": "true",
        "allow.everyone.if.no.acl.found": "true",
        "offsets.topic.replication.factor": str(replication),
        "transaction.state.log.replication.factor": str(replication),
        "transaction.state.log.min.isr": str(min_isr),
        "num.io.threads": "8",
        "num.network.threads": "5",
        "num.replica.fetchers": "2",
        "replica.lag.time.max.ms": "30000",
        "socket.request.max.bytes": "104857600",
        "log.retention.hours": "168",
        "zookeeper.session.timeout.ms": "18000",
    }


def controller_ids(spec: ClusterSpec) -> list[int]:
    """KRaft voters: three when there are three brokers or more, else one."""
    return spec.broker_ids()[: 3 if spec.brokers >= 3 else 1]


def rejected_overrides(overrides: dict[str, str]) -> list[str]:
    return sorted(k for k in overrides if k.startswith(MANAGED_PREFIXES))


def render(
    spec: ClusterSpec,
    broker_id: int,
    *,
    keystore: Path,
    truststore: Path,
    data_dir: Path,
    super_users: list[str],
    iam_token_file: Path | None = None,
) -> dict[str, str]:
    host = spec.broker_host(broker_id)
    controllers = controller_ids(spec)
    is_controller = broker_id in controllers

    listeners = {lst.name: lst for lst in spec.client_listeners()}
    protocol_map = {name: lst.security_protocol for name, lst in listeners.items()}
    protocol_map |= {"REPLICATION": "SSL", "CONTROLLER": "SSL"}
    bind = [f"{name}://{host}:{lst.port}" for name, lst in listeners.items()]
    bind.append(f"REPLICATION://{host}:{REPLICATION_PORT}")
    advertised = list(bind)
    if is_controller:
        bind.append(f"CONTROLLER://{host}:{CONTROLLER_PORT}")

    props: dict[str, str] = {
        "process.roles": "broker,controller" if is_controller else "broker",
        "node.id": str(broker_id),
        "controller.quorum.voters": ",".join(
            f"{c}@{spec.broker_host(c)}:{CONTROLLER_PORT}" for c in controllers
        ),
        "controller.listener.names": "CONTROLLER",
        "listeners": ",".join(bind),
        "advertised.listeners": ",".join(advertised),
        "listener.security.protocol.map": ",".join(f"{k}:{v}" for k, v in protocol_map.items()),
        "inter.broker.listener.name": "REPLICATION",
        "log.dirs": str(data_dir),
        # TLS everywhere, PEM files from the local CA, hostname (IP SAN) verification on.
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(truststore),
        "ssl.endpoint.identification.algorithm": "https",
        "listener.name.replication.ssl.client.auth": "required",
        "listener.name.controller.ssl.client.auth": "required",
        # Kafka ACLs, as MSK uses them for SCRAM and mTLS principals.
        "authorizer.class.name": ACL_AUTHORIZER,
        "super.users": ";".join(f"User:{dn}" for dn in super_users),
        # Fast, clean restarts on a laptop.
        "group.initial.rebalance.delay.ms": "0",
        "controlled.shutdown.enable": "true",
    }
    if "CLIENT_SECURE" in listeners:
        if spec.client_auth.tls and spec.client_auth.unauthenticated:
            props["listener.name.client_secure.ssl.client.auth"] = "requested"
        elif spec.client_auth.tls:
            props["listener.name.client_secure.ssl.client.auth"] = "required"
        else:
            props["listener.name.client_secure.ssl.client.auth"] = "none"
    if "CLIENT_SASL_SCRAM" in listeners:
        props["listener.name.client_sasl_scram.sasl.enabled.mechanisms"] = "SCRAM-SHA-512"
        props["listener.name.client_sasl_scram.scram-sha-512.sasl.jaas.config"] = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        )
    if "CLIENT_IAM" in listeners:
        if iam_token_file is None:
            raise ValueError("the IAM listener needs the plugin's token file")
        props |= iam_properties(spec, iam_token_file)
    props |= msk_default_properties(spec.brokers)
    props |= spec.server_properties
    return props


def iam_properties(spec: ClusterSpec, token_file: Path) -> dict[str, str]:
    """The IAM listener (9098) and authorizer, both from broker-plugins.

    Kafka's built-in OAUTHBEARER validator accepts unsigned tokens, so the listener is
    never opened without the plugin. The plugin asks the local AWS API for secrets and
    policies with a bearer token read from ``token_file``.
    """
    jaas_options = {
        # The login module's own (unused) token for the broker side needs a subject.
        "unsecuredLoginStringClaim_sub": "local-msk-broker",
        "endpoint": spec.endpoint_url,
        "tokenFile": str(token_file),
        "region": spec.region,
        "clusterArn": spec.arn,
    }
    options = " ".join(f'{key}="{value}"' for key, value in jaas_options.items())
    return {
        # Both of MSK's IAM mechanisms: aws-msk-iam-auth's AWS_MSK_IAM and the signers' OAUTHBEARER.
        "listener.name.client_iam.sasl.enabled.mechanisms": "OAUTHBEARER,AWS_MSK_IAM",
        "listener.name.client_iam.oauthbearer.sasl.jaas.config": (
            f"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required {options};"
        ),
        "listener.name.client_iam.oauthbearer.sasl.server.callback.handler.class": IAM_CALLBACK_HANDLER,
        "listener.name.client_iam.aws_msk_iam.sasl.jaas.config": f"{IAM_SASL_LOGIN_MODULE} required {options};",
        "listener.name.client_iam.aws_msk_iam.sasl.server.callback.handler.class": IAM_SASL_CALLBACK_HANDLER,
        # IAM principals are authorized by IAM policies, everyone else by Kafka ACLs.
        "authorizer.class.name": IAM_AUTHORIZER,
        "mskctl.iam.listener": "CLIENT_IAM",
        "mskctl.iam.endpoint": spec.endpoint_url,
        "mskctl.iam.token.file": str(token_file),
        "mskctl.iam.cluster.arn": spec.arn,
    }


def to_properties_text(props: dict[str, str]) -> str:
    lines = ["# Written by mskctl local: edits are overwritten at the next `up`."]
    lines += [f"{key}={_escape(value)}" for key, value in props.items()]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def parse_properties(text: str, source: str) -> dict[str, str]:
    """Parse a server.properties text (as ``aws_msk_configuration.server_properties`` holds it)."""
    from mskctl.errors import UsageError

    result: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        sep = min((i for i in (line.find("="), line.find(":")) if i > 0), default=-1)
        if sep <= 0:
            raise UsageError(
                f"{source}:{number}: expected 'key=value', got {raw.strip()!r}.",
                hint="Write one property per line, like auto.create.topics.enable=false.",
            )
        result[line[:sep].strip()] = line[sep + 1 :].strip()
    return result
