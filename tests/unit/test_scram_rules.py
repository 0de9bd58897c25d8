"""MSK's rules for SCRAM secrets, checked against moto's real Secrets Manager and KMS (in-process)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from mskctl.local.emulator.scram import ScramAssociations, ScramSecretError, read_credential
from mskctl.local.spec import ClientAuth, ClientBroker, new_spec


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("secretsmanager"), boto3.client("kms")


@pytest.fixture
def spec():
    return new_spec(name="u", slot=1, brokers=1, msk_kafka_version="4.1.x", kafka_version="4.1.1",
                    client_auth=ClientAuth.parse("scram"), client_broker=ClientBroker.TLS,
                    server_properties={}, region="us-east-1")


def secret(sm, kms, name="AmazonMSK_alice", value=None, key=True):
    args = {"Name": name, "SecretString": json.dumps(value or {"username": "alice", "password": "pw"})}
    if key:
        args["KmsKeyId"] = kms.create_key()["KeyMetadata"]["KeyId"]
    return sm.create_secret(**args)["ARN"]


def test_valid_secret_yields_its_credential(aws, spec):
    sm, kms = aws
    credential = read_credential(spec, secret(sm, kms))
    assert (credential.username, credential.password) == ("alice", "pw")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": "alice"}, "InvalidSecretName"),
        ({"name": "AmazonMSKalice"}, "InvalidSecretName"),  # the prefix ends with the underscore
        ({"name": "amazonmsk_alice"}, "InvalidSecretName"),
        ({"key": False}, "InvalidKmsKey"),
        ({"value": {"username": "alice"}}, "InvalidSecretValue"),
        ({"value": {"username": "", "password": "x"}}, "InvalidSecretValue"),
        ({"value": {"username": "alice", "password": ""}}, "InvalidSecretValue"),
        ({"value": {"username": "alice", "password": 7}}, "InvalidSecretValue"),
        ({"value": ["alice", "pw"]}, "InvalidSecretValue"),
        # A SCRAM user named like an IAM principal would be decided by that principal's IAM policies.
        ({"value": {"username": "arn:aws:iam::123456789012:user/mskctl-admin", "password": "x"}},
         "InvalidSecretValue"),
        ({"value": {"username": "arn:", "password": "x"}}, "InvalidSecretValue"),
    ],
)
def test_rule_violations_have_msk_error_codes(aws, spec, kwargs, code):
    sm, kms = aws
    with pytest.raises(ScramSecretError) as error:
        read_credential(spec, secret(sm, kms, **kwargs))
    assert error.value.code == code


def test_a_user_name_starting_with_arn_is_refused_as_reserved_for_iam_principals(aws, spec):
    sm, kms = aws
    with pytest.raises(ScramSecretError, match="may not start with 'arn:'"):
        read_credential(spec, secret(sm, kms, value={"username": "arn:aws:iam::1:role/x", "password": "pw"}))


@pytest.mark.parametrize("username", ["alice-arn:x", "Arn-not-an-arn", "aws-arn"])
def test_user_names_only_containing_arn_are_accepted(aws, spec, username):
    sm, kms = aws
    assert read_credential(spec, secret(sm, kms, value={"username": username, "password": "pw"})).username == username


def test_secrets_under_the_aws_managed_key_or_an_asymmetric_key_are_refused(aws, spec):
    sm, kms = aws
    managed = sm.create_secret(Name="AmazonMSK_m", KmsKeyId="alias/aws/secretsmanager",
                               SecretString=json.dumps({"username": "m", "password": "pw"}))["ARN"]
    asymmetric = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    rsa = sm.create_secret(Name="AmazonMSK_r", KmsKeyId=asymmetric,
                           SecretString=json.dumps({"username": "r", "password": "pw"}))["ARN"]
    for arn, message in ((managed, "customer managed KMS key"), (rsa, "symmetric key")):
        with pytest.raises(ScramSecretError, match=message) as error:
            read_credential(spec, arn)
        assert error.value.code == "InvalidKmsKey"


def test_missing_or_deleted_secrets_are_not_found(aws, spec):
    sm, kms = aws
    arn = secret(sm, kms)
    sm.delete_secret(SecretId=arn)
    for secret_id in (arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_none-abcdef"):
        with pytest.raises(ScramSecretError) as error:
            read_credential(spec, secret_id)
        assert error.value.code == "SecretNotFound"


class FakeBrokers:
    """Records what the control plane would apply (the broker side is tested in integration)."""

    def __init__(self, present: list[str] | None = None) -> None:
        self.users: dict[str, str] = dict.fromkeys(present or [], "?")
        self.calls = 0

    def list(self) -> list[str]:
        return list(self.users)

    def apply(self, upserts: dict[str, str], deletes: list[str]) -> None:
        self.calls += 1
        self.users.update(upserts)
        for user in deletes:
            self.users.pop(user, None)


def test_reconcile_sets_new_users_removes_strays_and_follows_rotation(aws, spec, tmp_path):
    sm, kms = aws
    brokers = FakeBrokers(present=["stray"])
    scram = ScramAssociations(spec, tmp_path / "assoc.json", brokers)
    arn = secret(sm, kms)
    assert scram.associate([arn]) == []
    assert brokers.users == {"alice": "pw"}

    calls = brokers.calls
    assert scram.reconcile_now()
    assert brokers.calls == calls  # nothing changed, nothing sent

    sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "alice", "password": "new"}))
    scram.reconcile_now()
    assert brokers.users == {"alice": "new"}

    assert scram.disassociate([arn]) == []
    assert brokers.users == {}
    assert json.loads((tmp_path / "assoc.json").read_text()) == []


def test_two_secrets_for_one_username_are_refused(aws, spec, tmp_path):
    sm, kms = aws
    scram = ScramAssociations(spec, tmp_path / "assoc.json", FakeBrokers())
    assert scram.associate([secret(sm, kms)]) == []
    [rejected] = scram.associate([secret(sm, kms, name="AmazonMSK_alice2")])
    assert rejected.code == "DuplicateUsername"
