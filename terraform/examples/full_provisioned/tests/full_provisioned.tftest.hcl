# Plans the example with its example.tfvars values against a mocked AWS provider and checks what
# its README promises, through the modules' outputs (a test of a root can read its modules'
# outputs, not their resources; each module's own suite checks its resources): no plaintext
# listener, only TLS ports opened, the hardened broker configuration, the cluster's own
# customer-managed key, broker logs, alarms and dashboard, AmazonMSK_ SCRAM secrets on their CMK,
# a client policy for exactly the example's topics and group, the sink's own encrypted bucket,
# and the outputs `mskctl config from-terraform` reads.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    }
  }
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }
  mock_data "aws_ssm_parameter" {
    defaults = {
      value          = "ami-0123456789abcdef0"
      insecure_value = "ami-0123456789abcdef0"
      type           = "String"
    }
  }
}

override_resource {
  target = module.msk_cluster.aws_msk_cluster.this
  values = {
    arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/mskctl-demo/0f0e0d0c-0b0a-0908-0706-050403020100-2"
  }
}

override_resource {
  target = module.msk_cluster.aws_kms_key.this
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

override_resource {
  target = module.scram_secrets.aws_kms_key.this
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    key_id = "99999999-8888-7777-6666-555555555555"
  }
}

override_resource {
  target = module.msk_connect.aws_kms_key.this
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/33333333-2222-3333-4444-555555555555"
    key_id = "33333333-2222-3333-4444-555555555555"
  }
}

override_resource {
  target = module.scram_secrets.aws_secretsmanager_secret.this
  values = {
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_legacy-billing-AbCdEf"
  }
}

# example.tfvars
variables {
  region      = "eu-west-1"
  name        = "mskctl-demo"
  environment = "demo"
  tags = {
    Owner = "platform-team"
  }
  cidr_block        = "10.20.0.0/16"
  az_count          = 3
  broker_count      = 3
  kafka_version     = "4.0.x"
  instance_type     = "kafka.m7g.large"
  ebs_volume_size   = 100
  scram_users       = ["legacy-billing"]
  topics            = ["orders", "payments"]
  consumer_groups   = ["orders-processor"]
  lag_alarms        = [{ group = "orders-processor", topic = "orders", max_offset_lag = 10000 }]
  alarm_email       = "kafka-oncall@example.com"
  sink_topics       = ["orders"]
  plugin_bucket_arn = "arn:aws:s3:::example-msk-connect-plugins"
  plugin_file_key   = "confluentinc-kafka-connect-s3-10.6.0.zip"
}

run "no_plaintext_listener_tls_ports_only" {
  command = plan

  assert {
    condition     = module.msk_cluster.bootstrap_brokers_plaintext == null
    error_message = "No plaintext listener (allow_plaintext stays false)."
  }
  assert {
    condition     = !contains(values(module.vpc.kafka_ports), 9092) && contains(values(module.vpc.kafka_ports), 9098) && contains(values(module.vpc.kafka_ports), 9096)
    error_message = "Clients reach the brokers on the TLS listeners (9098 IAM, 9096 SCRAM), never on plaintext 9092."
  }
  assert {
    condition     = length(module.vpc.private_subnet_ids) == 3 && length(module.vpc.azs) == 3
    error_message = "Brokers' subnets: three private subnets in three zones."
  }
}

run "hardened_brokers_with_their_own_cmk_and_logs" {
  command = plan

  assert {
    condition     = module.msk_cluster.server_properties["allow.everyone.if.no.acl.found"] == "false" && module.msk_cluster.server_properties["auto.create.topics.enable"] == "false"
    error_message = "The hardened broker configuration: no ACL means no access, no auto-created topics."
  }
  assert {
    condition     = module.msk_cluster.server_properties["min.insync.replicas"] == "2" && module.msk_cluster.server_properties["default.replication.factor"] == "3"
    error_message = "Three replicas, two in sync, for three brokers."
  }
  assert {
    condition     = module.msk_cluster.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "Data at rest is encrypted with the cluster's own customer-managed key."
  }
  assert {
    condition     = module.msk_cluster.log_group_name == "/aws/msk/mskctl-demo"
    error_message = "Broker logs go to CloudWatch Logs."
  }
  assert {
    condition     = length(module.msk_cluster.broker_ids) == 3 && module.msk_cluster.broker_ids[0] == 1
    error_message = "broker_count brokers."
  }
}

run "alarms_and_dashboard" {
  command = plan

  assert {
    condition     = length(module.monitoring.alarm_names) > 3 && anytrue([for n in module.monitoring.alarm_names : strcontains(n, "orders-processor")])
    error_message = "Per-broker alarms and the lag alarm of lag_alarms."
  }
  assert {
    condition     = output.dashboard_name != null && output.alarm_topic_arn != null
    error_message = "A dashboard, and an SNS topic for alarm_email."
  }
}

run "scram_secrets_for_msk_on_their_cmk" {
  command = plan

  assert {
    condition     = keys(module.scram_secrets.secret_names) == ["legacy-billing"] && module.scram_secrets.secret_names["legacy-billing"] == "AmazonMSK_legacy-billing"
    error_message = "One AmazonMSK_<user> secret per scram_users entry."
  }
  assert {
    condition     = module.scram_secrets.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    error_message = "The secrets use their module's customer-managed key (MSK refuses aws/secretsmanager)."
  }
  assert {
    condition     = keys(output.scram_secret_arns) == ["legacy-billing"] && output.scram_secret_arns["legacy-billing"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_legacy-billing-AbCdEf"
    error_message = "scram_secret_arns maps each user to its secret for mskctl."
  }
}

run "client_policy_names_exactly_the_example_topics_and_group" {
  command = plan

  assert {
    condition     = alltrue([for t in ["orders", "payments"] : strcontains(module.kafka_client.policy_json, "topic/mskctl-demo/0f0e0d0c-0b0a-0908-0706-050403020100-2/${t}")]) && strcontains(module.kafka_client.policy_json, "group/mskctl-demo/0f0e0d0c-0b0a-0908-0706-050403020100-2/orders-processor")
    error_message = "The client's IAM policy names the example's topics and consumer group."
  }
  assert {
    condition     = !strcontains(module.kafka_client.policy_json, "topic/mskctl-demo/0f0e0d0c-0b0a-0908-0706-050403020100-2/*\"")
    error_message = "No wildcard topic in the client's policy."
  }
}

run "sink_writes_to_its_own_encrypted_bucket" {
  command = plan

  assert {
    condition     = output.sink_bucket_name != null && module.msk_connect.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/33333333-2222-3333-4444-555555555555"
    error_message = "s3_bucket_name = null: the sink gets its own bucket, encrypted with the module's CMK."
  }
}

run "outputs_for_mskctl_config_from_terraform" {
  command = plan

  assert {
    condition     = output.cluster_name == "mskctl-demo" && output.region == "eu-west-1" && output.cluster_arn == "arn:aws:kafka:eu-west-1:123456789012:cluster/mskctl-demo/0f0e0d0c-0b0a-0908-0706-050403020100-2"
    error_message = "cluster_name, region and cluster_arn are outputs."
  }
  assert {
    condition     = output.bootstrap_brokers_sasl_iam == module.msk_cluster.bootstrap_brokers_sasl_iam && output.bootstrap_brokers_sasl_scram == module.msk_cluster.bootstrap_brokers_sasl_scram && output.bootstrap_brokers_tls == module.msk_cluster.bootstrap_brokers_tls
    error_message = "The bootstrap outputs are the cluster's."
  }
}
