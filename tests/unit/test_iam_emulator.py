"""What the emulator tells the brokers' IAM plugin (moto's real backends, in process): the session
expiry of STS credentials, and per principal the boundary, session policies, cluster and principal
tags and role ARN that IAM evaluates. Also the moto fixes they need (user boundaries, PolicyArns)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from mskctl.local.emulator import moto_fixes, moto_state
from mskctl.local.spec import ClientAuth, ClientBroker, new_spec

SPEC = new_spec(name="demo", slot=2, brokers=3, msk_kafka_version="4.1.x", kafka_version="4.1.1",
                client_auth=ClientAuth.parse("iam"), client_broker=ClientBroker("TLS"), server_properties={},
                region="eu-west-1")
ONLY_CONNECT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kafka-cluster:Connect",
                                                        "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}


@pytest.fixture
def aws() -> Iterator[dict[str, object]]:
    moto_fixes.apply()
    with mock_aws():
        clients = {s: boto3.client(s, region_name=SPEC.region) for s in ("iam", "sts", "kafka")}
        yield clients


def test_a_users_boundary_and_tags(aws):
    iam = aws["iam"]
    boundary = iam.create_policy(PolicyName="b", PolicyDocument=json.dumps(ONLY_CONNECT))["Policy"]["Arn"]
    user = iam.create_user(UserName="alice", PermissionsBoundary=boundary,
                           Tags=[{"Key": "team", "Value": "payments"}])["User"]
    answer = moto_state.policies_for_principal(SPEC, user["Arn"])
    assert json.loads(answer["permissionsBoundary"]) == ONLY_CONNECT
    assert answer["principalTags"] == {"team": "payments"}
    assert answer["sessionPolicies"] == [] and answer["roleArn"] is None
    iam.delete_user_permissions_boundary(UserName="alice")
    assert moto_state.policies_for_principal(SPEC, user["Arn"])["permissionsBoundary"] is None
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    assert moto_state.policies_for_principal(SPEC, user["Arn"])["permissionsBoundary"] is not None


def test_a_sessions_policies_role_and_expiry(aws):
    iam, sts = aws["iam"], aws["sts"]
    managed = iam.create_policy(PolicyName="s", PolicyDocument=json.dumps(ONLY_CONNECT))["Policy"]["Arn"]
    role = iam.create_role(RoleName="app", Path="/teams/", AssumeRolePolicyDocument=json.dumps(TRUST),
                           PermissionsBoundary=managed)["Role"]
    inline = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                 "Resource": "*"}]})
    out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", Policy=inline, PolicyArns=[{"arn": managed}])
    answer = moto_state.policies_for_principal(SPEC, out["AssumedRoleUser"]["Arn"])
    assert answer["roleArn"] == role["Arn"] == "arn:aws:iam::123456789012:role/teams/app"
    assert [json.loads(p) for p in answer["sessionPolicies"]] == [json.loads(inline), ONLY_CONNECT]
    assert json.loads(answer["permissionsBoundary"]) == ONLY_CONNECT

    identity = moto_state.identity_for_access_key(SPEC, out["Credentials"]["AccessKeyId"])
    expiry = out["Credentials"]["Expiration"].replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    assert identity["expiration"] == expiry


def test_the_clusters_tags_are_its_resource_tags(aws):
    aws["kafka"].tag_resource(ResourceArn=SPEC.arn, Tags={"env": "dev"})
    user = aws["iam"].create_user(UserName="bob")["User"]
    assert moto_state.policies_for_principal(SPEC, user["Arn"])["clusterTags"] == {"env": "dev"}
