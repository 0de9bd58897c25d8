"""Values that feed client configurations, checked once at the settings boundary (issue 16, F10, F11).

``parse_bootstrap`` is the one place that reads a bootstrap string (``host:port[,host:port…]``):
the settings validate with it, ``doctor`` probes the brokers it returns, exports write only
strings it accepted. A newline, ``=`` or space can therefore never reach a Java properties file
as an extra key (``ssl.endpoint.identification.algorithm=``), and a typo such as ``host`` with
no port is an error that says what to write instead of a crash.

IPv6 addresses are written in brackets, as Kafka and URLs do: ``[2001:db8::1]:9098``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mskctl.text import printable

# RFC 1123 host names (plus `_`, which private DNS zones use): labels of 1-63, 253 in all.
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_BAD_CHARACTER = re.compile(r"[^A-Za-z0-9._:\[\], -]")
TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")  # Kafka's legal topic names (Topic.validate)
PORT_HINT = "MSK listens on 9098 (IAM), 9096 (SCRAM), 9094 (TLS) and 9092 (plaintext)"


@dataclass(frozen=True)
class Broker:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_bootstrap(text: str) -> list[Broker]:
    """The brokers of a bootstrap string; ``ValueError`` naming the bad entry and what to write."""
    if not text.strip():
        raise ValueError("it is empty; write host:port[,host:port...]")
    if bad := _BAD_CHARACTER.search(text):  # a newline would start a new key in a properties file
        raise ValueError(f"it contains {printable(bad.group())!r}, which no host:port list can hold")
    brokers = []
    for position, entry in enumerate(text.split(","), start=1):
        entry = entry.strip(" ")  # Kafka's clients accept `a:1, b:2`
        if not entry:
            raise ValueError(f"entry {position} is empty (two commas, or a comma at an end)")
        brokers.append(parse_broker(entry))
    return brokers


def parse_broker(entry: str) -> Broker:
    """One ``host:port`` or ``[ipv6]:port``."""
    shown = repr(printable(entry))
    if entry.startswith("["):
        address, bracket, rest = entry[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise ValueError(f"{shown}: write an IPv6 address as [address]:port")
        _ipv6(address, shown)
        return Broker(address, _port(rest[1:], shown))
    host, colon, port = entry.rpartition(":")
    if not colon:
        raise ValueError(f"{shown} has no port: write host:port ({PORT_HINT})")
    if ":" in host:
        raise ValueError(f"{shown}: write an IPv6 address in brackets, as [address]:port")
    _host(host, shown)
    return Broker(host, _port(port, shown))


def check_bootstrap(text: str) -> str:
    """``text`` unchanged when it is a valid bootstrap string (a pydantic validator)."""
    parse_bootstrap(text)
    return text


def check_topic(name: str) -> str:
    """``name`` unchanged when Kafka would accept it as a topic name (a pydantic validator)."""
    if name in (".", "..") or not TOPIC_NAME.match(name):
        raise ValueError(f"{printable(name)!r} is not a valid Kafka topic name: 1 to 249 of a-z A-Z 0-9 . _ - "
                         "(and not . or ..)")
    return name


def _host(host: str, shown: str) -> None:
    if not host:
        raise ValueError(f"{shown} has no host before the port")
    try:
        ipaddress.IPv4Address(host)
        return
    except ValueError:
        pass
    if len(host) > 253 or not all(_LABEL.match(label) for label in host.removesuffix(".").split(".")):
        bad = next((c for c in host if not (c.isascii() and (c.isalnum() or c in "._-"))), None)
        why = f"{printable(bad)!r} cannot be in a host name" if bad else "labels are 1 to 63 characters, 253 in all"
        raise ValueError(f"{shown}: not a host name ({why})")


def _ipv6(address: str, shown: str) -> None:
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        raise ValueError(f"{shown}: {printable(address)!r} is not an IPv6 address") from None


def _port(port: str, shown: str) -> int:
    if not _PORT.match(port) or not 1 <= int(port) <= 65535:
        raise ValueError(f"{shown}: the port must be a number from 1 to 65535 ({PORT_HINT})")
    return int(port)
