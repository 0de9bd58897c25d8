"""SCRAM users the MSK way: Secrets Manager secrets associated with the cluster."""

from __future__ import annotations

import json

import pytest

from tests.integration.iam_helpers import authentication_refusal
from tests.integration.kafka_helpers import (
    can_produce,
    create_cmk,
    create_topic,
    scram_secret,
    wait_until,
)

pytestmark = pytest.mark.integration
PROPAGATION_SECONDS = 15  # MSK needs minutes; the local MSK must do it in seconds


@pytest.fixture
def topic(msk, unique):
    name = f"scram-{unique}"
    create_topic(msk.tls_config(), name)
    return name


def associate(msk, *arns):
    return msk.boto("kafka").batch_associate_scram_secret(
        ClusterArn=msk.spec.arn, SecretArnList=list(arns))["UnprocessedScramSecrets"]


def refused(config: dict) -> bool:
    """The brokers refused the SCRAM credentials (_AUTHENTICATION); a timeout or other error is not a refusal."""
    error = authentication_refusal(config, timeout=5)
    return error is not None and "SCRAM-SHA-512" in error.str()


def test_associated_secret_lets_its_user_produce(msk, unique, topic):
    key = create_cmk(msk.boto("kms"))
    arn = scram_secret(msk.boto("secretsmanager"), f"AmazonMSK_u{unique}", f"u{unique}", "pw-1-long", key)
    assert associate(msk, arn) == []
    assert arn in msk.boto("kafka").list_scram_secrets(ClusterArn=msk.spec.arn)["SecretArnList"]
    config = msk.scram_config(f"u{unique}", "pw-1-long")
    assert wait_until(lambda: can_produce(config, topic, timeout=5) is None, PROPAGATION_SECONDS)


def test_wrong_password_is_an_authentication_failure(msk, unique, topic):
    key = create_cmk(msk.boto("kms"))
    arn = scram_secret(msk.boto("secretsmanager"), f"AmazonMSK_w{unique}", f"w{unique}", "right-pw", key)
    assert associate(msk, arn) == []
    assert wait_until(lambda: can_produce(msk.scram_config(f"w{unique}", "right-pw"), topic, 5) is None,
                      PROPAGATION_SECONDS)
    assert refused(msk.scram_config(f"w{unique}", "wrong-pw"))


def test_secret_without_amazonmsk_prefix_is_rejected(msk, unique):
    key = create_cmk(msk.boto("kms"))
    arn = scram_secret(msk.boto("secretsmanager"), f"plain_{unique}", f"p{unique}", "pw", key)
    [rejected] = associate(msk, arn)
    assert rejected["SecretArn"] == arn
    assert rejected["ErrorCode"] == "InvalidSecretName"
    assert "AmazonMSK_" in rejected["ErrorMessage"]


def test_secret_with_the_default_secrets_manager_key_is_rejected(msk, unique):
    arn = scram_secret(msk.boto("secretsmanager"), f"AmazonMSK_d{unique}", f"d{unique}", "pw", None)
    [rejected] = associate(msk, arn)
    assert rejected["ErrorCode"] == "InvalidKmsKey"


def test_secret_with_an_asymmetric_key_is_rejected(msk, unique):
    sm, kms = msk.boto("secretsmanager"), msk.boto("kms")
    symmetric = create_cmk(kms)
    arn = scram_secret(sm, f"AmazonMSK_a{unique}", f"a{unique}", "pw", symmetric)
    # Secrets Manager itself refuses asymmetric keys at creation, so switch the key afterwards.
    asymmetric = create_cmk(kms, "RSA_2048")
    sm.update_secret(SecretId=arn, KmsKeyId=asymmetric)
    [rejected] = associate(msk, arn)
    assert rejected["ErrorCode"] == "InvalidKmsKey"


def test_secret_value_that_is_not_username_password_json_is_rejected(msk, unique):
    sm, key = msk.boto("secretsmanager"), create_cmk(msk.boto("kms"))
    arn = sm.create_secret(Name=f"AmazonMSK_j{unique}", SecretString=json.dumps({"user": "x"}),
                           KmsKeyId=key)["ARN"]
    [rejected] = associate(msk, arn)
    assert rejected["ErrorCode"] == "InvalidSecretValue"


def test_unknown_secret_is_reported_not_raised(msk, unique):
    arn = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_none{unique}-AbCdEf"
    [rejected] = associate(msk, arn)
    assert rejected["ErrorCode"] == "SecretNotFound"


def test_new_secret_value_is_picked_up_and_the_old_password_stops_working(msk, unique, topic):
    sm, key = msk.boto("secretsmanager"), create_cmk(msk.boto("kms"))
    user = f"r{unique}"
    arn = scram_secret(sm, f"AmazonMSK_{user}", user, "before-rotation", key)
    assert associate(msk, arn) == []
    assert wait_until(lambda: can_produce(msk.scram_config(user, "before-rotation"), topic, 5) is None,
                      PROPAGATION_SECONDS)

    sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": user, "password": "after"}))
    assert wait_until(lambda: can_produce(msk.scram_config(user, "after"), topic, 5) is None,
                      PROPAGATION_SECONDS)
    assert refused(msk.scram_config(user, "before-rotation"))


def test_disassociation_removes_the_user(msk, unique, topic):
    sm, key = msk.boto("secretsmanager"), create_cmk(msk.boto("kms"))
    user = f"x{unique}"
    arn = scram_secret(sm, f"AmazonMSK_{user}", user, "pw-gone-soon", key)
    assert associate(msk, arn) == []
    config = msk.scram_config(user, "pw-gone-soon")
    assert wait_until(lambda: can_produce(config, topic, 5) is None, PROPAGATION_SECONDS)

    kafka = msk.boto("kafka")
    result = kafka.batch_disassociate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[arn])
    assert result["UnprocessedScramSecrets"] == []
    assert arn not in kafka.list_scram_secrets(ClusterArn=msk.spec.arn)["SecretArnList"]
    assert wait_until(lambda: refused(config), PROPAGATION_SECONDS)


def test_disassociating_a_secret_that_is_not_associated_is_reported(msk, unique):
    sm, key = msk.boto("secretsmanager"), create_cmk(msk.boto("kms"))
    arn = scram_secret(sm, f"AmazonMSK_n{unique}", f"n{unique}", "pw", key)
    result = msk.boto("kafka").batch_disassociate_scram_secret(ClusterArn=msk.spec.arn,
                                                               SecretArnList=[arn])
    assert [r["ErrorCode"] for r in result["UnprocessedScramSecrets"]] == ["SecretNotAssociated"]


def test_more_than_ten_secrets_in_one_call_is_a_bad_request(msk):
    from botocore.exceptions import ClientError

    arns = [f"arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_{i}-x" for i in range(11)]
    with pytest.raises(ClientError) as error:
        associate(msk, *arns)
    assert error.value.response["Error"]["Code"] == "BadRequestException"


def test_secret_whose_user_name_looks_like_an_iam_principal_is_rejected(msk, unique):
    # A SCRAM user named arn:aws:iam::...:user/x would be decided by that IAM identity's policies.
    sm, key = msk.boto("secretsmanager"), create_cmk(msk.boto("kms"))
    arn = scram_secret(sm, f"AmazonMSK_arn{unique}", f"arn:aws:iam::123456789012:user/a{unique}", "pw", key)
    [rejected] = associate(msk, arn)
    assert rejected["ErrorCode"] == "InvalidSecretValue"
    assert "arn:" in rejected["ErrorMessage"]
