"""The MSK control-plane API of the local cluster, through boto3 exactly as against AWS."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


def test_get_bootstrap_brokers_returns_one_string_per_enabled_mode(msk):
    result = msk.boto("kafka").get_bootstrap_brokers(ClusterArn=msk.spec.arn)
    hosts = [msk.spec.broker_host(b) for b in msk.spec.broker_ids()]
    assert result["BootstrapBrokerStringTls"] == ",".join(f"{h}:9094" for h in hosts)
    assert result["BootstrapBrokerStringSaslScram"] == ",".join(f"{h}:9096" for h in hosts)
    assert result["BootstrapBrokerStringSaslIam"] == ",".join(f"{h}:9098" for h in hosts)
    assert "BootstrapBrokerString" not in result  # plaintext off, as ClientBroker=TLS


def test_describe_cluster_v2_reports_the_running_configuration(msk):
    info = msk.boto("kafka").describe_cluster_v2(ClusterArn=msk.spec.arn)["ClusterInfo"]
    assert info["State"] == "ACTIVE"
    assert info["ClusterName"] == "itest"
    assert info["ClusterArn"].startswith("arn:aws:kafka:us-east-1:123456789012:cluster/itest/")
    provisioned = info["Provisioned"]
    assert provisioned["NumberOfBrokerNodes"] == 3
    assert provisioned["CurrentBrokerSoftwareInfo"]["KafkaVersion"] == "4.1.x"
    assert provisioned["EncryptionInfo"]["EncryptionInTransit"] == {"ClientBroker": "TLS", "InCluster": True}
    auth = provisioned["ClientAuthentication"]
    assert auth["Sasl"]["Scram"]["Enabled"] is True
    assert auth["Sasl"]["Iam"]["Enabled"] is True
    assert auth["Tls"]["Enabled"] is True
    assert auth["Unauthenticated"]["Enabled"] is False
    key_arn = provisioned["EncryptionInfo"]["EncryptionAtRest"]["DataVolumeKMSKeyId"]
    assert msk.boto("kms").describe_key(KeyId=key_arn)["KeyMetadata"]["Arn"] == key_arn


def test_describe_cluster_v1_and_list_clusters_agree(msk):
    kafka = msk.boto("kafka")
    v1 = kafka.describe_cluster(ClusterArn=msk.spec.arn)["ClusterInfo"]
    assert v1["NumberOfBrokerNodes"] == 3 and v1["State"] == "ACTIVE"
    listed = [c["ClusterArn"] for c in kafka.list_clusters()["ClusterInfoList"]]
    assert msk.spec.arn in listed


def test_list_nodes_lists_each_broker_with_its_address(msk):
    nodes = msk.boto("kafka").list_nodes(ClusterArn=msk.spec.arn)["NodeInfoList"]
    got = {int(n["BrokerNodeInfo"]["BrokerId"]): n["BrokerNodeInfo"]["ClientVpcIpAddress"] for n in nodes}
    assert got == {b: msk.spec.broker_host(b) for b in msk.spec.broker_ids()}
    assert all(n["NodeType"] == "BROKER" for n in nodes)


def test_unknown_cluster_arn_is_not_found(msk):
    other = msk.spec.arn.replace("/itest/", "/missing/")
    with pytest.raises(ClientError) as error:
        msk.boto("kafka").get_bootstrap_brokers(ClusterArn=other)
    assert error.value.response["Error"]["Code"] == "NotFoundException"


def test_reboot_broker_refuses_unknown_or_several_ids(msk):
    kafka = msk.boto("kafka")
    for ids in (["9"], ["1", "2"]):
        with pytest.raises(ClientError) as error:
            kafka.reboot_broker(ClusterArn=msk.spec.arn, BrokerIds=ids)
        assert error.value.response["Error"]["Code"] == "BadRequestException"


def test_other_services_are_moto_and_answer_through_the_same_endpoint(msk, unique):
    s3 = msk.boto("s3")
    s3.create_bucket(Bucket=f"bucket-{unique}")
    s3.put_object(Bucket=f"bucket-{unique}", Key="k", Body=b"v")
    assert s3.get_object(Bucket=f"bucket-{unique}", Key="k")["Body"].read() == b"v"
    assert msk.boto("sts").get_caller_identity()["Account"] == "123456789012"


def test_env_exports_make_plain_boto3_reach_the_local_cluster(msk):
    probe = (
        "import boto3, json, os; "
        "k = boto3.client('kafka'); "
        "print(json.dumps(k.get_bootstrap_brokers(ClusterArn=os.environ['MSK_CLUSTER_ARN'])"
        "['BootstrapBrokerStringSaslScram']))"
    )
    python = shlex.quote(sys.executable)
    script = f'eval "$(mskctl local env --name itest)" && {python} -c {shlex.quote(probe)}'
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.pop(key, None)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == msk.env["MSK_BOOTSTRAP_SERVERS_SCRAM"]


def test_admin_identity_of_env_is_an_iam_user_allowed_everything(msk):
    iam = msk.boto("iam")
    arn = msk.boto("sts").get_caller_identity()["Arn"]
    assert arn.endswith(":user/mskctl-admin")
    policy = iam.get_user_policy(UserName="mskctl-admin", PolicyName="AdministratorAccess")
    assert policy["PolicyDocument"]["Statement"][0] == {"Effect": "Allow", "Action": "*", "Resource": "*"}
