"""IAM principals and MSK IAM client settings for the integration tests (real signer, real IAM API)."""

from __future__ import annotations

import json
from collections.abc import Callable

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient

from mskctl.auth.iam import StaticCredentialProvider, oauth_callback
from tests.integration.kafka_helpers import QUIET


def token_callback(region: str, key_id: str, secret: str, token: str | None = None) -> Callable:
    return oauth_callback(region, StaticCredentialProvider(key_id, secret, token))


def iam_config(msk, oauth_cb: Callable, **extra: object) -> dict:
    return {
        "bootstrap.servers": msk.env["MSK_BOOTSTRAP_SERVERS_IAM"],
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "OAUTHBEARER",
        "oauth_cb": oauth_cb,
        "ssl.ca.location": msk.ca,
        **QUIET,
        **extra,
    }


def admin_iam_config(msk, **extra: object) -> dict:
    env = msk.env
    return iam_config(msk, token_callback(env["AWS_REGION"], env["AWS_ACCESS_KEY_ID"],
                                          env["AWS_SECRET_ACCESS_KEY"]), **extra)


def iam_user(msk, name: str, statements: list[dict]) -> dict:
    """An IAM user with one inline policy; returns its client config."""
    iam = msk.boto("iam")
    iam.create_user(UserName=name)
    put_policy(msk, name, statements)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return iam_config(msk, token_callback(msk.spec.region, key["AccessKeyId"], key["SecretAccessKey"]))


def put_policy(msk, user: str, statements: list[dict]) -> None:
    document = {"Version": "2012-10-17", "Statement": statements}
    msk.boto("iam").put_user_policy(UserName=user, PolicyName="kafka", PolicyDocument=json.dumps(document))


def allow(actions: list[str], resources: list[str]) -> dict:
    return {"Effect": "Allow", "Action": [f"kafka-cluster:{a}" for a in actions], "Resource": resources}


def authentication_error(config: dict, timeout: float = 8.0) -> KafkaError | None:
    """The error a client meets while authenticating, or None when it gets metadata.

    Lenient: a client that meets no error at all gets ``_TIMED_OUT``, so ``is not None`` passes on a
    timeout. For negative checks use ``authentication_refusal`` (the brokers' refusal, or nothing).
    """
    errors: list[KafkaError] = []
    admin = AdminClient(config | {"error_cb": errors.append})
    try:
        admin.list_topics(timeout=timeout)
        return None
    except Exception:  # noqa: BLE001 - the reason is in error_cb
        admin.poll(1.0)  # error_cb is served by poll()
    auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
    return auth[0] if auth else (errors[0] if errors else KafkaError(KafkaError._TIMED_OUT))


def authentication_refusal(config: dict, timeout: float = 8.0) -> KafkaError | None:
    """The brokers' ``_AUTHENTICATION`` refusal of this client, or None.

    None when the client gets metadata, and None too when it meets only other errors or nothing at all
    before ``timeout``: a timeout, a transport error or an unreachable broker is not a refusal, so
    ``assert authentication_refusal(config) is not None`` fails on them.
    """
    errors: list[KafkaError] = []
    admin = AdminClient(config | {"error_cb": errors.append})
    try:
        admin.list_topics(timeout=timeout)
    except Exception:  # noqa: BLE001 - the reason is in error_cb
        admin.poll(1.0)  # error_cb is served by poll()
    else:
        return None
    refused = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
    return refused[0] if refused else None
