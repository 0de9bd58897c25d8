# A provisioned MSK cluster in KRaft mode, secure by default: TLS everywhere, a customer-managed
# key at rest, IAM and SCRAM authentication, no public access, hardened broker configuration,
# enhanced + open monitoring, broker logs, storage autoscaling that does not fight Terraform.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  create_kms_key = var.kms_key_arn == null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  log_group_name = "/aws/msk/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  # Replication that survives one broker (or one AZ) down: RF 3 and min.insync.replicas 2 on
  # three or more brokers. A 2-broker cluster (dev) cannot hold 3 replicas: RF 2 / minISR 1, as
  # MSK's own defaults for 2-AZ clusters.
  replication_factor = min(3, var.broker_count)
  min_insync         = local.replication_factor >= 3 ? 2 : 1

  default_server_properties = {
    "auto.create.topics.enable"                = "false"
    "default.replication.factor"               = tostring(local.replication_factor)
    "min.insync.replicas"                      = tostring(local.min_insync)
    "offsets.topic.replication.factor"         = tostring(local.replication_factor)
    "transaction.state.log.replication.factor" = tostring(local.replication_factor)
    "transaction.state.log.min.isr"            = tostring(local.min_insync)
    "unclean.leader.election.enable"           = "false"
    "allow.everyone.if.no.acl.found"           = "false"
    "num.partitions"                           = "3"
    "log.retention.hours"                      = "168"
    "num.replica.fetchers"                     = "2"
    "replica.lag.time.max.ms"                  = "30000"
    "socket.request.max.bytes"                 = "104857600"
  }
  server_properties = merge(local.default_server_properties, var.server_properties)
  # One "key = value" per line, sorted by key, so revisions only change when a value does.
  server_properties_text = join("\n", [for k in sort(keys(local.server_properties)) : "${k} = ${local.server_properties[k]}"])

  storage_autoscaling = var.storage_autoscaling_max_size > 0
  multi_vpc           = var.multi_vpc_iam || var.multi_vpc_scram
  topic_arn_pattern   = "${replace(aws_msk_cluster.this.arn, ":cluster/", ":topic/")}/*"
  group_arn_pattern   = "${replace(aws_msk_cluster.this.arn, ":cluster/", ":group/")}/*"
  # Idempotent producers (mskctl produce, every Kafka >= 3.0 client by default) start with
  # InitProducerId, which MSK IAM checks as WriteDataIdempotently on the cluster: granted with
  # WriteData only.
  cluster_policy_cluster_actions = concat(
    ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"],
    contains(var.cluster_policy_topic_actions, "kafka-cluster:WriteData") ? ["kafka-cluster:WriteDataIdempotently"] : [],
  )
}

################################################################################
# Encryption at rest: customer-managed key (also encrypts the broker log group)
################################################################################

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "${var.name}: MSK data volumes and broker logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  # MSK uses the key through grants it creates with the caller's IAM permissions, so the account
  # statement is enough for it; CloudWatch Logs needs its own statement, scoped to this log group.
  policy = jsonencode({
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
        Sid       = "CloudWatchLogsUsesForBrokerLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn } }
      },
    ]
  })

  tags = merge(var.tags, { Name = "${var.name}-msk" })
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.name}-msk"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Broker logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days input (module contract default 30 days: broker logs are operational, not audit, records; CloudTrail keeps the audit trail). Set 365 where policy requires.
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = merge(var.tags, { Name = local.log_group_name })
}

################################################################################
# Configuration: secure defaults, caller's properties merged over them
################################################################################

resource "aws_msk_configuration" "this" {
  # The name carries the Kafka version: a version change replaces the configuration, and
  # create_before_destroy needs the new one to exist (under another name) before the old goes.
  name           = "${var.name}-${replace(var.kafka_version, ".", "-")}"
  description    = "${var.name}: secure defaults (RF ${local.replication_factor}, min.insync.replicas ${local.min_insync}, no auto-create, no unclean election, deny without ACL)"
  kafka_versions = [var.kafka_version]

  server_properties = local.server_properties_text

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Cluster
################################################################################

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker_count
  enhanced_monitoring    = var.enhanced_monitoring

  broker_node_group_info {
    instance_type   = var.instance_type
    client_subnets  = var.subnet_ids
    security_groups = var.security_group_ids

    storage_info {
      ebs_storage_info {
        volume_size = var.ebs_volume_size

        dynamic "provisioned_throughput" {
          for_each = var.ebs_provisioned_throughput == null ? [] : [var.ebs_provisioned_throughput]
          content {
            enabled           = true
            volume_throughput = provisioned_throughput.value
          }
        }
      }
    }

    connectivity_info {
      public_access {
        type = var.allow_public_access ? "SERVICE_PROVIDED_EIPS" : "DISABLED"
      }

      dynamic "vpc_connectivity" {
        for_each = local.multi_vpc ? [1] : []
        content {
          client_authentication {
            tls = false
            sasl {
              iam   = var.multi_vpc_iam
              scram = var.multi_vpc_scram
            }
          }
        }
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = local.kms_key_arn

    encryption_in_transit {
      client_broker = var.client_broker_encryption
      in_cluster    = true
    }
  }

  client_authentication {
    unauthenticated = var.allow_unauthenticated

    sasl {
      iam   = var.iam_auth
      scram = var.scram_auth
    }

    dynamic "tls" {
      for_each = length(var.tls_auth_pca_arns) > 0 ? [1] : []
      content {
        certificate_authority_arns = var.tls_auth_pca_arns
      }
    }
  }

  open_monitoring {
    prometheus {
      jmx_exporter {
        enabled_in_broker = var.open_monitoring
      }
      node_exporter {
        enabled_in_broker = var.open_monitoring
      }
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.this.name
      }

      dynamic "s3" {
        for_each = var.logs_s3_bucket == null ? [] : [var.logs_s3_bucket]
        content {
          enabled = true
          bucket  = s3.value
          prefix  = var.logs_s3_prefix
        }
      }

      dynamic "firehose" {
        for_each = var.logs_firehose_stream == null ? [] : [var.logs_firehose_stream]
        content {
          enabled         = true
          delivery_stream = firehose.value
        }
      }
    }
  }

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    # Storage autoscaling grows volume_size outside Terraform; without this the next plan would
    # try to shrink it back (which MSK refuses) and every apply would fail or drift.
    ignore_changes = [broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size]

    precondition {
      condition     = tonumber(lookup(local.server_properties, "default.replication.factor", "3")) <= var.broker_count && tonumber(lookup(local.server_properties, "min.insync.replicas", "2")) < max(2, tonumber(lookup(local.server_properties, "default.replication.factor", "3")))
      error_message = "server_properties: default.replication.factor must not exceed broker_count, and min.insync.replicas must be below the replication factor (or writes stop when one broker restarts)."
    }
    precondition {
      condition     = !(var.allow_public_access || var.multi_vpc_scram) || lookup(local.server_properties, "allow.everyone.if.no.acl.found", "false") == "false"
      error_message = "Public access and multi-VPC SCRAM require allow.everyone.if.no.acl.found = false (MSK refuses otherwise); do not override it in server_properties."
    }
  }
}

################################################################################
# Storage autoscaling
################################################################################

resource "aws_appautoscaling_target" "storage" {
  count = local.storage_autoscaling ? 1 : 0

  service_namespace  = "kafka"
  scalable_dimension = "kafka:broker-storage:VolumeSize"
  resource_id        = aws_msk_cluster.this.arn
  min_capacity       = 1
  max_capacity       = var.storage_autoscaling_max_size

  tags = merge(var.tags, { Name = "${var.name}-storage" })
}

resource "aws_appautoscaling_policy" "storage" {
  count = local.storage_autoscaling ? 1 : 0

  name               = "${var.name}-broker-storage"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.storage[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.storage[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.storage[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value     = var.storage_autoscaling_target
    disable_scale_in = true # EBS volumes only grow

    predefined_metric_specification {
      predefined_metric_type = "KafkaBrokerStorageUtilization"
    }
  }
}

################################################################################
# Cluster policy (multi-VPC / cross-account access), least privilege
################################################################################

resource "aws_msk_cluster_policy" "this" {
  count = length(var.cluster_policy_principal_arns) > 0 ? 1 : 0

  cluster_arn = aws_msk_cluster.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "PrivateConnectivity"
        Effect    = "Allow"
        Principal = { AWS = var.cluster_policy_principal_arns }
        Action = concat([
          "kafka:CreateVpcConnection",
          "kafka:GetBootstrapBrokers",
          "kafka:DescribeCluster",
          "kafka:DescribeClusterV2",
        ], local.cluster_policy_cluster_actions)
        Resource = aws_msk_cluster.this.arn
      },
      {
        Sid       = "Topics"
        Effect    = "Allow"
        Principal = { AWS = var.cluster_policy_principal_arns }
        Action    = var.cluster_policy_topic_actions
        Resource  = local.topic_arn_pattern
      },
      {
        Sid       = "Groups"
        Effect    = "Allow"
        Principal = { AWS = var.cluster_policy_principal_arns }
        Action    = var.cluster_policy_group_actions
        Resource  = local.group_arn_pattern
      },
    ]
  })
}
