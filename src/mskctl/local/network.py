"""Addresses and ports of the local MSK: is a port free, and if not, who holds it."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class PortHolder:
    address: str
    port: int
    pid: int | None
    process: str | None

    def describe(self) -> str:
        who = f"{self.process} (pid {self.pid})" if self.pid else "another process"
        return f"{self.address}:{self.port} is already in use by {who}"


def port_is_free(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def holder_of(address: str, port: int) -> PortHolder:
    """Name the process listening on ``address:port`` (or on the wildcard address)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        connections = []
    for conn in connections:
        if conn.status != psutil.CONN_LISTEN or not conn.laddr:
            continue
        # Java listens on IPv4-mapped IPv6 sockets (::ffff:127.0.0.11).
        ip = conn.laddr.ip.removeprefix("::ffff:")
        if conn.laddr.port == port and ip in (address, "0.0.0.0", "::"):
            name = None
            if conn.pid:
                try:
                    name = " ".join(psutil.Process(conn.pid).cmdline()[:3]) or None
                except psutil.Error:
                    name = None
            return PortHolder(address, port, conn.pid, name)
    return PortHolder(address, port, None, None)


def taken_ports(endpoints: list[tuple[str, int]]) -> list[PortHolder]:
    return [holder_of(a, p) for a, p in endpoints if not port_is_free(a, p)]


def accepts_tcp(address: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False
