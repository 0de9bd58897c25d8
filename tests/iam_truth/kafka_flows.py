"""What the project's own clients send, as the authorizations a Kafka broker makes for each request.

Request -> (operation, resource) follows Apache Kafka's "Operations and Resources on Protocols" table
(security docs) and its KafkaApis; the broker plugin then maps each authorization to MSK IAM actions.
A request whose authorizations are denied is refused, so a flow runs only if every request passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.iam_truth.msk_iam_model import Authorization

CLUSTER_NAME = "kafka-cluster"  # Kafka's name for the one CLUSTER resource


@dataclass(frozen=True)
class KafkaRequest:
    api: str
    # Alternatives the broker tries in order; the request passes when every authorization of one does.
    alternatives: tuple[tuple[Authorization, ...], ...]

    def authorizations(self) -> set[Authorization]:
        return {a for alternative in self.alternatives for a in alternative}


@dataclass(frozen=True)
class Flow:
    name: str
    requests: tuple[KafkaRequest, ...]


def _req(api: str, *authorizations: tuple[str, str, str]) -> KafkaRequest:
    return KafkaRequest(api, (tuple(Authorization(*a) for a in authorizations),))


def topic(op: str, name: str) -> tuple[str, str, str]:
    return (op, "TOPIC", name)


def group(op: str, name: str) -> tuple[str, str, str]:
    return (op, "GROUP", name)


def cluster(op: str) -> tuple[str, str, str]:
    return (op, "CLUSTER", CLUSTER_NAME)


def txn(op: str, name: str) -> tuple[str, str, str]:
    return (op, "TRANSACTIONAL_ID", name)


# ---- requests -------------------------------------------------------------------------------------
def metadata(t: str) -> KafkaRequest:
    return _req(f"Metadata({t})", topic("DESCRIBE", t))


def init_producer_id() -> KafkaRequest:
    # IDEMPOTENT_WRITE on the cluster (WriteDataIdempotently), else Kafka >= 3.0's "WRITE on any topic"
    # (authorizeByResourceType, KIP-679), which MSK grants only with WriteData on ALL topics of the
    # cluster (its IAM access-control guide); the ANY_TOPIC pseudo type asks the plugin exactly that.
    return KafkaRequest("InitProducerId", ((Authorization(*cluster("IDEMPOTENT_WRITE")),),
                                           (Authorization("WRITE", "ANY_TOPIC", "*"),)))


def produce(t: str, transactional_id: str | None = None) -> KafkaRequest:
    if transactional_id:
        return _req(f"Produce({t})", txn("WRITE", transactional_id), topic("WRITE", t))
    return _req(f"Produce({t})", topic("WRITE", t))


def find_coordinator(g: str) -> KafkaRequest:
    return _req(f"FindCoordinator(group {g})", group("DESCRIBE", g))


def group_membership(g: str) -> list[KafkaRequest]:
    return [_req(f"{api}({g})", group("READ", g)) for api in ("JoinGroup", "SyncGroup", "Heartbeat")]


def offset_fetch(g: str, t: str) -> KafkaRequest:
    return _req(f"OffsetFetch({g}, {t})", group("DESCRIBE", g), topic("DESCRIBE", t))


def offset_commit(g: str, t: str) -> KafkaRequest:
    return _req(f"OffsetCommit({g}, {t})", group("READ", g), topic("READ", t))


def list_offsets(t: str) -> KafkaRequest:
    return _req(f"ListOffsets({t})", topic("DESCRIBE", t))


def offset_for_leader_epoch(t: str) -> KafkaRequest:
    return _req(f"OffsetForLeaderEpoch({t})", topic("DESCRIBE", t))


def fetch(t: str) -> KafkaRequest:
    return _req(f"Fetch({t})", topic("READ", t))


def create_topics(t: str) -> KafkaRequest:
    # CREATE on the cluster first, then on the topic (KafkaApis.handleCreateTopicsRequest).
    return KafkaRequest(f"CreateTopics({t})", ((Authorization(*cluster("CREATE")),),
                                               (Authorization(*topic("CREATE", t)),)))


# ---- the project's flows --------------------------------------------------------------------------
def idempotent_produce(t: str) -> Flow:
    """`mskctl produce` (and seed 001's producer): librdkafka with enable.idempotence=true, acks=all."""
    return Flow(f"idempotent produce to {t}", (metadata(t), init_producer_id(), produce(t)))


def plain_produce(t: str) -> Flow:
    return Flow(f"produce to {t} (not idempotent)", (metadata(t), produce(t)))


def transactional_produce(transactional_id: str, t: str) -> Flow:
    return Flow(f"transactional produce to {t} as {transactional_id}", (
        _req(f"FindCoordinator(transaction {transactional_id})", txn("DESCRIBE", transactional_id)),
        _req(f"InitProducerId({transactional_id})", txn("WRITE", transactional_id)),
        _req(f"AddPartitionsToTxn({transactional_id}, {t})", txn("WRITE", transactional_id), topic("WRITE", t)),
        metadata(t), produce(t, transactional_id),
        _req(f"EndTxn({transactional_id})", txn("WRITE", transactional_id)),
    ))


def group_consume(t: str, g: str) -> Flow:
    """`mskctl consume -g` (classic group protocol, offsets committed)."""
    return Flow(f"consume {t} in group {g}", (
        metadata(t), find_coordinator(g), *group_membership(g), offset_fetch(g, t), list_offsets(t),
        offset_for_leader_epoch(t), fetch(t), offset_commit(g, t), _req(f"LeaveGroup({g})", group("READ", g)),
    ))


def assigned_consume(t: str) -> Flow:
    """A consumer that assigns partitions itself and commits nothing (Connect's internal-topic readers)."""
    return Flow(f"read {t} without a group", (metadata(t), list_offsets(t), fetch(t)))


def doctor(t: str, g: str | None) -> Flow:
    """`mskctl doctor --topic --group`'s authorization probe."""
    requests = [_req("DescribeCluster (authorized operations)", cluster("DESCRIBE")), metadata(t)]
    if g:
        requests += [find_coordinator(g), _req(f"DescribeGroups({g})", group("DESCRIBE", g))]
    return Flow(f"doctor --topic {t}" + (f" --group {g}" if g else ""), tuple(requests))


def connect_worker(internal_topics: list[str], worker_group: str) -> list[Flow]:
    """A Kafka Connect worker: creates, writes and reads its internal topics, joins its worker group.

    Connect turns idempotence off for its producers (KafkaConfigBackingStore and friends), so no
    InitProducerId here.
    """
    flows = [Flow(f"Connect internal topic {t}", (create_topics(t), metadata(t), produce(t),
                                                  *assigned_consume(t).requests))
             for t in internal_topics]
    flows.append(Flow(f"Connect worker group {worker_group}",
                      (find_coordinator(worker_group), *group_membership(worker_group))))
    return flows


def admin_topic(t: str) -> Flow:
    """access-as-code's `admin` intent: what `mskctl apply` and kafka-topics.sh do to a topic."""
    return Flow(f"administer topic {t}", (
        create_topics(t), metadata(t), _req(f"DescribeConfigs({t})", topic("DESCRIBE_CONFIGS", t)),
        _req(f"IncrementalAlterConfigs({t})", topic("ALTER_CONFIGS", t)),
        _req(f"CreatePartitions({t})", topic("ALTER", t)), _req(f"DeleteTopics({t})", topic("DELETE", t)),
    ))


def admin_group(g: str) -> Flow:
    return Flow(f"administer group {g}", (
        find_coordinator(g), _req(f"DescribeGroups({g})", group("DESCRIBE", g)),
        _req(f"DeleteGroups({g})", group("DELETE", g)),
    ))


def replicator_source(t: str, g: str | None, copy_configs: bool, copy_acls: bool) -> Flow:
    """MSK Replicator on the source cluster: reads the topic, and what it copies (configs, ACLs, offsets)."""
    requests = [metadata(t), list_offsets(t), fetch(t)]
    if copy_configs:
        requests.append(_req(f"DescribeConfigs({t})", topic("DESCRIBE_CONFIGS", t)))
    if copy_acls:
        requests.append(_req("DescribeAcls", cluster("DESCRIBE")))
    if g:
        requests += [find_coordinator(g), _req(f"DescribeGroups({g})", group("DESCRIBE", g)), offset_fetch(g, t)]
    return Flow(f"replicator reads {t} on the source", tuple(requests))


def replicator_target(t: str, g: str | None, copy_configs: bool, copy_acls: bool) -> Flow:
    """MSK Replicator on the target cluster: creates and writes the copy (idempotently), syncs offsets."""
    requests = [create_topics(t), metadata(t), init_producer_id(), produce(t),
                _req(f"CreatePartitions({t})", topic("ALTER", t))]
    if copy_configs:
        requests.append(_req(f"IncrementalAlterConfigs({t})", topic("ALTER_CONFIGS", t)))
    if copy_acls:
        requests.append(_req("CreateAcls", cluster("ALTER")))
    if g:
        requests += [find_coordinator(g), offset_commit(g, t)]
    return Flow(f"replicator writes {t} on the target", tuple(requests))
