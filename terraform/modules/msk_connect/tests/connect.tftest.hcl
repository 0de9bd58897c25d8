mock_provider "aws" {}

variables {
  name                               = "orders-s3-sink"
  cluster_arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/dev-msk/11111111-2222-3333-4444-555555555555-1"
  cluster_bootstrap_brokers_sasl_iam = "b-1.dev-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.dev-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"
  subnet_ids                         = ["subnet-0a000000000000001", "subnet-0a000000000000002"]
  security_group_ids                 = ["sg-0a000000000000001"]
  topics                             = ["orders", "payments"]
  plugin_bucket_arn                  = "arn:aws:s3:::example-connect-plugins"
  plugin_file_key                    = "confluentinc-kafka-connect-s3-10.6.0.zip"
  tags                               = { Team = "streaming" }
}

run "connector_uses_iam_over_tls" {
  command = plan

  assert {
    condition     = aws_mskconnect_connector.this.kafka_cluster_client_authentication[0].authentication_type == "IAM"
    error_message = "The connector must authenticate with IAM."
  }

  assert {
    condition     = aws_mskconnect_connector.this.kafka_cluster_encryption_in_transit[0].encryption_type == "TLS"
    error_message = "The connector must encrypt in transit (Security Hub MSK.3)."
  }

  assert {
    condition     = aws_mskconnect_connector.this.kafka_cluster[0].apache_kafka_cluster[0].bootstrap_servers == var.cluster_bootstrap_brokers_sasl_iam
    error_message = "The connector must use the IAM bootstrap string."
  }

  assert {
    condition     = aws_mskconnect_connector.this.kafkaconnect_version == "3.7.x"
    error_message = "Kafka Connect 3.7.x by default."
  }
}

run "connector_is_the_confluent_s3_sink" {
  command = plan

  assert {
    condition     = aws_mskconnect_connector.this.connector_configuration["connector.class"] == "io.confluent.connect.s3.S3SinkConnector"
    error_message = "The connector must be the Confluent S3 sink."
  }

  assert {
    condition     = aws_mskconnect_connector.this.connector_configuration["topics"] == "orders,payments"
    error_message = "topics must list the sink's topics."
  }

  assert {
    condition     = aws_mskconnect_connector.this.connector_configuration["s3.bucket.name"] == aws_s3_bucket.this[0].id && aws_mskconnect_connector.this.connector_configuration["s3.region"] == "eu-west-1"
    error_message = "The sink must write to the created bucket in the cluster's region."
  }

  assert {
    condition = alltrue([
      aws_mskconnect_connector.this.connector_configuration["format.class"] == "io.confluent.connect.s3.format.json.JsonFormat",
      aws_mskconnect_connector.this.connector_configuration["storage.class"] == "io.confluent.connect.s3.storage.S3Storage",
      aws_mskconnect_connector.this.connector_configuration["partitioner.class"] == "io.confluent.connect.storage.partitioner.DefaultPartitioner",
      aws_mskconnect_connector.this.connector_configuration["flush.size"] == "1000",
      aws_mskconnect_connector.this.connector_configuration["tasks.max"] == "2",
    ])
    error_message = "JSON format, S3 storage, default partitioner, flush.size 1000, tasks.max 2 by default."
  }

  assert {
    condition     = aws_mskconnect_connector.this.connector_configuration["s3.ssea.name"] == "aws:kms"
    error_message = "The sink must request SSE-KMS."
  }

  assert {
    condition     = aws_mskconnect_custom_plugin.this.content_type == "ZIP" && aws_mskconnect_custom_plugin.this.location[0].s3[0].file_key == var.plugin_file_key && aws_mskconnect_custom_plugin.this.location[0].s3[0].bucket_arn == var.plugin_bucket_arn
    error_message = "The custom plugin must be the ZIP in the plugin bucket."
  }

  assert {
    condition     = strcontains(base64decode(aws_mskconnect_worker_configuration.this.properties_file_content), "value.converter=org.apache.kafka.connect.json.JsonConverter")
    error_message = "The worker configuration must set the converters."
  }

  assert {
    condition     = !can(regex("(?i)(password|secret|jaas)", base64decode(aws_mskconnect_worker_configuration.this.properties_file_content)))
    error_message = "The worker configuration must carry no credentials."
  }
}

run "autoscaling_capacity" {
  command = plan

  assert {
    condition = alltrue([
      aws_mskconnect_connector.this.capacity[0].autoscaling[0].mcu_count == 1,
      aws_mskconnect_connector.this.capacity[0].autoscaling[0].min_worker_count == 1,
      aws_mskconnect_connector.this.capacity[0].autoscaling[0].max_worker_count == 2,
      aws_mskconnect_connector.this.capacity[0].autoscaling[0].scale_in_policy[0].cpu_utilization_percentage == 20,
      aws_mskconnect_connector.this.capacity[0].autoscaling[0].scale_out_policy[0].cpu_utilization_percentage == 80,
    ])
    error_message = "Autoscaling 1 MCU, 1-2 workers, scale in < 20 %, out > 80 % by default."
  }
}

run "logs_go_to_an_encrypted_log_group" {
  command = plan

  assert {
    condition     = aws_mskconnect_connector.this.log_delivery[0].worker_log_delivery[0].cloudwatch_logs[0].enabled == true
    error_message = "Worker logs must be delivered to CloudWatch (Security Hub MSK.5)."
  }

  assert {
    condition     = aws_mskconnect_connector.this.log_delivery[0].worker_log_delivery[0].cloudwatch_logs[0].log_group == "/aws/mskconnect/orders-s3-sink"
    error_message = "Worker logs must go to the connector's log group."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == aws_kms_key.this[0].arn && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The log group must be encrypted with the CMK and keep 30 days."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation == true
    error_message = "The CMK must rotate."
  }

  assert {
    condition     = length(aws_mskconnect_connector.this.log_delivery[0].worker_log_delivery[0].s3) == 0
    error_message = "S3 log delivery is off unless log_s3_bucket is set."
  }
}

run "created_bucket_is_encrypted_and_private" {
  command = plan

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "The bucket must default to SSE-KMS."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.this[0].arn
    error_message = "The bucket must use the module's CMK."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this[0].block_public_acls,
      aws_s3_bucket_public_access_block.this[0].block_public_policy,
      aws_s3_bucket_public_access_block.this[0].ignore_public_acls,
      aws_s3_bucket_public_access_block.this[0].restrict_public_buckets,
    ])
    error_message = "All four public access blocks must be on."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this[0].versioning_configuration[0].status == "Enabled"
    error_message = "The bucket must be versioned."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this[0].rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.this[0].policy).Statement : s.Condition.Bool["aws:SecureTransport"] if s.Sid == "DenyInsecureTransport"][0] == "false"
    error_message = "The bucket policy must deny requests without TLS."
  }

  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.this[0].policy).Statement : s.Effect if s.Sid == "DenyNonKmsEncryption"][0] == "Deny"
    error_message = "The bucket policy must deny uploads asking for non-KMS encryption."
  }

  assert {
    condition     = aws_s3_bucket.this[0].force_destroy == false
    error_message = "The sink bucket must not be force-destroyed by default."
  }
}

run "role_is_scoped_to_the_cluster_and_bucket" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "kafkaconnect.amazonaws.com"
    error_message = "The role must trust kafkaconnect.amazonaws.com."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:kafkaconnect:eu-west-1:123456789012:connector/orders-s3-sink/*"
    error_message = "The trust policy must be limited to this connector (confused-deputy protection)."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ConnectToTheCluster"][0] == [var.cluster_arn]
    error_message = "Connect/DescribeCluster must be on the cluster ARN only."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ReadTheSinkTopics"][0] == [
      "arn:aws:kafka:eu-west-1:123456789012:topic/dev-msk/11111111-2222-3333-4444-555555555555-1/orders",
      "arn:aws:kafka:eu-west-1:123456789012:topic/dev-msk/11111111-2222-3333-4444-555555555555-1/payments",
    ]
    error_message = "ReadData must be on the sink's topics only."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ConnectInternalTopics"][0] == ["arn:aws:kafka:eu-west-1:123456789012:topic/dev-msk/11111111-2222-3333-4444-555555555555-1/__amazon_msk_connect_*"]
    error_message = "WriteData/CreateTopic must be on the connector's internal topics only."
  }

  assert {
    condition     = contains([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ConnectorConsumerGroups"][0], "arn:aws:kafka:eu-west-1:123456789012:group/dev-msk/11111111-2222-3333-4444-555555555555-1/connect-orders-s3-sink")
    error_message = "The connector's consumer group connect-<name> must be allowed."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "SinkObjects"][0] == ["arn:aws:s3:::${aws_s3_bucket.this[0].id}/topics/*"]
    error_message = "S3 object actions must be on the sink bucket's topics.dir only."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : !contains(flatten([s.Resource]), "*") && !anytrue([for a in flatten([s.Action]) : endswith(a, ":*")])])
    error_message = "No wildcard resource or action in the connector's policy."
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Action if s.Sid == "ReadTheSinkTopics"]), "kafka-cluster:WriteData")
    error_message = "The sink may not write to the topics it reads."
  }
}

run "existing_bucket_creates_no_bucket" {
  command = plan

  variables {
    s3_bucket_name = "existing-data-lake"
    log_s3_bucket  = "existing-log-archive"
  }

  assert {
    condition     = length(aws_s3_bucket.this) == 0 && length(aws_s3_bucket_policy.this) == 0
    error_message = "No bucket is created when s3_bucket_name is given."
  }

  assert {
    condition     = aws_mskconnect_connector.this.connector_configuration["s3.bucket.name"] == "existing-data-lake"
    error_message = "The sink must write to the given bucket."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "SinkBucket"][0] == ["arn:aws:s3:::existing-data-lake"]
    error_message = "S3 permissions must follow the given bucket."
  }

  assert {
    condition     = aws_mskconnect_connector.this.log_delivery[0].worker_log_delivery[0].s3[0].bucket == "existing-log-archive" && aws_mskconnect_connector.this.log_delivery[0].worker_log_delivery[0].s3[0].enabled
    error_message = "S3 log delivery must be on when log_s3_bucket is set."
  }
}

run "rejects_plaintext_bootstrap" {
  command = plan

  variables {
    cluster_bootstrap_brokers_sasl_iam = "b-1.dev-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9092"
  }

  expect_failures = [var.cluster_bootstrap_brokers_sasl_iam]
}

run "rejects_an_invalid_mcu_count" {
  command = plan

  variables {
    mcu_count = 3
  }

  expect_failures = [var.mcu_count]
}

run "rejects_credentials_in_the_connector_configuration" {
  command = plan

  variables {
    connector_configuration_overrides = { "aws.secret.access.key" = "AKIA..." }
  }

  expect_failures = [var.connector_configuration_overrides]
}

run "rejects_an_unsupported_connect_version" {
  command = plan

  variables {
    kafkaconnect_version = "3.9.0"
  }

  expect_failures = [var.kafkaconnect_version]
}

run "rejects_min_workers_above_max_workers" {
  command = plan

  variables {
    min_workers = 4
    max_workers = 2
  }

  expect_failures = [aws_mskconnect_connector.this]
}

run "rejects_a_plugin_that_is_not_a_zip" {
  command = plan

  variables {
    plugin_file_key = "connector.jar"
  }

  expect_failures = [var.plugin_file_key]
}
