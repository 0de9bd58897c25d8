mock_provider "aws" {
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
}

override_resource {
  target = aws_kms_key.this
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

override_resource {
  target = aws_msk_cluster.this
  values = {
    arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2"
  }
}

override_resource {
  target = aws_msk_configuration.this
  values = {
    arn             = "arn:aws:kafka:eu-west-1:123456789012:configuration/orders-4-0-x/abcd"
    latest_revision = 1
  }
}

variables {
  name               = "orders"
  subnet_ids         = ["subnet-a", "subnet-b", "subnet-c"]
  security_group_ids = ["sg-brokers"]
  tags               = { Team = "platform" }
}

run "secure_by_default" {
  command = plan

  assert {
    condition     = aws_msk_cluster.this.kafka_version == "4.0.x" && aws_msk_cluster.this.number_of_broker_nodes == 3
    error_message = "Default: Kafka 4.0.x (KRaft), 3 brokers."
  }
  assert {
    condition     = aws_msk_cluster.this.encryption_info[0].encryption_in_transit[0].client_broker == "TLS"
    error_message = "Client-broker encryption must be TLS only."
  }
  assert {
    condition     = aws_msk_cluster.this.encryption_info[0].encryption_in_transit[0].in_cluster == true
    error_message = "In-cluster encryption must be on."
  }
  assert {
    condition     = aws_msk_cluster.this.encryption_info[0].encryption_at_rest_kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "Data at rest must use the module's CMK."
  }
  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation == true && aws_kms_alias.this[0].name == "alias/orders-msk"
    error_message = "The CMK must rotate and have an alias."
  }
  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].connectivity_info[0].public_access[0].type == "DISABLED"
    error_message = "Public access must be disabled."
  }
  assert {
    condition     = length(aws_msk_cluster.this.broker_node_group_info[0].connectivity_info[0].vpc_connectivity) == 0
    error_message = "Multi-VPC connectivity is off unless asked for."
  }
  assert {
    condition     = aws_msk_cluster.this.client_authentication[0].unauthenticated == false
    error_message = "Unauthenticated access must be off."
  }
  assert {
    condition     = aws_msk_cluster.this.client_authentication[0].sasl[0].iam == true && aws_msk_cluster.this.client_authentication[0].sasl[0].scram == true && length(aws_msk_cluster.this.client_authentication[0].tls) == 0
    error_message = "IAM and SCRAM on, mTLS off by default."
  }
  assert {
    condition     = aws_msk_cluster.this.logging_info[0].broker_logs[0].cloudwatch_logs[0].enabled == true && aws_msk_cluster.this.logging_info[0].broker_logs[0].cloudwatch_logs[0].log_group == "/aws/msk/orders"
    error_message = "Broker logs must go to CloudWatch."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The broker log group is encrypted with the CMK and kept 30 days."
  }
  assert {
    condition     = aws_msk_cluster.this.enhanced_monitoring == "PER_TOPIC_PER_BROKER"
    error_message = "Enhanced monitoring defaults to PER_TOPIC_PER_BROKER (Security Hub MSK.2)."
  }
  assert {
    condition     = aws_msk_cluster.this.open_monitoring[0].prometheus[0].jmx_exporter[0].enabled_in_broker && aws_msk_cluster.this.open_monitoring[0].prometheus[0].node_exporter[0].enabled_in_broker
    error_message = "Open monitoring exporters must be on."
  }
  assert {
    condition     = aws_msk_cluster.this.tags["Team"] == "platform" && aws_kms_key.this[0].tags["Team"] == "platform"
    error_message = "tags must be merged into every resource."
  }
}

run "configuration_has_hardened_defaults" {
  command = plan

  assert {
    condition     = strcontains(aws_msk_configuration.this.server_properties, "default.replication.factor = 3")
    error_message = "RF 3 by default."
  }
  assert {
    condition     = strcontains(aws_msk_configuration.this.server_properties, "min.insync.replicas = 2")
    error_message = "min.insync.replicas 2 by default."
  }
  assert {
    condition     = strcontains(aws_msk_configuration.this.server_properties, "allow.everyone.if.no.acl.found = false")
    error_message = "Resources without ACLs must be denied."
  }
  assert {
    condition     = strcontains(aws_msk_configuration.this.server_properties, "auto.create.topics.enable = false") && strcontains(aws_msk_configuration.this.server_properties, "unclean.leader.election.enable = false")
    error_message = "No auto-created topics, no unclean leader election."
  }
  assert {
    condition     = aws_msk_configuration.this.kafka_versions == toset(["4.0.x"]) && aws_msk_configuration.this.name == "orders-4-0-x"
    error_message = "The configuration targets the cluster's Kafka version."
  }
  assert {
    condition     = aws_msk_cluster.this.configuration_info[0].revision == 1
    error_message = "The cluster runs the module's configuration."
  }
}

run "server_properties_merge_over_defaults" {
  command = plan

  variables {
    server_properties = {
      "num.partitions"      = "12"
      "log.retention.hours" = "72"
    }
  }

  assert {
    condition     = output.server_properties["num.partitions"] == "12" && output.server_properties["log.retention.hours"] == "72" && output.server_properties["min.insync.replicas"] == "2"
    error_message = "Caller properties override defaults, the rest stay."
  }
}

run "two_brokers_get_rf2_min_isr1" {
  command = plan

  variables {
    subnet_ids    = ["subnet-a", "subnet-b"]
    broker_count  = 2
    instance_type = "kafka.t3.small"
  }

  assert {
    condition     = output.server_properties["default.replication.factor"] == "2" && output.server_properties["min.insync.replicas"] == "1"
    error_message = "A 2-broker cluster cannot hold RF 3."
  }
}

run "storage_autoscaling_without_drift" {
  command = plan

  assert {
    condition     = aws_appautoscaling_target.storage[0].scalable_dimension == "kafka:broker-storage:VolumeSize" && aws_appautoscaling_target.storage[0].max_capacity == 1000
    error_message = "Storage autoscales up to 1000 GiB."
  }
  assert {
    condition     = aws_appautoscaling_policy.storage[0].target_tracking_scaling_policy_configuration[0].target_value == 70 && aws_appautoscaling_policy.storage[0].target_tracking_scaling_policy_configuration[0].disable_scale_in
    error_message = "Target 70 % utilisation, never scale in."
  }
  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size == 100
    error_message = "Initial volume 100 GiB."
  }
}

run "storage_autoscaling_off" {
  command = plan

  variables {
    storage_autoscaling_max_size = 0
  }

  assert {
    condition     = length(aws_appautoscaling_target.storage) == 0 && length(aws_appautoscaling_policy.storage) == 0
    error_message = "0 turns storage autoscaling off."
  }
}

run "no_cluster_policy_by_default" {
  command = plan

  assert {
    condition     = length(aws_msk_cluster_policy.this) == 0
    error_message = "No cluster policy without principals."
  }
}

run "cluster_policy_is_least_privilege" {
  command = plan

  variables {
    cluster_policy_principal_arns = ["arn:aws:iam::210987654321:root"]
    multi_vpc_iam                 = true
  }

  assert {
    condition     = jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[0].Resource == "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2"
    error_message = "Connectivity actions on this cluster only."
  }
  assert {
    condition     = jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[1].Resource == "arn:aws:kafka:eu-west-1:123456789012:topic/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2/*" && jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[1].Action == ["kafka-cluster:DescribeTopic"]
    error_message = "Topics: describe only, on this cluster's topics."
  }
  assert {
    condition     = !contains(jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[0].Action, "kafka-cluster:WriteDataIdempotently")
    error_message = "No idempotent writes without WriteData."
  }
  assert {
    condition     = !anytrue([for s in jsondecode(aws_msk_cluster_policy.this[0].policy).Statement : contains(flatten([s.Action]), "kafka-cluster:*") || contains(flatten([s.Action]), "kafka:*")])
    error_message = "No wildcard actions."
  }
  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].connectivity_info[0].vpc_connectivity[0].client_authentication[0].sasl[0].iam == true
    error_message = "multi_vpc_iam turns on multi-VPC connectivity for IAM."
  }
}

# tests/iam_truth renders the cluster policy with each run's inputs and runs the flows they grant.
run "cluster_policy_write_access_covers_idempotent_producers" {
  command = plan

  variables {
    cluster_policy_principal_arns = ["arn:aws:iam::210987654321:root"]
    cluster_policy_topic_actions  = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
  }

  assert {
    condition     = contains(jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[0].Action, "kafka-cluster:WriteDataIdempotently") && jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[0].Resource == "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2"
    error_message = "WriteData comes with WriteDataIdempotently on the cluster: idempotent producers (mskctl produce) need it for InitProducerId."
  }
}

run "cluster_policy_read_access_covers_consumer_groups" {
  command = plan

  variables {
    cluster_policy_principal_arns = ["arn:aws:iam::210987654321:root"]
    cluster_policy_topic_actions  = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
    cluster_policy_group_actions  = ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
  }

  assert {
    condition     = jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[2].Action == ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"] && !contains(jsondecode(aws_msk_cluster_policy.this[0].policy).Statement[0].Action, "kafka-cluster:WriteDataIdempotently")
    error_message = "Reading grants the group actions asked for, and no write."
  }
}

run "own_kms_key_can_be_supplied" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_msk_cluster.this.encryption_info[0].encryption_at_rest_kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    error_message = "A given key replaces the module's CMK."
  }
}

run "optional_log_destinations" {
  command = plan

  variables {
    logs_s3_bucket       = "orders-broker-logs"
    logs_firehose_stream = "orders-logs"
  }

  assert {
    condition     = aws_msk_cluster.this.logging_info[0].broker_logs[0].s3[0].bucket == "orders-broker-logs" && aws_msk_cluster.this.logging_info[0].broker_logs[0].firehose[0].delivery_stream == "orders-logs"
    error_message = "S3 and Firehose log delivery are added on request."
  }
}

run "plaintext_without_opt_in_is_refused" {
  command = plan

  variables {
    client_broker_encryption = "TLS_PLAINTEXT"
  }

  expect_failures = [var.client_broker_encryption]
}

run "plaintext_with_opt_in_is_accepted" {
  command = plan

  variables {
    client_broker_encryption = "TLS_PLAINTEXT"
    allow_plaintext          = true
  }

  assert {
    condition     = aws_msk_cluster.this.encryption_info[0].encryption_in_transit[0].client_broker == "TLS_PLAINTEXT"
    error_message = "The opt-in allows TLS_PLAINTEXT."
  }
}

run "unknown_kafka_version_is_refused" {
  command = plan

  variables {
    kafka_version = "2.8.1"
  }

  expect_failures = [var.kafka_version]
}

run "zookeeper_era_version_is_refused" {
  command = plan

  variables {
    kafka_version = "3.7.x"
  }

  expect_failures = [var.kafka_version]
}

run "broker_count_must_match_the_azs" {
  command = plan

  variables {
    broker_count = 4
  }

  expect_failures = [var.broker_count]
}

run "no_authentication_is_refused" {
  command = plan

  variables {
    iam_auth   = false
    scram_auth = false
  }

  expect_failures = [var.allow_unauthenticated]
}

run "public_access_with_unauthenticated_is_refused" {
  command = plan

  variables {
    allow_unauthenticated = true
    allow_public_access   = true
  }

  expect_failures = [var.allow_public_access]
}

run "replication_factor_above_broker_count_is_refused" {
  command = plan

  variables {
    server_properties = { "default.replication.factor" = "4" }
  }

  expect_failures = [aws_msk_cluster.this]
}

run "unknown_enhanced_monitoring_level_is_refused" {
  command = plan

  variables {
    enhanced_monitoring = "EVERYTHING"
  }

  expect_failures = [var.enhanced_monitoring]
}
