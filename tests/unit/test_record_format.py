"""The consume output: jsonl lines are valid JSON with every field; text lines read like kcat's."""

from __future__ import annotations

import json

from confluent_kafka import TIMESTAMP_CREATE_TIME, Message

from mskctl.cli.data import _format_record


def record(key: bytes | None, value: bytes | None, headers: list | None) -> Message:
    """A real confluent_kafka.Message, as Consumer.poll() returns it."""
    return Message(topic="orders", partition=2, offset=41, key=key, value=value, headers=headers,
                   timestamp=(TIMESTAMP_CREATE_TIME, 1_700_000_000_000))


def test_jsonl_round_trips_quotes_newlines_unicode_and_nulls():
    value = 'he said "hi"\n\tthen left \u00e9\u2603'
    line = _format_record(record(b"k\"1", value.encode(), [("src", b"a\nb"), ("empty", None)]), "jsonl")
    assert "\n" not in line
    assert json.loads(line) == {"topic": "orders", "partition": 2, "offset": 41, "timestamp": 1_700_000_000_000,
                                "key": 'k"1', "headers": {"src": "a\nb", "empty": None}, "value": value}


def test_jsonl_without_key_value_or_headers():
    assert json.loads(_format_record(record(None, None, None), "jsonl")) == {
        "topic": "orders", "partition": 2, "offset": 41, "timestamp": 1_700_000_000_000, "key": None,
        "headers": {}, "value": None}


def test_text_line_shows_partition_offset_key_headers_value():
    assert _format_record(record(b"k", b"v", [("h", b"1")]), "text") == "2:41 key=k h=1 v"
    assert _format_record(record(None, b"v", None), "text") == "2:41 key=- v"
