"""Shared fixtures of the protect unit tests: a real moto server (KMS, DynamoDB, IAM) on a free loopback port.

Imported by the other test_protect_* files (``from ... import aws_fixture``: pytest registers it under
its name, ``aws``); it holds no tests of its own.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.core.authorization import enable_iam_authentication
from moto.server import ThreadedMotoServer

from mskctl.protect import Protector, load_text

REGION = "us-east-1"
ADMIN = ("testing", "testing")


class Clock:
    """A monotonic clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Aws:
    endpoint: str
    cmk: str
    hmac: str
    table: str

    def client(self, service: str, key: tuple[str, str] = ADMIN) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=key[0], aws_secret_access_key=key[1])

    def policy(self, fields: str, topic: str = "orders*", extra: str = "") -> str:
        """A policy text: the fields (YAML list items, indented 6) for one topic pattern."""
        return (f"version: 1\nkeys:\n  kms: {self.cmk}\n  hmac: {self.hmac}\nsubjects:\n  table: {self.table}\n"
                f"{extra}topics:\n  - topic: \"{topic}\"\n    fields:\n{fields}")

    def protector(self, fields: str | None = None, clock: Clock | None = None, key: tuple[str, str] = ADMIN,
                  **kwargs: Any) -> Protector:
        policy = load_text(self.policy(fields)) if fields else None
        return Protector(policy, kms=self.client("kms", key), dynamodb=self.client("dynamodb", key),
                         **({"clock": clock} if clock else {}), **kwargs)

    def user(self, name: str, actions: list[str]) -> tuple[str, str]:
        """An IAM user allowed only ``actions``; its access key."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
        iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(document))
        created = iam.create_access_key(UserName=name)["AccessKey"]
        return created["AccessKeyId"], created["SecretAccessKey"]


@pytest.fixture(scope="session", name="moto_endpoint")
def moto_endpoint_fixture() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(name="aws")
def aws_fixture(moto_endpoint: str) -> Aws:
    """Fresh keys and a fresh subject key table for each test."""
    kms = boto3.client("kms", endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id=ADMIN[0],
                       aws_secret_access_key=ADMIN[1])
    cmk = kms.create_key(Description="protect test")["KeyMetadata"]["Arn"]
    hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
    found = Aws(moto_endpoint, cmk, hmac, f"subjects-{uuid.uuid4().hex[:8]}")
    Protector(load_text(found.policy("      - {path: $.a, action: encrypt, subject: $.id}\n")),
              kms=kms, dynamodb=found.client("dynamodb")).init_store()
    return found


iam_enforced = enable_iam_authentication  # moto checks identity policies inside this block
