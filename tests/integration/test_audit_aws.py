"""The AWS layer of the audit against the local MSK's AWS API (moto plus the emulator's MSK operations)."""

from __future__ import annotations

import json

import pytest

from mskctl.access.desired import SECRET_TAG
from mskctl.audit.aws import audit_aws
from mskctl.audit.model import LayerResult
from mskctl.config.settings import Settings
from tests.integration.kafka_helpers import create_cmk, scram_secret

pytestmark = pytest.mark.integration


@pytest.fixture
def aws_env(msk, monkeypatch):
    """boto3 in the audit reaches the local MSK's AWS API as its administrator."""
    for key, value in msk.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return Settings(region=msk.env["AWS_REGION"])


def audit(settings: Settings, arn: str) -> LayerResult:
    return audit_aws(settings, [arn])


def findings(result: LayerResult) -> set[tuple[str, str | None]]:
    return {(f.rule.id, f.location.arn) for f in result.findings}


def test_the_session_cluster_shows_what_msk_defaults_leave_open(msk, aws_env):
    arn = msk.spec.arn
    described = msk.boto("kafka").describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]["Provisioned"]
    key = described["EncryptionInfo"]["EncryptionAtRest"]["DataVolumeKMSKeyId"]
    result = audit(aws_env, arn)
    found = findings(result)
    # No configuration: MSK's default one, where allow.everyone.if.no.acl.found and unclean election are true.
    assert ("allow-everyone-if-no-acl", arn) in found and ("unclean-leader-election", arn) in found
    everyone = next(f for f in result.findings if f.rule.id == "allow-everyone-if-no-acl")
    assert everyone.location.name == f"{arn}#server.properties:allow.everyone.if.no.acl.found"
    assert "MSK's default" in everyone.message
    # What the local MSK reports: no broker logs, DEFAULT monitoring, a customer key without rotation.
    assert {("broker-logs-off", arn), ("enhanced-monitoring-low", arn), ("kms-rotation-off", key)} <= found
    # TLS only, IAM/SCRAM/mTLS, private, 3 brokers (RF 3, min ISR 2), Kafka 4.1, customer-managed key.
    for passed in ("client-broker-plaintext", "in-cluster-encryption-off", "unauthenticated-access",
                   "no-authentication", "public-access", "auto-create-topics", "min-insync-replicas-low",
                   "replication-factor-low", "kafka-version-unsupported", "at-rest-without-cmk"):
        assert passed in result.checked and not [f for f in result.findings if f.rule.id == passed], passed
    node_exporter = described["OpenMonitoring"]["Prometheus"]["NodeExporter"]["EnabledInBroker"]
    assert (("open-monitoring-off", arn) in found) is (not node_exporter)
    # The administrator the local MSK creates may do anything: that is an over-broad policy too.
    admin = f"arn:aws:iam::{msk.spec.account_id}:user/mskctl-admin"
    assert {("iam-kafka-wildcard-action", admin), ("iam-kafka-wildcard-resource", admin)} <= found
    assert any(s.startswith(f"cluster {msk.spec.name} (") for s in result.scanned)
    # The brokers' security group exists in the local AWS API and is judged (VPC CIDR, client ports only).
    assert {"security-group-open", "security-group-plaintext-port"} <= result.checked
    # MSK Connect is not served locally: a note, never a crash or a silent pass.
    assert "connect-no-tls" not in result.checked
    assert any(s.startswith("msk connect: not checked") for s in result.scanned)


def test_with_no_arns_every_cluster_of_the_region_is_audited(msk, aws_env):
    result = audit_aws(aws_env)
    assert any(s == f"cluster {msk.spec.name} ({msk.spec.arn})" for s in result.scanned)
    assert ("client-broker-plaintext" in result.checked) and ("allow-everyone-if-no-acl", msk.spec.arn) in {
        (f.rule.id, f.location.arn) for f in result.findings}


def test_scram_secrets_mskctl_made_for_the_cluster_and_associated_ones(msk, aws_env, unique):
    sm, kms, kafka = msk.boto("secretsmanager"), msk.boto("kms"), msk.boto("kafka")
    tag = [{"Key": SECRET_TAG, "Value": f"{msk.spec.name}/audit-{unique}"}]
    value = json.dumps({"username": f"a{unique}", "password": "pw-audit"})
    # MSK refuses to associate these two (the local MSK too), so they are found by mskctl's tag.
    unprefixed = sm.create_secret(Name=f"audit-{unique}", SecretString=value, KmsKeyId=create_cmk(kms),
                                  Tags=tag)["ARN"]
    aws_managed_key = kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]["Arn"]
    default_key = sm.create_secret(Name=f"AmazonMSK_audit-{unique}", SecretString=value,
                                   KmsKeyId=aws_managed_key, Tags=tag)["ARN"]
    unassociable = kafka.batch_associate_scram_secret(ClusterArn=msk.spec.arn,
                                                      SecretArnList=[unprefixed, default_key])
    assert {u["ErrorCode"] for u in unassociable["UnprocessedScramSecrets"]} == {"InvalidSecretName",
                                                                                  "InvalidKmsKey"}
    good = scram_secret(sm, f"AmazonMSK_ok-{unique}", f"ok{unique}", "pw-ok", create_cmk(kms))
    assert kafka.batch_associate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[good])[
        "UnprocessedScramSecrets"] == []
    try:
        result = audit(aws_env, msk.spec.arn)
        found = findings(result)
        assert ("scram-secret-name", unprefixed) in found
        assert ("scram-secret-default-key", default_key) in found
        name_finding = next(f for f in result.findings if f.location.arn == unprefixed)
        assert name_finding.location.name == f"audit-{unique}" and "AmazonMSK_" in name_finding.message
        key_finding = next(f for f in result.findings if f.location.arn == default_key)
        assert aws_managed_key in key_finding.message  # judged by KMS: KeyManager AWS
        assert not {(rule, arn) for rule, arn in found if arn == good}  # prefixed, customer key, just set
        assert ("scram-secret-name", default_key) not in found and ("scram-secret-default-key", unprefixed) not in found
        assert {"scram-secret-name", "scram-secret-default-key", "scram-secret-not-rotated"} <= result.checked
        assert f"secret AmazonMSK_ok-{unique}" in result.scanned
    finally:
        kafka.batch_disassociate_scram_secret(ClusterArn=msk.spec.arn, SecretArnList=[good])
        for arn in (unprefixed, default_key, good):
            sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)


def test_an_over_broad_policy_attached_to_a_role_is_reported_and_an_unattached_one_is_not(msk, aws_env, unique):
    iam = msk.boto("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "ec2.amazonaws.com"}}]}
    broad = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Everything", "Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"}]}
    role = iam.create_role(RoleName=f"audit-{unique}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    attached = iam.create_policy(PolicyName=f"audit-broad-{unique}", PolicyDocument=json.dumps(broad))["Policy"]
    spare = iam.create_policy(PolicyName=f"audit-spare-{unique}", PolicyDocument=json.dumps(broad))["Policy"]
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=attached["Arn"])
    try:
        result = audit(aws_env, msk.spec.arn)
        found = findings(result)
        assert {("iam-kafka-wildcard-action", attached["Arn"]),
                ("iam-kafka-wildcard-resource", attached["Arn"])} <= found
        action = next(f for f in result.findings
                      if f.location.arn == attached["Arn"] and f.rule.id == "iam-kafka-wildcard-action")
        assert action.message == (f"Statement Everything allows kafka-cluster:* (attached to role/audit-{unique}).")
        assert action.location.name == f"audit-broad-{unique}"
        assert not [f for f in result.findings if f.location.arn == spare["Arn"]]
    finally:
        iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=attached["Arn"])
        for policy in (attached, spare):
            iam.delete_policy(PolicyArn=policy["Arn"])
        iam.delete_role(RoleName=role["RoleName"])


def test_a_logging_trail_clears_cloudtrail_off(msk, aws_env, unique):
    before = audit(aws_env, msk.spec.arn)
    assert "cloudtrail-off" in before.checked
    assert any(f.rule.id == "cloudtrail-off" for f in before.findings)  # the local MSK starts with no trail
    s3, cloudtrail = msk.boto("s3"), msk.boto("cloudtrail")
    bucket = f"audit-trail-{unique}"
    s3.create_bucket(Bucket=bucket)
    cloudtrail.create_trail(Name=f"audit-{unique}", S3BucketName=bucket, IsMultiRegionTrail=True)
    try:
        cloudtrail.start_logging(Name=f"audit-{unique}")
        after = audit(aws_env, msk.spec.arn)
        assert "cloudtrail-off" in after.checked and not [f for f in after.findings if f.rule.id == "cloudtrail-off"]
    finally:
        cloudtrail.delete_trail(Name=f"audit-{unique}")
        s3.delete_bucket(Bucket=bucket)
