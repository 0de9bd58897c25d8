"""Which Apache Kafka release the local MSK runs for each Kafka version Amazon MSK offers."""

from __future__ import annotations

from mskctl.errors import UsageError

# MSK version string -> pinned Apache Kafka release on Maven Central. Only KRaft-era
# versions: the local MSK runs a KRaft quorum, never ZooKeeper.
MSK_TO_APACHE: dict[str, str] = {
    "4.1.x": "4.1.1",
    "4.0.x": "4.0.1",
    "3.9.x": "3.9.1",
    "3.8.x": "3.8.1",
    "3.7.x.kraft": "3.7.2",
    "3.7.x": "3.7.2",
}
DEFAULT_MSK_VERSION = "4.1.x"


def resolve_kafka_version(requested: str | None) -> tuple[str, str]:
    """Return (MSK version string, Apache Kafka release) for a user's ``--kafka-version``.

    Accepts MSK's names (``4.1.x``, ``3.7.x.kraft``) and exact Apache releases of the
    same lines (``4.1.1``).
    """
    wanted = (requested or DEFAULT_MSK_VERSION).strip()
    if wanted in MSK_TO_APACHE:
        return wanted, MSK_TO_APACHE[wanted]
    for msk_name in MSK_TO_APACHE:
        line = msk_name.removesuffix(".kraft").removesuffix(".x")
        if wanted.startswith(line + ".") and wanted.replace(".", "").isdigit():
            return msk_name, wanted
    raise UsageError(
        f"Kafka version {wanted!r} is not one the local MSK runs.",
        hint="Use one of " + ", ".join(MSK_TO_APACHE) + " (MSK's KRaft-era versions), "
        "or an exact Apache Kafka release of those lines such as 4.1.1.",
    )
