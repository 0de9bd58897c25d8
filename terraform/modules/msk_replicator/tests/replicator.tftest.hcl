mock_provider "aws" {}

variables {
  name                      = "orders-dr"
  source_cluster_arn        = "arn:aws:kafka:eu-west-1:123456789012:cluster/primary/11111111-2222-3333-4444-555555555555-1"
  target_cluster_arn        = "arn:aws:kafka:eu-west-1:123456789012:cluster/secondary/66666666-7777-8888-9999-000000000000-2"
  source_subnet_ids         = ["subnet-0a000000000000001", "subnet-0a000000000000002", "subnet-0a000000000000003"]
  source_security_group_ids = ["sg-0a000000000000001"]
  target_subnet_ids         = ["subnet-0b000000000000001", "subnet-0b000000000000002"]
  target_security_group_ids = ["sg-0b000000000000001"]
  tags                      = { Team = "streaming" }
}

run "replicates_source_to_target_with_offsets" {
  command = plan

  assert {
    condition     = length(aws_msk_replicator.this.kafka_cluster) == 2
    error_message = "The replicator must name exactly two clusters."
  }

  assert {
    condition     = aws_msk_replicator.this.kafka_cluster[0].amazon_msk_cluster[0].msk_cluster_arn == var.source_cluster_arn && aws_msk_replicator.this.kafka_cluster[1].amazon_msk_cluster[0].msk_cluster_arn == var.target_cluster_arn
    error_message = "kafka_cluster blocks must be the source, then the target."
  }

  assert {
    condition     = aws_msk_replicator.this.kafka_cluster[0].vpc_config[0].subnet_ids == toset(var.source_subnet_ids) && aws_msk_replicator.this.kafka_cluster[1].vpc_config[0].security_groups_ids == toset(var.target_security_group_ids)
    error_message = "Each cluster must be reached through its own subnets and security groups."
  }

  assert {
    condition     = aws_msk_replicator.this.replication_info_list[0].source_kafka_cluster_arn == var.source_cluster_arn && aws_msk_replicator.this.replication_info_list[0].target_kafka_cluster_arn == var.target_cluster_arn
    error_message = "Replication must flow from the source to the target."
  }

  assert {
    condition     = aws_msk_replicator.this.replication_info_list[0].topic_replication[0].topics_to_replicate == toset([".*"])
    error_message = "All topics are replicated by default."
  }

  assert {
    condition = alltrue([
      aws_msk_replicator.this.replication_info_list[0].topic_replication[0].copy_topic_configurations,
      aws_msk_replicator.this.replication_info_list[0].topic_replication[0].copy_access_control_lists_for_topics,
      aws_msk_replicator.this.replication_info_list[0].topic_replication[0].detect_and_copy_new_topics,
    ])
    error_message = "Topic configurations, ACLs and new topics are copied by default."
  }

  assert {
    condition     = aws_msk_replicator.this.replication_info_list[0].topic_replication[0].starting_position[0].type == "LATEST"
    error_message = "Replication starts at LATEST by default."
  }

  assert {
    condition     = aws_msk_replicator.this.replication_info_list[0].consumer_group_replication[0].synchronise_consumer_group_offsets == true
    error_message = "Consumer group offsets are synchronised by default."
  }

  assert {
    condition     = aws_msk_replicator.this.replication_info_list[0].target_compression_type == "NONE"
    error_message = "Default target compression is NONE."
  }

  assert {
    condition     = aws_msk_replicator.this.tags["Team"] == "streaming"
    error_message = "Tags must reach the replicator."
  }
}

run "role_is_scoped_to_both_clusters" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_role.this[0].assume_role_policy).Statement[0].Principal.Service == "kafka.amazonaws.com"
    error_message = "The role must trust kafka.amazonaws.com."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "The trust policy must pin aws:SourceAccount (confused-deputy protection)."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "Clusters"][0] == [
      "arn:aws:kafka:eu-west-1:123456789012:cluster/primary/11111111-2222-3333-4444-555555555555-1",
      "arn:aws:kafka:eu-west-1:123456789012:cluster/secondary/66666666-7777-8888-9999-000000000000-2",
    ]
    error_message = "Cluster-level actions must name exactly the two clusters."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "Topics"][0] == [
      "arn:aws:kafka:eu-west-1:123456789012:topic/primary/11111111-2222-3333-4444-555555555555-1/*",
      "arn:aws:kafka:eu-west-1:123456789012:topic/secondary/66666666-7777-8888-9999-000000000000-2/*",
    ]
    error_message = "Topic actions must be scoped to the two clusters' topics."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "ConsumerGroups"][0] == [
      "arn:aws:kafka:eu-west-1:123456789012:group/primary/11111111-2222-3333-4444-555555555555-1/*",
      "arn:aws:kafka:eu-west-1:123456789012:group/secondary/66666666-7777-8888-9999-000000000000-2/*",
    ]
    error_message = "Group actions must be scoped to the two clusters' groups."
  }

  assert {
    condition = length(setsubtract(
      [
        "kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:AlterCluster",
        "kafka-cluster:DescribeTopic", "kafka-cluster:CreateTopic", "kafka-cluster:AlterTopic",
        "kafka-cluster:WriteData", "kafka-cluster:ReadData", "kafka-cluster:AlterGroup",
        "kafka-cluster:DescribeGroup", "kafka-cluster:DescribeTopicDynamicConfiguration",
        "kafka-cluster:AlterTopicDynamicConfiguration", "kafka-cluster:WriteDataIdempotently",
      ],
      flatten([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Action]),
    )) == 0
    error_message = "The role must hold every action MSK Replicator needs."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : !contains(flatten([s.Resource]), "*") && !contains(flatten([s.Action]), "kafka-cluster:*")])
    error_message = "No wildcard resource or action in the replicator's policy."
  }
}

run "logs_go_to_an_encrypted_log_group" {
  command = plan

  assert {
    condition     = aws_msk_replicator.this.log_delivery[0].replicator_log_delivery[0].cloudwatch_logs[0].enabled == true
    error_message = "Replicator logs must be delivered to CloudWatch."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].name == "/aws/msk-replicator/orders-dr" && aws_cloudwatch_log_group.this[0].retention_in_days == 30
    error_message = "The log group must be named after the replicator and keep 30 days."
  }

  assert {
    condition     = aws_kms_key.logs[0].enable_key_rotation == true
    error_message = "The log group's CMK must rotate."
  }

  assert {
    condition     = jsondecode(aws_kms_key.logs[0].policy).Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/msk-replicator/orders-dr"
    error_message = "CloudWatch Logs may use the key for this log group only."
  }
}

run "brings_its_own_role" {
  command = plan

  variables {
    service_execution_role_arn = "arn:aws:iam::123456789012:role/existing-replicator"
    enable_logging             = false
  }

  assert {
    condition     = length(aws_iam_role.this) == 0 && length(aws_iam_role_policy.this) == 0
    error_message = "No role is created when one is given."
  }

  assert {
    condition     = aws_msk_replicator.this.service_execution_role_arn == "arn:aws:iam::123456789012:role/existing-replicator"
    error_message = "The given role must be used."
  }

  assert {
    condition     = length(aws_kms_key.logs) == 0 && length(aws_msk_replicator.this.log_delivery) == 0
    error_message = "Logging off creates no key and no log delivery."
  }
}

run "identical_topic_names_for_migrations" {
  command = plan

  variables {
    topic_name_configuration = "IDENTICAL"
    topics_to_replicate      = ["orders", "payments\\..*"]
    starting_position        = "EARLIEST"
  }

  assert {
    condition     = aws_msk_replicator.this.replication_info_list[0].topic_replication[0].topic_name_configuration[0].type == "IDENTICAL"
    error_message = "topic_name_configuration must be passed through."
  }

  assert {
    condition     = aws_msk_replicator.this.replication_info_list[0].topic_replication[0].starting_position[0].type == "EARLIEST"
    error_message = "starting_position must be passed through."
  }
}

run "rejects_unknown_compression" {
  command = plan

  variables {
    target_compression_type = "BROTLI"
  }

  expect_failures = [var.target_compression_type]
}

run "rejects_a_non_cluster_arn" {
  command = plan

  variables {
    source_cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:topic/primary/uuid/orders"
  }

  expect_failures = [var.source_cluster_arn]
}

run "rejects_a_single_subnet" {
  command = plan

  variables {
    target_subnet_ids = ["subnet-0b000000000000001"]
  }

  expect_failures = [var.target_subnet_ids]
}

run "rejects_an_unknown_starting_position" {
  command = plan

  variables {
    starting_position = "NOW"
  }

  expect_failures = [var.starting_position]
}

run "rejects_replicating_a_cluster_onto_itself" {
  command = plan

  variables {
    target_cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/primary/11111111-2222-3333-4444-555555555555-1"
  }

  expect_failures = [aws_msk_replicator.this]
}
