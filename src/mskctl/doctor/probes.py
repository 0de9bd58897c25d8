"""Low-level probes of one broker address: DNS, TCP, TLS, the SASL mechanisms it offers."""

from __future__ import annotations

import socket
import ssl
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str


def dns(host: str) -> ProbeResult:
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})
    except socket.gaierror as exc:
        return ProbeResult(False, f"{host} does not resolve ({exc.strerror})")
    return ProbeResult(True, f"{host} -> {', '.join(addresses)}")


def tcp(host: str, port: int, timeout: float) -> ProbeResult:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return ProbeResult(True, f"{host}:{port} accepts connections")
    except TimeoutError:
        return ProbeResult(False, f"{host}:{port} timed out after {timeout:.0f} s")
    except ConnectionRefusedError:
        return ProbeResult(False, f"{host}:{port} refused the connection (nothing listens there)")
    except OSError as exc:
        return ProbeResult(False, f"{host}:{port}: {exc.strerror or exc}")


def tls_context(ca_bundle: str | None, cert: str | None, key: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    if cert and key:
        context.load_cert_chain(cert, key)
    return context


def tls(host: str, port: int, context: ssl.SSLContext, timeout: float) -> ProbeResult:
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as wrapped:
            subject = dict(item[0] for item in wrapped.getpeercert().get("subject", ()))
            return ProbeResult(True, f"{wrapped.version()}, certificate {subject.get('commonName', '?')} verified")
    except ssl.SSLCertVerificationError as exc:
        return ProbeResult(False, f"certificate not trusted: {exc.verify_message}")
    except (ssl.SSLError, OSError) as exc:
        return ProbeResult(False, f"TLS handshake failed: {exc}")


def sasl_mechanisms(host: str, port: int, context: ssl.SSLContext, mechanism: str, timeout: float) -> ProbeResult:
    """Send Kafka's SaslHandshake (v1) and read which mechanisms the listener offers."""
    client_id = b"mskctl-doctor"
    body = struct.pack(">hhih", 17, 1, 1, len(client_id)) + client_id
    body += struct.pack(">h", len(mechanism)) + mechanism.encode()
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as wrapped:
            wrapped.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", _read(wrapped, 4))[0]
            payload = _read(wrapped, size)
    except (OSError, ssl.SSLError, struct.error) as exc:
        return ProbeResult(False, f"no SASL handshake answer ({exc}): not a SASL listener?")
    error_code = struct.unpack(">h", payload[4:6])[0]
    count = struct.unpack(">i", payload[6:10])[0]
    offered, offset = [], 10
    for _ in range(max(count, 0)):
        length = struct.unpack(">h", payload[offset:offset + 2])[0]
        offered.append(payload[offset + 2:offset + 2 + length].decode())
        offset += 2 + length
    if error_code != 0 or mechanism not in offered:
        return ProbeResult(False, f"{mechanism} not offered; this listener offers {', '.join(offered) or 'nothing'}")
    return ProbeResult(True, f"{mechanism} offered")


def _read(sock: ssl.SSLSocket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data
