"""The rule catalogue and the checklist items of seeds 002 and 004 they cover.

One table, so that SARIF rule metadata, ``--controls`` and the docs all say the same thing. Rule ids are
stable (suppressions and baselines name them); the same rule is checked in every layer that can see it,
so the controls matrix shows, per checklist item, what Terraform, the AWS API and the brokers say.
Mappings to other tools name the check that looks at the same property, from their public catalogues:
Security Hub CSPM controls, checkov (3.x) and Prowler (v4/v5).
"""

from __future__ import annotations

from mskctl.audit.model import Layer, Rule, Severity

T, A, L = Layer.terraform, Layer.aws, Layer.live

# Checklist items: seed 002's "Security Audit Checklist" (numbered as there) and seed 004's steps (4.x)
# and best practices (5.x).
CHECKLIST: dict[str, str] = {
    "002.1": "TLS encryption enabled for client-broker and inter-broker traffic",
    "002.2": "Encryption at rest with customer-managed KMS key",
    "002.3": "IAM or SASL/SCRAM authentication enabled",
    "002.4": "Plaintext listeners disabled",
    "002.5": "ACLs configured for all topics (if using SCRAM)",
    "002.6": "Security groups restrict access to known clients only",
    "002.7": "Public access disabled",
    "002.8": "CloudTrail logging enabled for API calls",
    "002.9": "Broker logs shipped to CloudWatch",
    "002.10": "Secrets Manager used for SCRAM credentials (not hardcoded)",
    "004.step1": "TLS for encryption in transit; clients use SSL or SASL_SSL",
    "004.step2": "Encryption at rest with KMS; key usage audited in CloudTrail",
    "004.step3": "IAM access control with policies per role",
    "004.step4": "SASL/SCRAM credentials for clients",
    "004.step5": "Broker logs and CloudTrail for auditing",
    "004.step6": "Monitoring of key metrics with alarms",
    "004.bp1": "TLS and authentication together",
    "004.bp2": "Least-privilege access",
    "004.bp3": "Credentials rotated regularly",
    "004.bp5": "Access logs and security metrics reviewed",
}


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


RULES: dict[str, Rule] = _rules(
    # ---- encryption ------------------------------------------------------------------------------------
    Rule("client-broker-plaintext", "Clients can connect without TLS", Severity.high, (T, A, L),
         ("002.1", "002.4", "004.step1", "004.bp1"),
         "Set encryption_info.encryption_in_transit.client_broker = \"TLS\" (MSK then opens no plaintext "
         "listener on 9092).",
         checkov=("CKV_AWS_81",), prowler=("kafka_cluster_in_transit_encryption_enabled",),
         help="With TLS_PLAINTEXT or PLAINTEXT, brokers also listen in clear text: records and SCRAM "
              "handshakes cross the network readable."),
    Rule("in-cluster-encryption-off", "Traffic between brokers is not encrypted", Severity.high, (T, A),
         ("002.1", "004.step1"),
         "Set encryption_info.encryption_in_transit.in_cluster = true (it can only be set at creation).",
         security_hub=("MSK.1",), checkov=("CKV_AWS_81",), prowler=("kafka_cluster_in_transit_encryption_enabled",),
         help="Replication traffic carries every record; without in-cluster TLS it is readable inside the VPC."),
    Rule("at-rest-without-cmk", "Data at rest is not encrypted with a customer-managed KMS key", Severity.medium,
         (T, A), ("002.2", "004.step2"),
         "Set encryption_info.encryption_at_rest_kms_key_arn to a customer-managed aws_kms_key.",
         checkov=("CKV_AWS_81",), prowler=("kafka_cluster_encryption_at_rest_uses_cmk",),
         help="The AWS-managed key cannot be restricted, rotated on your schedule or revoked."),
    Rule("kms-rotation-off", "KMS key rotation is off", Severity.medium, (T, A), ("002.2", "004.step2"),
         "Set enable_key_rotation = true on the aws_kms_key.",
         security_hub=("KMS.4",), checkov=("CKV_AWS_7",), prowler=("kms_cmk_rotation_enabled",)),
    # ---- authentication ----------------------------------------------------------------------------------
    Rule("unauthenticated-access", "Unauthenticated clients are allowed", Severity.critical, (T, A),
         ("002.3", "004.bp1"),
         "Set client_authentication.unauthenticated = false and use IAM (sasl.iam) or SCRAM (sasl.scram).",
         security_hub=("MSK.6",), prowler=("kafka_cluster_unrestricted_access_disabled",)),
    Rule("no-authentication", "No client authentication is enabled", Severity.critical, (T, A),
         ("002.3", "004.step3", "004.step4", "004.bp1"),
         "Add a client_authentication block with sasl { iam = true } (or scram = true, or tls).",
         prowler=()),
    Rule("public-access", "Brokers are reachable from the internet", Severity.high, (T, A), ("002.7",),
         "Set broker_node_group_info.connectivity_info.public_access.type = \"DISABLED\".",
         security_hub=("MSK.4",), checkov=("CKV_AWS_291",), prowler=("kafka_cluster_is_public",)),
    Rule("kafka-version-unsupported", "The Kafka version is one MSK no longer supports", Severity.medium,
         (T, A), ("004.bp5",),
         "Upgrade kafka_version to a supported version (3.8.x or later; see `aws kafka list-kafka-versions`).",
         prowler=("kafka_cluster_uses_latest_version",)),
    # ---- network ------------------------------------------------------------------------------------------
    Rule("security-group-open", "A security group admits the whole internet to the brokers", Severity.high,
         (T, A), ("002.6",),
         "Replace 0.0.0.0/0 and ::/0 with the clients' security group or CIDR.",
         checkov=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"),
         prowler=("ec2_securitygroup_allow_ingress_from_internet_to_any_port",
                  "ec2_securitygroup_allow_ingress_from_internet_to_all_ports")),
    Rule("security-group-plaintext-port", "A security group opens a plaintext Kafka or ZooKeeper port",
         Severity.high, (T, A), ("002.4", "002.6"),
         "Remove ingress to 9092 (plaintext) and 2181 (ZooKeeper); open only 9094/9096/9098 to known clients.",
         prowler=("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092",)),
    # ---- logging and monitoring -----------------------------------------------------------------------------
    Rule("broker-logs-off", "Broker logs are not delivered anywhere", Severity.medium, (T, A),
         ("002.9", "004.step5", "004.bp5"),
         "Add logging_info.broker_logs.cloudwatch_logs { enabled = true, log_group = ... }.",
         checkov=("CKV_AWS_80",)),
    Rule("enhanced-monitoring-low", "Enhanced monitoring is below PER_TOPIC_PER_BROKER", Severity.low, (T, A),
         ("004.step6",),
         "Set enhanced_monitoring = \"PER_TOPIC_PER_BROKER\" (or PER_TOPIC_PER_PARTITION).",
         security_hub=("MSK.2",), prowler=("kafka_cluster_enhanced_monitoring_enabled",)),
    Rule("open-monitoring-off", "Open monitoring with Prometheus is off", Severity.low, (T, A), ("004.step6",),
         "Add open_monitoring.prometheus { jmx_exporter { enabled_in_broker = true } "
         "node_exporter { enabled_in_broker = true } }."),
    Rule("cloudtrail-off", "No CloudTrail trail is logging the account's API calls", Severity.medium, (A,),
         ("002.8", "004.step2", "004.step5", "004.bp5"),
         "Create a multi-region aws_cloudtrail trail and start logging.",
         security_hub=("CloudTrail.1",), prowler=("cloudtrail_multi_region_enabled",)),
    # ---- broker configuration (server properties) -------------------------------------------------------------
    Rule("allow-everyone-if-no-acl", "Any authenticated client may use resources without ACLs", Severity.high,
         (T, A, L), ("002.5", "004.bp2"),
         "Set allow.everyone.if.no.acl.found=false in the cluster configuration's server_properties.",
         help="MSK's default is true: with SCRAM or mTLS, every topic without ACLs is open to every user. A "
              "cluster without a configuration (configuration_info), or whose configuration leaves the key out, "
              "runs with that default."),
    Rule("auto-create-topics", "Topics are created on first use", Severity.low, (T, A, L), ("002.5",),
         "Set auto.create.topics.enable=false; create topics as code (mskctl apply)."),
    Rule("unclean-leader-election", "Unclean leader election can lose acknowledged records", Severity.medium,
         (T, A, L), ("004.bp5",), "Set unclean.leader.election.enable=false."),
    Rule("min-insync-replicas-low", "min.insync.replicas is below 2", Severity.medium, (T, A, L), ("004.bp5",),
         "Set min.insync.replicas=2 (with replication factor 3)."),
    Rule("replication-factor-low", "Replication factor is below 3", Severity.medium, (T, A, L), ("004.bp5",),
         "Set default.replication.factor=3; recreate or reassign topics with fewer replicas."),
    Rule("super-users-extra", "Principals other than the brokers are super users", Severity.high, (L,),
         ("002.5", "004.bp2"),
         "Remove them from super.users; grant what they need with ACLs or IAM policies."),
    # ---- Kafka ACLs ----------------------------------------------------------------------------------------
    Rule("topic-without-acls", "A topic has no ACLs while SCRAM or mTLS is enabled", Severity.medium, (L,),
         ("002.5",), "Grant its producers and consumers with ACLs (mskctl apply -f access.yaml)."),
    Rule("acl-all-operations", "An ACL allows ALL operations", Severity.high, (L,), ("002.5", "004.bp2"),
         "Replace it with the operations needed (READ, WRITE, DESCRIBE)."),
    Rule("acl-any-principal", "An ACL allows every principal (User:*)", Severity.high, (L,), ("002.5", "004.bp2"),
         "Name the principals; remove the User:* ACL."),
    Rule("acl-wildcard-resource", "An ACL applies to every topic or group (*)", Severity.medium, (L,),
         ("002.5", "004.bp2"), "Use literal names or prefixes instead of *."),
    # ---- SCRAM secrets ------------------------------------------------------------------------------------------
    Rule("scram-secret-name", "A SCRAM secret's name does not start with AmazonMSK_", Severity.medium, (T, A),
         ("002.10", "004.step4"),
         "Name it AmazonMSK_<name>: MSK refuses to associate other secrets."),
    Rule("scram-secret-default-key", "A SCRAM secret uses the default Secrets Manager key", Severity.high,
         (T, A), ("002.10", "002.2"),
         "Set kms_key_id to a customer-managed aws_kms_key: MSK cannot read secrets under aws/secretsmanager.",
         checkov=("CKV_AWS_149",), prowler=("secretsmanager_using_cmk",)),
    Rule("scram-secret-not-rotated", "A SCRAM secret has no rotation", Severity.low, (A,), ("004.bp3",),
         "Rotate it (mskctl access rotate-scram, or a Secrets Manager rotation schedule).",
         checkov=("CKV2_AWS_57",),
         prowler=("secretsmanager_automatic_rotation_enabled", "secretsmanager_secret_rotated_periodically")),
    Rule("scram-password-in-code", "A SCRAM password is written in the code", Severity.high, (T,), ("002.10",),
         "Generate it (random_password or aws_secretsmanager_random_password) instead of a literal."),
    # ---- IAM ----------------------------------------------------------------------------------------------------
    Rule("iam-kafka-wildcard-action", "An IAM policy grants kafka-cluster:* (or kafka:*)", Severity.high, (T, A),
         ("004.bp2", "004.step3"),
         "List the kafka-cluster actions needed (mskctl access generates least-privilege policies).",
         checkov=("CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_1", "CKV_AWS_49"), prowler=()),
    Rule("iam-kafka-wildcard-resource", "An IAM policy grants kafka-cluster actions on every resource (*)",
         Severity.medium, (T, A), ("004.bp2", "004.step3"),
         "Scope Resource to the cluster, topic and group ARNs.", checkov=("CKV_AWS_355", "CKV_AWS_356")),
    # ---- MSK Connect ---------------------------------------------------------------------------------------------
    Rule("connect-no-tls", "An MSK Connect connector reaches the cluster without TLS", Severity.high, (T, A),
         ("002.1", "004.step1"),
         "Set kafka_cluster_encryption_in_transit.encryption_type = \"TLS\".",
         security_hub=("MSK.3",), prowler=("kafka_connector_in_transit_encryption_enabled",)),
    Rule("connect-no-auth", "An MSK Connect connector authenticates with nothing", Severity.high, (T, A),
         ("002.3",), "Set kafka_cluster_client_authentication.authentication_type = \"IAM\"."),
    Rule("connect-no-logs", "An MSK Connect connector delivers no logs", Severity.medium, (T, A),
         ("002.9", "004.step5"),
         "Add log_delivery.worker_log_delivery.cloudwatch_logs { enabled = true, log_group = ... }.",
         security_hub=("MSK.5",)),
    # ---- the suppressions themselves -------------------------------------------------------------------------------
    Rule("suppression-without-reason", "A suppression gives no reason", Severity.medium, (Layer.baseline, T),
         ("004.bp5",), "Say why the finding is accepted: `# mskctl:ignore <rule> <reason>`."),
    Rule("suppression-expired", "A baseline entry has expired", Severity.medium, (Layer.baseline,), ("004.bp5",),
         "Fix the finding, or renew the entry with a new expiry date and reason."),
    Rule("suppression-unknown-rule", "A suppression names a rule that does not exist", Severity.low,
         (Layer.baseline, T), ("004.bp5",), "Use a rule id from `mskctl audit --rules`."),
)


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
