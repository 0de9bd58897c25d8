"""The offline AWS schema generator on the real cdktn-provider-aws wheel (70 MB, downloaded by the
toolchain): `make iac-check` runs this file after fetching the wheel, so it never needs to skip."""

from __future__ import annotations

import os
from pathlib import Path

from tests.unit.test_offline_schema import OVERLAY, gen

REAL_WHEEL = Path(
    os.environ.get(
        "MSKCTL_CDKTN_WHEEL",
        Path.home() / ".cache/mskctl/cdktn/cdktn_provider_aws-25.8.1-py3-none-any.whl",
    )
)


def _tree(block: dict) -> dict:
    """{name: flags or nested tree} of a block, for readable assertions."""
    out: dict = {}
    for name, a in (block.get("attributes") or {}).items():
        out[name] = "".join(k[0] for k in ("required", "optional", "computed") if a.get(k))
    for name, bt in (block.get("block_types") or {}).items():
        out[name] = (bt["nesting_mode"], bt.get("min_items", 0), bt.get("max_items", 0), _tree(bt["block"]))
    return out


def test_real_wheel_msk_schema_matches_the_provider_docs():
    schema, dropped, applied = gen.generate(REAL_WHEEL, OVERLAY)
    counts = gen.count_schema(schema)
    assert counts["resources"] > 1500 and counts["data_sources"] > 600
    assert applied > 0
    # only the documented losses
    assert {d.split(":")[0] for d in dropped if "typed any" in d} == {
        "resource.aws_quicksight_analysis.definition",
        "resource.aws_quicksight_dashboard.definition",
        "resource.aws_quicksight_template.definition",
        "resource.aws_wafv2_rule_group.rule.statement",
        "resource.aws_wafv2_web_acl.rule.statement",
    }
    assert all("typed any" in d or "recursive" in d for d in dropped), dropped

    msk = _tree(schema["resource_schemas"]["aws_msk_cluster"]["block"])
    assert msk["cluster_name"] == msk["kafka_version"] == msk["number_of_broker_nodes"] == "r"
    assert msk["arn"] == msk["bootstrap_brokers_sasl_iam"] == msk["bootstrap_brokers_tls"] == "c"
    assert msk["enhanced_monitoring"] == "o" and msk["storage_mode"] == "oc"
    nesting, min_items, max_items, bngi = msk["broker_node_group_info"]
    assert (nesting, min_items, max_items) == ("list", 1, 1)
    assert bngi["client_subnets"] == bngi["instance_type"] == bngi["security_groups"] == "r"
    assert bngi["storage_info"][3]["ebs_storage_info"][3]["volume_size"] == "o"
    assert bngi["connectivity_info"][3]["public_access"][3]["type"] == "oc"
    auth = msk["client_authentication"]
    assert auth[:3] == ("list", 0, 1)
    assert set(auth[3]) == {"sasl", "tls", "unauthenticated"}
    assert set(auth[3]["sasl"][3]) == {"iam", "scram"}
    assert auth[3]["tls"][3] == {"certificate_authority_arns": "o"}
    enc = msk["encryption_info"][3]
    assert enc["encryption_at_rest_kms_key_arn"] == "oc"
    assert enc["encryption_in_transit"][3] == {"client_broker": "o", "in_cluster": "o"}
    prom = msk["open_monitoring"][3]["prometheus"]
    assert prom[:3] == ("list", 1, 1)
    assert prom[3]["jmx_exporter"][3] == prom[3]["node_exporter"][3] == {"enabled_in_broker": "r"}
    logs = msk["logging_info"][3]["broker_logs"]
    assert logs[:3] == ("list", 1, 1) and set(logs[3]) == {"cloudwatch_logs", "firehose", "s3"}
    assert msk["configuration_info"][3] == {"arn": "r", "revision": "r"}
    assert msk["timeouts"][0] == "single"

    res = schema["resource_schemas"]
    kafka_cluster = res["aws_msk_replicator"]["block"]["block_types"]["kafka_cluster"]
    assert (kafka_cluster["min_items"], kafka_cluster["max_items"]) == (2, 2)  # the overlay
    version = res["aws_secretsmanager_secret_version"]["block"]["attributes"]
    assert version["secret_string"]["sensitive"] is True
    assert version["secret_string_wo"]["write_only"] is True
    assert version["secret_string_wo_version"] == {"type": "number", "optional": True}
    # what modules/scram_secrets stores its passwords with: an ephemeral resource
    password = schema["ephemeral_resource_schemas"]["aws_secretsmanager_random_password"]["block"]["attributes"]
    assert password["random_password"].get("computed") and not password["random_password"].get("optional")
    assert password["password_length"].get("optional")
    # computed-only attributes the offline provider's negative fixtures set (it refuses them)
    replication = res["aws_msk_replicator"]["block"]["block_types"]["replication_info_list"]["block"]["attributes"]
    assert replication["source_kafka_cluster_alias"] == {"type": "string", "computed": True}
    for name in (
        "aws_msk_serverless_cluster",
        "aws_msk_configuration",
        "aws_msk_single_scram_secret_association",
        "aws_msk_cluster_policy",
        "aws_mskconnect_connector",
        "aws_glue_registry",
        "aws_appautoscaling_policy",
        "aws_vpc_security_group_ingress_rule",
    ):
        assert name in res, name
    for name in (
        "aws_caller_identity",
        "aws_region",
        "aws_partition",
        "aws_availability_zones",
        "aws_iam_policy_document",
        "aws_ami",
        "aws_ssm_parameter",
        "aws_kms_key",
        "aws_secretsmanager_random_password",
    ):
        assert name in schema["data_source_schemas"], name
    provider = schema["provider"]["block"]
    for name in (
        "region",
        "profile",
        "access_key",
        "secret_key",
        "allowed_account_ids",
        "skip_credentials_validation",
        "skip_requesting_account_id",
        "skip_metadata_api_check",
    ):
        assert name in provider["attributes"], name
    assert "tags" in provider["block_types"]["default_tags"]["block"]["attributes"]
    assert {"role_arn", "session_name"} <= set(provider["block_types"]["assume_role"]["block"]["attributes"])
