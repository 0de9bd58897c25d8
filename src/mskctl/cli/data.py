"""``mskctl produce`` and ``mskctl consume``: kcat-like, for every MSK auth mode."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring as _json_str
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, KafkaError, KafkaException, Producer, TopicPartition
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from mskctl.cli import options as o
from mskctl.cli import protect as protection
from mskctl.cli.output import err_console, print_json
from mskctl.clients.connection import Connection
from mskctl.config.settings import ENV_VARS, Settings
from mskctl.errors import InputError, ServiceUnavailable, UsageError
from mskctl.protect.envelope import parse
from mskctl.service_errors import kafka_error, translate, translated
from mskctl.text import styled

DEFAULT_CONSUME_TIMEOUT = 10.0
# What a refused producer or consumer must be granted (the hint of an authorization error).
PRODUCE_GRANT = ("kafka-cluster:WriteData and DescribeTopic on the topic and WriteDataIdempotently on the cluster "
                 "(IAM), or a WRITE ACL on the topic (SCRAM/mTLS)")
CONSUME_GRANT = ("kafka-cluster:ReadData and DescribeTopic on the topic, AlterGroup and DescribeGroup on the group "
                 "(IAM), or READ ACLs on the topic and the group (SCRAM/mTLS)")

INT64_MAX = 2**63 - 1  # Kafka offsets and timestamps are int64
METADATA_TIMEOUT = 10.0


def _values(values: list[str], file: Path | None, count: int | None) -> Iterator[str]:
    if values:
        yield from values
    elif file is not None:
        try:
            with file.open("rb") as handle:
                yield from _lines(handle, str(file))
        except OSError as exc:
            raise UsageError(f"Cannot read {file}: {exc.strerror}.", hint="Give a readable file of lines.") from None
    elif not sys.stdin.isatty() and count is None:
        yield from _lines(sys.stdin.buffer, "stdin")
    else:
        for i in range(count or 1):  # seed 001's test messages
            yield json.dumps({"message_id": i, "timestamp": time.time(), "source": "mskctl"})


MAX_LINE_BYTES = 8 * 1024 * 1024  # MSK's largest message.max.bytes: no record can be longer


def _lines(handle: BinaryIO, name: str) -> Iterator[str]:
    """UTF-8 lines, each bounded: /dev/zero or a binary file is a clear error, not memory exhaustion."""
    for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), start=1):
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise InputError(f"{name}: line {number} is longer than {MAX_LINE_BYTES // 1024 // 1024} MB, more than "
                             "any MSK record.", hint="Records are one per line, text (JSON or plain).")
        try:
            yield raw.decode("utf-8").removesuffix("\n").removesuffix("\r")  # as text mode read "\r\n"
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: line {number} is not UTF-8 text (byte {exc.start}).",
                             hint="Records are one per line, text (JSON or plain); binary payloads are not "
                             "supported.") from None


def _headers(pairs: list[str]) -> list[tuple[str, bytes]]:
    headers = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--header {pair!r} is not KEY=VALUE.", hint="Example: --header source=billing")
        headers.append((key, value.encode()))
    return headers


def produce(
    topic: Annotated[str | None, typer.Argument(help=o.env_help("Topic to write to.", "topic"))] = None,
    values: Annotated[list[str] | None, typer.Argument(help="Values; else --file, stdin, or -n generated.")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", min=1, help=o.env_help(
        "How many (generated) records; set, it wins over stdin.", "num_messages"))] = None,
    interval: Annotated[float | None, typer.Option("--interval", min=0, callback=o.finite, help=o.env_help(
        "Seconds between records (default 0).", "message_interval"))] = None,
    key: Annotated[str | None, typer.Option("--key", "-k", help="Record key.")] = None,
    header: Annotated[list[str] | None, typer.Option("--header", "-H", help="KEY=VALUE, repeatable.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="A file with one value per line.")] = None,
    value_format: Annotated[str, typer.Option("--format", help="raw or json (validated).")] = "raw",
    no_idempotence: Annotated[bool, typer.Option("--no-idempotence", help="Plain acks=all producer.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, callback=o.finite,
                                                  help="Seconds a record may take to be delivered.")] = 30,
    protect: Annotated[Path | None, typer.Option("--protect", help="Protection policy (YAML): encrypt, tokenize, "
                                                 "mask or drop fields of JSON records before sending.")] = None,
    output: Annotated[str, typer.Option("--output", "-o", help="table or json summary.",
                                         callback=o.choice("table", "json"))] = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Write records (acks=all, idempotent by default) and report count, bytes, rate and latency."""
    if value_format not in ("raw", "json"):
        raise UsageError(f"--format {value_format!r} is not raw or json.")
    settings = o.settings(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                          role_arn, allow_plaintext,
                          data={"topic": topic, "num_messages": count, "message_interval": interval})
    topic = o.require_topic(settings, "produce")
    count, interval = settings.num_messages, settings.message_interval or 0.0
    if count is not None and not values and file is None:
        _note_stdin_ignored(settings)
    conn = Connection(settings, auth, profile)
    # Bounded delivery: an unreachable cluster is reported after --timeout, not librdkafka's 5 minutes.
    overrides = {"message.timeout.ms": int(timeout * 1000)} | ({"enable.idempotence": False} if no_idempotence else {})
    protector = protection.producer_protector(protect, topic, conn) if protect else None
    fatal: list[KafkaError] = []
    producer = conn.producer(**overrides, error_cb=_keeping_fatal(fatal, conn.client_settings.config.get("error_cb")))
    headers = _headers(header or [])
    latencies: list[float] = []
    errors: list[str] = []
    failures: list[KafkaError] = []
    sent = size = 0
    total = len(values) if values else count
    show_progress = not quiet and err_console.is_terminal and (total or 0) > 1
    progress = Progress(TextColumn("producing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=err_console, disable=not show_progress)
    started = time.perf_counter()
    with progress, _explaining_fatal(producer, fatal, topic, conn.mode.value):
        task = progress.add_task("produce", total=total)

        def delivered(err: KafkaError | None, _msg: object, sent_at: float) -> None:
            if err is not None:
                errors.append(str(err))
                failures.append(err)
            else:
                latencies.append(time.perf_counter() - sent_at)
            progress.advance(task)

        for number, value in enumerate(_values(values or [], file, count), start=1):
            if value_format == "json" and protector is None:  # a protector parses (and refuses) non-JSON itself
                try:
                    parse(value.encode())
                except ValueError as exc:
                    producer.flush(60)  # what came before is delivered, never dropped
                    raise InputError(f"Record {number} is not JSON ({exc}); the {number - 1} before it were sent.",
                                     hint="Fix that line, or use --format raw to send it as is.") from None
            payload = value.encode()
            record_headers = headers
            if protector is not None:
                payload, record_headers = protection.protect_record(protector, topic, payload, headers, number,
                                                                    producer)
            now = time.perf_counter()
            while True:
                try:
                    producer.produce(topic, payload, key=key.encode() if key else None, headers=record_headers,
                                     on_delivery=lambda e, m, t=now: delivered(e, m, t))
                    break
                except BufferError:
                    producer.poll(0.1)
            sent += 1
            size += len(payload)
            producer.poll(0)
            if interval:
                time.sleep(interval)
        unflushed = producer.flush(timeout + 5)
    elapsed = time.perf_counter() - started
    if unflushed:
        errors.append(f"{unflushed} record(s) not delivered within {timeout:.0f} s")
    summary = _produce_summary(topic, conn.mode.value, sent, size, elapsed, latencies, errors)
    if protector is not None:
        summary["protection"] = protection.protection_summary(protector)
    if output == "json":
        print_json(summary)
    elif not quiet:
        err_console.print(
            f"{summary['delivered']}/{sent} records, {size} bytes to {topic} over {conn.mode.value} in {elapsed:.2f}s "
            f"({summary['recordsPerSecond']:.0f}/s); delivery latency p50 {summary['latencyMs']['p50'] or '-'} ms, "
            f"p99 {summary['latencyMs']['p99'] or '-'} ms", highlight=False)
        if protector is not None:
            calls = summary["protection"]["kmsCalls"]
            err_console.print(f"protected with {protect}; KMS calls: "
                              + (", ".join(f"{k} {v}" for k, v in calls.items()) or "none"), highlight=False)
        for error in sorted(set(errors)):
            err_console.print(styled("[red]failed:[/] {} ({}x)", error, errors.count(error)), highlight=False)
    if failures:
        raise kafka_error(failures[0], f"deliver {len(failures)} of {sent} record(s) to {topic}",
                          mode=conn.mode.value, grant=PRODUCE_GRANT)
    if unflushed:
        raise ServiceUnavailable(f"{unflushed} of {sent} record(s) to {topic} not delivered within {timeout:.0f} s.",
                                 hint=f"The brokers did not acknowledge in time: run `mskctl doctor --auth "
                                 f"{conn.mode.value}`, or raise --timeout.")


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def _produce_summary(topic: str, mode: str, sent: int, size: int, elapsed: float, latencies: list[float],
                     errors: list[str]) -> dict:
    return {"topic": topic, "auth": mode, "sent": sent, "delivered": len(latencies), "failed": len(errors),
            "bytes": size, "seconds": round(elapsed, 3),
            "recordsPerSecond": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
            "latencyMs": {"p50": _percentile(latencies, 0.5), "p99": _percentile(latencies, 0.99)},
            "errors": sorted(set(errors))}


def _keeping_fatal(fatal: list[KafkaError], chained: Callable[[KafkaError], None] | None
                   ) -> Callable[[KafkaError], None]:
    """An error_cb that keeps fatal errors (their cause) and still calls the connection's own (SCRAM rotation)."""
    def on_error(error: KafkaError) -> None:
        if error.fatal():
            fatal.append(error)
        if chained is not None:
            chained(error)
    return on_error


@contextmanager
def _explaining_fatal(producer: Producer, fatal: list[KafkaError], topic: str, mode: str) -> Iterator[None]:
    """A fatal producer error (e.g. idempotent writes refused) is raised as "Local: Fatal error";
    the error_cb got its cause, which is what the user must fix."""
    try:
        yield
    except KafkaException as exc:
        cause = fatal[0] if fatal else exc.args[0]
        try:
            producer.poll(0)  # serves error_cb; confluent-kafka raises the fatal error itself, with its own code
        except KafkaException as served:
            cause = served.args[0]
        raise kafka_error(cause, f"produce to {topic}", mode=mode, grant=PRODUCE_GRANT) from None


def _note_stdin_ignored(settings: Settings) -> None:
    """A count from NUM_MESSAGES or a profile generates records even when stdin is piped: say so."""
    source = settings.sources.get("num_messages")
    mode = os.fstat(sys.stdin.fileno()).st_mode if _has_stdin() else 0
    if source != "flag" and (stat.S_ISFIFO(mode) or stat.S_ISREG(mode)):
        err_console.print(f"note: generating {settings.num_messages} records ({ENV_VARS['num_messages']} from "
                          f"{source}); stdin is not read. Unset it to send stdin.", highlight=False)


def _has_stdin() -> bool:
    try:
        sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by a test runner, or closed
        return False
    return True


def consume(
    topic: Annotated[str | None, typer.Argument(help=o.env_help("Topic to read.", "topic"))] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help=o.env_help(
        "Consumer group (commits offsets); not used with --partition.", "consumer_group"))] = None,
    partition: Annotated[int | None, typer.Option("--partition", min=0, help="Read one partition, no group.")] = None,
    offset: Annotated[int | None, typer.Option("--offset", min=0, max=INT64_MAX,
                                               help="Start offset with --partition.")] = None,
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start at the earliest offset.")] = False,
    timestamp: Annotated[int | None, typer.Option("--timestamp", min=0, max=INT64_MAX,
                                                  help="Start at this time (ms since epoch).")] = None,
    max_records: Annotated[int | None, typer.Option("--max", "-m", min=1, help="Stop after N records.")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", min=0, callback=o.finite, help=o.env_help(
        "Stop after N s without records (default 10).", "consume_timeout"))] = None,
    output: Annotated[str, typer.Option("--output", "-o", help="text or jsonl.")] = "text",
    unprotect: Annotated[bool, typer.Option("--unprotect", help="Decrypt protected fields where allowed; the "
                                            "others are listed with the reason, and the exit code is 5.")] = False,
    profile: o.Profile = None, auth: o.Auth = None, bootstrap: o.Bootstrap = None, cluster_arn: o.ClusterArn = None,
    region: o.Region = None, ca_bundle: o.CaBundle = None, scram_secret: o.ScramSecret = None,
    aws_profile: o.AwsProfile = None, role_arn: o.RoleArn = None, allow_plaintext: o.AllowPlaintext = False,
) -> None:
    """Read records and print key, headers, partition, offset and value; commits after printing."""
    if output not in ("text", "jsonl"):
        raise UsageError(f"--output {output!r} is not text or jsonl.")
    if group and partition is not None:
        raise UsageError("Use either --group or --partition, not both.")
    settings = o.settings(profile, auth, bootstrap, cluster_arn, region, ca_bundle, scram_secret, aws_profile,
                          role_arn, allow_plaintext,
                          data={"topic": topic, "consumer_group": group, "consume_timeout": timeout})
    topic = o.require_topic(settings, "consume")
    timeout = DEFAULT_CONSUME_TIMEOUT if settings.consume_timeout is None else settings.consume_timeout
    conn = Connection(settings, auth, profile)
    unprotecting = protection.Unprotecting(conn) if unprotect else None
    # A group from MSK_CONSUMER_GROUP or the profile does not apply to one --partition.
    use_group = settings.consumer_group if partition is None else None
    # At least once without a round trip per record: offsets are stored after a record is printed
    # and committed in the background, then once more, synchronously, on the way out.
    consumer = conn.consumer(use_group or f"mskctl-{time.time_ns()}",
                             **{"auto.offset.reset": "earliest" if from_beginning else "latest",
                                "enable.auto.commit": bool(use_group), "enable.auto.offset.store": False})
    # Whatever the flags (-g, --partition): the cluster answers a metadata request first, so an
    # unreachable cluster is its connection error, never "0 record(s)" and exit 0.
    metadata = _topic_metadata(consumer, topic, conn.mode.value, timeout)
    if partition is not None or not use_group:
        start = OFFSET_BEGINNING if from_beginning else (offset if offset is not None else OFFSET_END)
        if partition is None:
            partitions = [TopicPartition(topic, p, start) for p in metadata.partitions]
        elif partition not in metadata.partitions:
            raise UsageError(f"Topic {topic!r} has no partition {partition} (it has {len(metadata.partitions)}).",
                             hint="Partitions are numbered from 0: `mskctl topics describe " + topic + "`.")
        else:
            partitions = [TopicPartition(topic, partition, start)]
        if timestamp is not None:
            with translated(f"find the offsets of {topic} at {timestamp}", mode=conn.mode.value,
                            grant=CONSUME_GRANT):
                partitions = consumer.offsets_for_times([TopicPartition(tp.topic, tp.partition, timestamp)
                                                         for tp in partitions], timeout=10)
        consumer.assign(partitions)
    else:
        consumer.subscribe([topic])
    seen = 0
    idle_since = time.monotonic()
    commits = bool(use_group) and partition is None
    try:
        while max_records is None or seen < max_records:
            wanted = 500 if max_records is None else min(500, max_records - seen)
            batch = consumer.consume(num_messages=wanted, timeout=0.5)
            if not batch:
                if time.monotonic() - idle_since > timeout:
                    break
                continue
            idle_since = time.monotonic()
            lines = []
            for message in batch:
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise kafka_error(message.error(), f"consume {topic}", mode=conn.mode.value,
                                      grant=CONSUME_GRANT)
                if unprotecting is None:
                    lines.append(_format_record(message, output))
                else:
                    result, extra = unprotecting.unprotect(message)
                    lines.append(_format_record(message, output, result.value, result.headers, extra))
            # Printed first, then marked consumed: at least once, one write per batch.
            if lines:
                sys.stdout.write("\n".join(lines) + "\n")
                sys.stdout.flush()
                seen += len(lines)
            if commits:
                # One stored offset per partition: the next record to read after this batch.
                last = {(m.topic(), m.partition()): m.offset() for m in batch if not m.error()}
                consumer.store_offsets(offsets=[TopicPartition(t, p, o + 1) for (t, p), o in last.items()])
        if commits and seen:
            _commit_stored(consumer)
    except KafkaException as exc:
        raise translate(exc, f"consume {topic}", mode=conn.mode.value, grant=CONSUME_GRANT) from None
    finally:
        consumer.close()
    if output == "text":
        err_console.print(f"{seen} record(s) from {topic}", highlight=False)
    if unprotecting is not None:
        unprotecting.finish()


def _topic_metadata(consumer: object, topic: str, mode: str, timeout: float) -> object:
    """The topic's metadata, or the error that says why there is none (unreachable, denied, no such topic)."""
    wait = min(METADATA_TIMEOUT, max(timeout, 1.0))  # --timeout bounds the wait for a dead cluster too
    with translated(f"read the metadata of topic {topic}", mode=mode, grant=CONSUME_GRANT):
        metadata = consumer.list_topics(topic, timeout=wait).topics.get(topic)  # type: ignore[attr-defined]
    if metadata is not None and metadata.error is not None:
        raise kafka_error(metadata.error, f"read topic {topic}", mode=mode, grant=CONSUME_GRANT)
    if metadata is None:
        raise UsageError(f"Topic {topic!r} does not exist.", hint="Check the name: `mskctl topics list`.")
    return metadata


def _commit_stored(consumer: object) -> None:
    try:
        consumer.commit(asynchronous=False)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError._NO_OFFSET:  # already committed in the background
            raise


def _json_or_null(value: bytes | None) -> str:
    return _json_str(value.decode(errors="replace")) if value is not None else "null"


_FROM_MESSAGE: object = object()


def _format_record(message: object, output: str, value: object = _FROM_MESSAGE, raw_headers: object = _FROM_MESSAGE,
                   extra: str = "") -> str:
    """One record as a line; value and headers default to the message's (``--unprotect`` passes its own)."""
    key = message.key()
    value = message.value() if value is _FROM_MESSAGE else value
    raw_headers = message.headers() if raw_headers is _FROM_MESSAGE else raw_headers
    key_text = key.decode(errors="replace") if key is not None else None
    value_text = value.decode(errors="replace") if value is not None else None
    if output == "jsonl":
        # Assembled by hand around the C string encoder: this line is the CLI consumer's hot path.
        headers = "{" + ", ".join(f"{_json_str(k)}: {_json_or_null(v)}" for k, v in raw_headers or []) + "}"
        return (f'{{"topic": {_json_str(message.topic())}, "partition": {message.partition()}, '
                f'"offset": {message.offset()}, "timestamp": {message.timestamp()[1]}, '
                f'"key": {_json_str(key_text) if key_text is not None else "null"}, "headers": {headers}, '
                f'"value": {_json_str(value_text) if value_text is not None else "null"}{extra}}}')
    shown_headers = " ".join(f"{k}={v.decode(errors='replace') if v is not None else ''}"
                             for k, v in raw_headers or [])
    return (f"{message.partition()}:{message.offset()} key={key_text if key_text is not None else '-'}"
            f"{' ' + shown_headers if shown_headers else ''} {value_text or ''}")
