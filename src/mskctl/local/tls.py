"""The local MSK's certificate authority and certificates.

One CA per local cluster plays both of MSK's roles: the public CA that signs broker
certificates (clients verify them with the exported CA bundle) and the ACM Private
CA that signs client certificates for mutual TLS on port 9094.

Files are PEM; keys are PKCS#8 in the same file as their chain because Kafka's PEM
keystores need exactly that.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_LIFETIME = timedelta(days=3650)
LEAF_LIFETIME = timedelta(days=825)


@dataclass(frozen=True)
class Identity:
    """A certificate and key on disk: ``pem`` holds key + chain, ``cert`` only the chain."""

    pem: Path
    cert: Path
    key: Path
    subject: str  # RFC 4514 DN, the form Kafka uses for ``User:<DN>`` principals


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class LocalCA:
    """Creates (once) and loads the cluster's CA under ``directory``."""

    def __init__(self, directory: Path, cluster_name: str) -> None:
        self.directory = directory
        self.cluster_name = cluster_name
        self.cert_path = directory / "ca.pem"
        self.key_path = directory / "ca-key.pem"
        if not (self.cert_path.exists() and self.key_path.exists()):
            self._create()
        self._cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        self._key = serialization.load_pem_private_key(self.key_path.read_bytes(), None)

    def _create(self) -> None:
        key = _new_key()
        name = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mskctl local MSK"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"mskctl local CA ({self.cluster_name})"),
        ])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, key_cert_sign=True, crl_sign=True,
                    content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _write_private(self.key_path, _key_pem(key))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        stem: str,
        common_name: str,
        *,
        ip_addresses: list[str] | None = None,
        dns_names: list[str] | None = None,
        server: bool = False,
    ) -> Identity:
        """Issue (or reuse, if already issued for the same names) a leaf certificate."""
        pem_path = self.directory / f"{stem}.pem"
        cert_path = self.directory / f"{stem}.crt"
        key_path = self.directory / f"{stem}.key"
        subject = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mskctl local MSK"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ])
        identity = Identity(pem_path, cert_path, key_path, subject.rfc4514_string())
        if pem_path.exists() and cert_path.exists() and key_path.exists():
            return identity

        key = _new_key()
        now = datetime.now(UTC)
        sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns_names or []]
        sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses or []]
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
        if server:
            usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + LEAF_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._cert.public_key()),
                critical=False,
            )
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(self._key, hashes.SHA256())
        chain = cert.public_bytes(serialization.Encoding.PEM) + self.cert_path.read_bytes()
        key_pem = _key_pem(key)
        _write_private(key_path, key_pem)
        _write_private(pem_path, key_pem + chain)
        cert_path.write_bytes(chain)
        return identity
