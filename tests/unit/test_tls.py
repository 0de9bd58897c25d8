from __future__ import annotations

import ipaddress
import stat

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from mskctl.local.tls import LocalCA


def test_broker_certificate_has_ip_san_server_usage_and_chains_to_the_ca(tmp_path):
    ca = LocalCA(tmp_path, "demo")
    ident = ca.issue("broker-1", "b-1.demo", ip_addresses=["127.0.0.11"], dns_names=["b-1.demo"],
                     server=True)
    cert = x509.load_pem_x509_certificates(ident.cert.read_bytes())
    leaf, issuer = cert[0], cert[1]
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.11") in sans.get_values_for_type(x509.IPAddress)
    usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usages
    leaf.verify_directly_issued_by(issuer)
    assert issuer.subject == x509.load_pem_x509_certificate(ca.cert_path.read_bytes()).subject


def test_keystore_pem_holds_a_pkcs8_key_then_the_chain_for_kafka(tmp_path):
    ident = LocalCA(tmp_path, "demo").issue("client", "alice")
    text = ident.pem.read_text()
    assert text.startswith("-----BEGIN " + "PRIVATE KEY-----")  # PKCS#8, what Kafka's PEM keystore needs
    assert text.count("BEGIN CERTIFICATE") == 2
    serialization.load_pem_private_key(ident.key.read_bytes(), None)


def test_private_keys_are_only_readable_by_the_owner(tmp_path):
    ca = LocalCA(tmp_path, "demo")
    ident = ca.issue("client", "alice")
    for path in (ca.key_path, ident.key, ident.pem):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_subject_is_the_principal_kafka_derives(tmp_path):
    ident = LocalCA(tmp_path, "demo").issue("client", "alice")
    assert ident.subject == "CN=alice,O=mskctl local MSK"


def test_ca_and_certificates_are_reused_not_reissued(tmp_path):
    first = LocalCA(tmp_path, "demo")
    cert = first.issue("client", "alice").cert.read_bytes()
    again = LocalCA(tmp_path, "demo")
    assert again.issue("client", "alice").cert.read_bytes() == cert
