"""MSK IAM (SASL/OAUTHBEARER on 9098): aws-msk-iam-sasl-signer-python tokens for librdkafka's oauth_cb."""

from __future__ import annotations

from collections.abc import Callable

import botocore.credentials
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

OAuthCallback = Callable[[str], tuple[str, float]]


class StaticCredentialProvider(botocore.credentials.CredentialProvider):
    """Fixed keys (an IAM user's, or an STS session's) for the signer."""

    METHOD = "mskctl-static"

    def __init__(self, access_key_id: str, secret_access_key: str, session_token: str | None = None) -> None:
        super().__init__()
        self._credentials = botocore.credentials.Credentials(access_key_id, secret_access_key, session_token)

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


def oauth_callback(
    region: str, provider: botocore.credentials.CredentialProvider | None = None
) -> OAuthCallback:
    """librdkafka ``oauth_cb``: a fresh signed token (900 s) each time librdkafka asks for one.

    Without ``provider`` the default AWS credential chain signs (env vars, profile, role...).
    """

    def callback(_oauthbearer_config: str) -> tuple[str, float]:
        if provider is None:
            token, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
        else:
            token, expiry_ms = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(
                region, provider
            )
        return token, expiry_ms / 1000

    return callback


def librdkafka_settings(bootstrap_servers: str, ca_location: str | None, callback: OAuthCallback) -> dict:
    settings = {
        "bootstrap.servers": bootstrap_servers,
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "OAUTHBEARER",
        "oauth_cb": callback,
        "ssl.endpoint.identification.algorithm": "https",
    }
    if ca_location:
        settings["ssl.ca.location"] = ca_location
    return settings


def role_callback(region: str, role_arn: str, session_name: str = "mskctl") -> OAuthCallback:
    """Tokens signed with credentials of an assumed role (STS, through AWS_ENDPOINT_URL when set)."""

    def callback(_oauthbearer_config: str) -> tuple[str, float]:
        token, expiry_ms = MSKAuthTokenProvider.generate_auth_token_from_role_arn(region, role_arn, session_name)
        return token, expiry_ms / 1000

    return callback


def profile_callback(region: str, aws_profile: str) -> OAuthCallback:
    def callback(_oauthbearer_config: str) -> tuple[str, float]:
        token, expiry_ms = MSKAuthTokenProvider.generate_auth_token_from_profile(region, aws_profile)
        return token, expiry_ms / 1000

    return callback
