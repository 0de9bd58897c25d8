"""Topic-level config keys Kafka accepts (3.7 - 4.1), and light checks of their values.

A static table so specs validate offline; an integration test compares it with the
keys a live broker describes for a topic, so it cannot silently fall behind.
"""

from __future__ import annotations

import difflib

INT_KEYS = frozenset({
    "compression.gzip.level", "compression.lz4.level", "compression.zstd.level", "delete.retention.ms",
    "file.delete.delay.ms", "flush.messages", "flush.ms", "index.interval.bytes", "local.retention.bytes",
    "local.retention.ms", "max.compaction.lag.ms", "max.message.bytes", "message.timestamp.after.max.ms",
    "message.timestamp.before.max.ms", "min.compaction.lag.ms", "min.insync.replicas", "retention.bytes",
    "retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms",
})
BOOL_KEYS = frozenset({
    "preallocate", "remote.storage.enable", "remote.log.copy.disable", "remote.log.delete.on.disable",
    "unclean.leader.election.enable",
})
CHOICES: dict[str, frozenset[str]] = {
    "cleanup.policy": frozenset({"delete", "compact", "compact,delete", "delete,compact"}),
    "compression.type": frozenset({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}),
    "message.timestamp.type": frozenset({"CreateTime", "LogAppendTime"}),
}
OTHER_KEYS = frozenset({
    "follower.replication.throttled.replicas", "leader.replication.throttled.replicas",
    "min.cleanable.dirty.ratio",
    # Removed in Kafka 4.0, still accepted by the 3.x clusters MSK runs.
    "message.downconversion.enable", "message.format.version", "message.timestamp.difference.max.ms",
})
TOPIC_CONFIG_KEYS = INT_KEYS | BOOL_KEYS | frozenset(CHOICES) | OTHER_KEYS


def config_value(value: object) -> str:
    """A spec value as Kafka's string form (YAML gives ints and booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def config_problem(key: str, value: object) -> str | None:
    """Why ``key: value`` is not a valid topic config, or None."""
    if key not in TOPIC_CONFIG_KEYS:
        close = difflib.get_close_matches(key, sorted(TOPIC_CONFIG_KEYS), n=1)
        return f"unknown topic config {key!r}" + (f"; did you mean {close[0]!r}?" if close else
                                                  " (see Kafka's topic configs)")
    text = config_value(value)
    if key in INT_KEYS:
        try:
            int(text)
        except ValueError:
            return f"{key} must be an integer, not {text!r}"
    if key in BOOL_KEYS and text not in ("true", "false"):
        return f"{key} must be true or false, not {text!r}"
    if key in CHOICES and text.replace(" ", "") not in CHOICES[key]:
        return f"{key} must be one of {', '.join(sorted(CHOICES[key]))}, not {text!r}"
    if key == "min.cleanable.dirty.ratio":
        try:
            ratio = float(text)
        except ValueError:
            ratio = -1.0
        if not 0 <= ratio <= 1:
            return f"{key} must be a number between 0 and 1, not {text!r}"
    return None
