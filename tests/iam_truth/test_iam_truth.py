"""One IAM truth: every IAM policy the project writes can run the flows the project runs as that identity,
judged by the broker plugin's own model (MskIamActions + IamPolicyEvaluator, see msk_iam_model).

Policies come from the files that write them (see identities). A module that starts granting kafka-cluster
actions without registered flows fails too, so no policy escapes the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mskctl.access.loader import load
from tests.iam_truth.identities import (
    MODULES,
    REPO,
    SPECS,
    Identity,
    access_identities,
    export_identities,
    terraform_identities,
)
from tests.iam_truth.kafka_flows import KafkaRequest
from tests.iam_truth.msk_iam_model import Authorization, Case, Decision, decide


def kafka_modules() -> list[Path]:
    """Every module whose files mention kafka-cluster actions (the policies are found inside)."""
    return sorted(d for d in MODULES.iterdir()
                  if d.is_dir() and any("kafka-cluster:" in f.read_text() for f in d.glob("*.tf")))


def iam_specs() -> list[Path]:
    """The example specs with IAM principals (seed-002's are SCRAM users: ACLs, no IAM policy)."""
    return [f for f in SPECS if any(p.iam for p in load([f]).spec.principals.values())]


SOURCES = [*(f"module:{d.name}" for d in kafka_modules()),
           *(f"{kind}:{f.name}" for f in iam_specs() for kind in ("spec", "export"))]


def identities_of(source: str) -> list[Identity]:
    kind, name = source.split(":", 1)
    if kind == "module":
        return terraform_identities(MODULES / name)
    spec = REPO / "examples" / "access" / name
    return access_identities(spec) if kind == "spec" else export_identities(spec)


def _refusal(request: KafkaRequest, decisions: dict[Authorization, Decision]) -> str | None:
    """None when the broker would accept the request, else what is missing."""
    reasons = []
    for alternative in request.alternatives:
        denied = [a for a in alternative if not decisions[a].allowed]
        if not denied:
            return None
        for authorization in denied:
            decision = decisions[authorization]
            missing = "; ".join(f"{c.action} on {c.resource}" for c in decision.missing()) or decision.reason
            reasons.append(f"{authorization.operation} {authorization.resource_type} {authorization.name} -> missing "
                           f"{missing}")
    return " | or | ".join(reasons)


def failures(identities: list[Identity], decided: dict[str, dict[Authorization, Decision]]) -> Iterator[str]:
    for index, identity in enumerate(identities):
        for flow in identity.flows:
            for request in flow.requests:
                refusal = _refusal(request, decided[str(index)])
                if refusal:
                    yield (f"{identity.source}\n    identity {identity.principal_arn} on {identity.cluster_arn}\n"
                           f"    flow {flow.name!r}: {request.api} is refused: {refusal}")


def cases(identities: list[Identity]) -> list[Case]:
    return [Case(str(i), identity.cluster_arn, identity.principal_arn, identity.identity_policies,
                 identity.cluster_policy,
                 sorted({a for f in identity.flows for r in f.requests for a in r.authorizations()},
                        key=lambda a: (a.resource_type, a.name, a.operation)))
            for i, identity in enumerate(identities)]


@pytest.fixture(scope="session")
def judged(model_classpath: str) -> dict[str, tuple[list[Identity], dict[str, dict[Authorization, Decision]]]]:
    """All sources' identities decided in one JVM, keyed by source."""
    per_source = {source: identities_of(source) for source in SOURCES}
    batch: list[Case] = []
    for source, identities in per_source.items():
        batch += [Case(f"{source}#{c.id}", c.cluster_arn, c.principal_arn, c.identity_policies, c.cluster_policy,
                       c.authorizations) for c in cases(identities)]
    decided = decide(model_classpath, batch)
    return {source: (identities, {str(i): decided[f"{source}#{i}"] for i in range(len(identities))})
            for source, identities in per_source.items()}


def test_every_policy_the_project_writes_is_checked() -> None:
    # kafka_client, msk_connect, msk_replicator and the cluster policy at least; a new one joins by itself.
    assert {"module:kafka_client", "module:msk_connect", "module:msk_replicator", "module:msk_cluster",
            "spec:platform.yaml", "export:platform.yaml"} <= set(SOURCES)


def test_no_kafka_cluster_grant_outside_the_checked_modules() -> None:
    # Roots (environments, examples, global) use the modules; a policy of their own would go unchecked.
    outside = [str(f.relative_to(REPO)) for f in sorted((REPO / "terraform").rglob("*.tf"))
               if not f.is_relative_to(MODULES) and not f.is_relative_to(REPO / "terraform" / "tools")
               and ".terraform" not in f.parts and "kafka-cluster:" in f.read_text()]
    assert not outside, (f"{outside} grant kafka-cluster actions outside terraform/modules: move the policy into a "
                         "module, or teach tests/iam_truth to render it")


@pytest.mark.parametrize("source", SOURCES)
def test_policy_runs_its_own_flows(source: str, judged: dict[str, Any]) -> None:
    identities, decided = judged[source]
    assert identities, f"{source} writes no IAM policy with kafka-cluster actions"
    assert all(identity.flows for identity in identities), f"{source}: an identity without flows checks nothing"
    found = list(failures(identities, decided))
    assert not found, f"{len(found)} request(s) the policy's own flows need are refused:\n" + "\n".join(found)


def test_a_policy_missing_an_action_fails_its_flow(model_classpath: str) -> None:
    # The check can fail: kafka_client's rendered policy without ReadData must refuse its consume flows.
    identity = terraform_identities(MODULES / "kafka_client")[0]
    before = set(failures([identity], decide(model_classpath, cases([identity]))))
    for statement in identity.identity_policies[0]["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != "kafka-cluster:ReadData"]
    found = set(failures([identity], decide(model_classpath, cases([identity])))) - before
    assert found and all("flow 'consume " in f for f in found), found
    assert any("Fetch(orders) is refused: READ TOPIC orders -> missing kafka-cluster:ReadData on "
               "arn:aws:kafka:eu-west-1:123456789012:topic/orders/" in f for f in found), found
