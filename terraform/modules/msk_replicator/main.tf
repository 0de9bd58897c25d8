# MSK Replicator: asynchronous, managed replication of topics, topic configurations, ACLs and
# consumer-group offsets from one MSK cluster to another. It is the AWS analog of Confluent
# Cluster Linking (seed 003): a mirror of selected topics on the consuming cluster, the producing
# cluster sees one extra consumer.

locals {
  # The replicator, its role and its log group live in the target cluster's account and region;
  # reading them from the ARN keeps the module free of data sources.
  target_arn_parts = split(":", var.target_cluster_arn)
  partition        = local.target_arn_parts[1]
  region           = local.target_arn_parts[3]
  account_id       = local.target_arn_parts[4]

  create_role = var.service_execution_role_arn == null
  create_key  = var.enable_logging && var.kms_key_arn == null
  role_arn    = local.create_role ? aws_iam_role.this[0].arn : var.service_execution_role_arn
  kms_key_arn = local.create_key ? aws_kms_key.logs[0].arn : var.kms_key_arn

  log_group_name = "/aws/msk-replicator/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  # arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> -> topic/<name>/<uuid>/* and group/<name>/<uuid>/*
  cluster_arns = [var.source_cluster_arn, var.target_cluster_arn]
  topic_arns   = [for arn in local.cluster_arns : "${replace(arn, ":cluster/", ":topic/")}/*"]
  group_arns   = [for arn in local.cluster_arns : "${replace(arn, ":cluster/", ":group/")}/*"]

  # Each action on the resource type MSK evaluates it against ("Semantics of IAM authorization
  # policy actions and resources"), on the two clusters only.
  cluster_actions = [
    "kafka-cluster:Connect",
    "kafka-cluster:DescribeCluster",
    "kafka-cluster:AlterCluster",
    "kafka-cluster:WriteDataIdempotently",
  ]
  topic_actions = [
    "kafka-cluster:DescribeTopic",
    "kafka-cluster:CreateTopic",
    "kafka-cluster:AlterTopic",
    "kafka-cluster:WriteData",
    "kafka-cluster:ReadData",
    "kafka-cluster:DescribeTopicDynamicConfiguration",
    "kafka-cluster:AlterTopicDynamicConfiguration",
  ]
  group_actions = [
    "kafka-cluster:AlterGroup",
    "kafka-cluster:DescribeGroup",
  ]

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "MskReplicatorAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "kafka.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused-deputy protection: only MSK acting for this account may assume the role.
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Clusters"
        Effect   = "Allow"
        Action   = local.cluster_actions
        Resource = local.cluster_arns
      },
      {
        Sid      = "Topics"
        Effect   = "Allow"
        Action   = local.topic_actions
        Resource = local.topic_arns
      },
      {
        Sid      = "ConsumerGroups"
        Effect   = "Allow"
        Action   = local.group_actions
        Resource = local.group_arns
      },
    ]
  })

  key_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsForThisLogGroupOnly"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn }
        }
      },
    ]
  })
}

################################################################################
# Service execution role
################################################################################

resource "aws_iam_role" "this" {
  count = local.create_role ? 1 : 0

  name_prefix        = "${substr(var.name, 0, 32)}-replicator-"
  description        = "MSK Replicator ${var.name}: reads the source cluster, writes the target cluster"
  assume_role_policy = local.assume_role_policy

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = local.create_role ? 1 : 0

  name   = "msk-replicator"
  role   = aws_iam_role.this[0].id
  policy = local.role_policy
}

################################################################################
# Logs (KMS-encrypted CloudWatch log group)
################################################################################

resource "aws_kms_key" "logs" {
  count = local.create_key ? 1 : 0

  description             = "MSK Replicator ${var.name} log group"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.key_policy

  tags = var.tags
}

resource "aws_kms_alias" "logs" {
  count = local.create_key ? 1 : 0

  name          = "alias/msk-replicator/${var.name}"
  target_key_id = aws_kms_key.logs[0].key_id
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is a cost/compliance input (log_retention_days, 30 days by default per the module contract; up to 3653 allowed). Operational logs, not an audit trail (CloudTrail is).
  count = var.enable_logging ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags
}

################################################################################
# Replicator
################################################################################

resource "aws_msk_replicator" "this" {
  replicator_name            = var.name
  description                = var.description
  service_execution_role_arn = local.role_arn

  # Exactly two clusters: the source first, then the target.
  kafka_cluster {
    amazon_msk_cluster {
      msk_cluster_arn = var.source_cluster_arn
    }

    vpc_config {
      subnet_ids          = var.source_subnet_ids
      security_groups_ids = var.source_security_group_ids
    }
  }

  kafka_cluster {
    amazon_msk_cluster {
      msk_cluster_arn = var.target_cluster_arn
    }

    vpc_config {
      subnet_ids          = var.target_subnet_ids
      security_groups_ids = var.target_security_group_ids
    }
  }

  replication_info_list {
    source_kafka_cluster_arn = var.source_cluster_arn
    target_kafka_cluster_arn = var.target_cluster_arn
    target_compression_type  = var.target_compression_type

    topic_replication {
      topics_to_replicate                  = var.topics_to_replicate
      topics_to_exclude                    = length(var.topics_to_exclude) > 0 ? var.topics_to_exclude : null
      copy_topic_configurations            = var.copy_topic_configurations
      copy_access_control_lists_for_topics = var.copy_access_control_lists_for_topics
      detect_and_copy_new_topics           = var.detect_and_copy_new_topics

      starting_position {
        type = var.starting_position
      }

      topic_name_configuration {
        type = var.topic_name_configuration
      }
    }

    consumer_group_replication {
      consumer_groups_to_replicate        = var.consumer_groups_to_replicate
      consumer_groups_to_exclude          = length(var.consumer_groups_to_exclude) > 0 ? var.consumer_groups_to_exclude : null
      detect_and_copy_new_consumer_groups = var.detect_and_copy_new_consumer_groups
      synchronise_consumer_group_offsets  = var.synchronise_consumer_group_offsets
    }
  }

  dynamic "log_delivery" {
    for_each = var.enable_logging ? [1] : []

    content {
      replicator_log_delivery {
        cloudwatch_logs {
          enabled   = true
          log_group = aws_cloudwatch_log_group.this[0].name
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.source_cluster_arn != var.target_cluster_arn
      error_message = "source_cluster_arn and target_cluster_arn must be two different clusters."
    }
  }

  # The role's permissions must exist before MSK validates the replicator against both clusters.
  depends_on = [aws_iam_role_policy.this]
}
