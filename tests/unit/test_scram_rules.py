"""MSK's rules for SCRAM secrets, checked against moto's real Secrets Manager and KMS (in-process)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from mskctl.local.emulator.scram import Credential, Rejection, ScramAssociations, ScramSecretError, read_credential
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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "alice"}, "The secret name 'alice' must start with the prefix AmazonMSK_."),
        ({"key": False}, "The secret must be encrypted with a customer managed KMS key; secrets that use the AWS "
                         "managed key (aws/secretsmanager) cannot be used with MSK."),
        ({"value": {"user": "x"}}, 'The secret value must be JSON of the form {"username": "...", "password": "..."}.'),
        ({"value": {"username": "arn:x", "password": "pw"}},
         "SCRAM user names may not start with 'arn:' (reserved for IAM principals)."),
    ],
)
def test_rejections_carry_msk_worded_messages(aws, spec, kwargs, message):
    sm, kms = aws
    with pytest.raises(ScramSecretError) as error:
        read_credential(spec, secret(sm, kms, **kwargs))
    assert error.value.message == str(error.value) == message


def test_a_secret_value_that_is_not_json_is_an_invalid_value(aws, spec):
    sm, kms = aws
    arn = sm.create_secret(Name="AmazonMSK_raw", SecretString="alice:pw",
                           KmsKeyId=kms.create_key()["KeyMetadata"]["KeyId"])["ARN"]
    with pytest.raises(ScramSecretError) as error:
        read_credential(spec, arn)
    assert error.value.code == "InvalidSecretValue"


def test_credential_names_its_secret_arn_user_and_password(aws, spec):
    sm, kms = aws
    arn = secret(sm, kms, value={"username": "bob", "password": "s3cret"})
    assert read_credential(spec, "AmazonMSK_alice") == Credential(arn, "bob", "s3cret")


def test_associations_are_persisted_once_each_and_survive_a_restart(aws, spec, tmp_path):
    sm, kms = aws
    state = tmp_path / "state" / "assoc.json"
    scram = ScramAssociations(spec, state, FakeBrokers())
    arn = secret(sm, kms)
    assert scram.associate([arn, "AmazonMSK_alice"]) == []  # by ARN and by name: one association
    assert scram.associate([arn]) == []
    assert scram.list() == [arn]
    assert json.loads(state.read_text()) == [arn]
    brokers = FakeBrokers(present=["alice", "stray"])
    restarted = ScramAssociations(spec, state, brokers)
    assert restarted.list() == [arn]
    assert restarted.reconcile_now() is True
    assert brokers.users == {"alice": "pw"}  # asked the brokers once: the stray user is removed


def test_a_batch_associates_the_valid_secrets_and_names_each_rejected_one(aws, spec, tmp_path):
    sm, kms = aws
    scram = ScramAssociations(spec, tmp_path / "assoc.json", FakeBrokers())
    good = secret(sm, kms)
    bad = secret(sm, kms, name="bad_bob", value={"username": "bob", "password": "pw"})
    rejected = scram.associate([bad, good])
    assert [(r.secret_arn, r.code) for r in rejected] == [(bad, "InvalidSecretName")]
    assert scram.list() == [good]


def test_duplicate_user_names_are_refused_with_the_owning_secret(aws, spec, tmp_path):
    sm, kms = aws
    brokers = FakeBrokers()
    scram = ScramAssociations(spec, tmp_path / "assoc.json", brokers)
    first = secret(sm, kms)
    assert scram.associate([first]) == []
    second = secret(sm, kms, name="AmazonMSK_alice2", value={"username": "alice", "password": "other"})
    assert scram.associate([second]) == [Rejection(
        second, "DuplicateUsername", f"User 'alice' already comes from associated secret {first}.")]
    assert scram.list() == [first] and brokers.users == {"alice": "pw"}


def test_disassociating_by_name_removes_the_user_and_unknown_secrets_are_reported(aws, spec, tmp_path):
    sm, kms = aws
    brokers = FakeBrokers()
    scram = ScramAssociations(spec, tmp_path / "assoc.json", brokers)
    arn = secret(sm, kms)
    other = secret(sm, kms, name="AmazonMSK_carol", value={"username": "carol", "password": "pw"})
    assert scram.associate([arn, other]) == []
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_none-abcdef"
    assert scram.disassociate(["AmazonMSK_alice", missing]) == [Rejection(
        missing, "SecretNotAssociated", f"Secret {missing} is not associated with cluster {spec.arn}.")]
    assert scram.list() == [other] and brokers.users == {"carol": "pw"}
    assert scram.disassociate([arn])[0].code == "SecretNotAssociated"  # no longer associated


def test_an_associated_secret_that_becomes_unusable_loses_its_user(aws, spec, tmp_path):
    sm, kms = aws
    brokers = FakeBrokers()
    scram = ScramAssociations(spec, tmp_path / "assoc.json", brokers)
    arn = secret(sm, kms)
    assert scram.associate([arn]) == [] and brokers.users == {"alice": "pw"}
    sm.put_secret_value(SecretId=arn, SecretString="not json")
    assert scram.reconcile_now() is True
    assert brokers.users == {} and scram.list() == [arn]


class DownBrokers(FakeBrokers):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def apply(self, upserts: dict[str, str], deletes: list[str]) -> None:
        if self.down:
            raise ConnectionError("brokers down")
        super().apply(upserts, deletes)


def test_brokers_that_are_down_get_the_users_on_a_later_reconcile(aws, spec, tmp_path):
    sm, kms = aws
    brokers = DownBrokers()
    scram = ScramAssociations(spec, tmp_path / "assoc.json", brokers)
    assert scram.associate([secret(sm, kms)]) == []
    assert brokers.users == {} and scram.reconcile_now() is False
    brokers.down = False
    assert scram.reconcile_now() is True and brokers.users == {"alice": "pw"}
    calls = brokers.calls
    assert scram.reconcile_now() is True and brokers.calls == calls


def test_the_same_password_rewritten_is_not_applied_again_but_a_new_one_is(aws, spec, tmp_path):
    sm, kms = aws
    brokers = FakeBrokers()
    scram = ScramAssociations(spec, tmp_path / "assoc.json", brokers)
    arn = secret(sm, kms)
    assert scram.associate([arn]) == []
    calls = brokers.calls
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "alice", "password": "pw"}))
    assert scram.reconcile_now() and brokers.calls == calls
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "alice", "password": "pw2"}))
    assert scram.reconcile_now() and brokers.calls == calls + 1 and brokers.users == {"alice": "pw2"}


def test_stop_ends_the_reconcile_loop(aws, spec, tmp_path):
    import threading

    brokers = FakeBrokers()
    scram = ScramAssociations(spec, tmp_path / "assoc.json", brokers)
    loop = threading.Thread(target=scram.run_forever)
    loop.start()
    scram.stop()
    loop.join(5)
    assert not loop.is_alive()
