# MSK Connect: the Confluent S3 sink as a managed connector (seed 000, component 7).
# The workers authenticate to the cluster with IAM over TLS; the only credentials are the
# service execution role's, scoped to the cluster's ARNs and to the sink bucket.

locals {
  # arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>: the connector, its role, key and log
  # group live in the cluster's account and region; no data source needed.
  cluster_arn_parts = split(":", var.cluster_arn)
  partition         = local.cluster_arn_parts[1]
  region            = local.cluster_arn_parts[3]
  account_id        = local.cluster_arn_parts[4]

  topic_arn_prefix = replace(var.cluster_arn, ":cluster/", ":topic/")
  group_arn_prefix = replace(var.cluster_arn, ":cluster/", ":group/")

  create_key    = var.kms_key_arn == null
  kms_key_arn   = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  create_bucket = var.s3_bucket_name == null

  bucket_name = local.create_bucket ? aws_s3_bucket.this[0].id : var.s3_bucket_name
  bucket_arn  = "arn:${local.partition}:s3:::${local.bucket_name}"
  # The key objects are encrypted with: ours for our bucket, the given one (if any) otherwise.
  s3_kms_key_arn = local.create_bucket ? local.kms_key_arn : var.s3_kms_key_arn
  # Known at plan time even when the key is created in the same run.
  s3_sse_kms = local.create_bucket || var.s3_kms_key_arn != null
  s3_region  = coalesce(var.s3_region, local.region)

  log_group_name = "/aws/mskconnect/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  # Kafka Connect's consumer group for a sink connector is connect-<connector name>.
  consumer_group = "connect-${var.name}"

  worker_properties = join("\n", [
    "key.converter=${var.key_converter}",
    "value.converter=${var.value_converter}",
    "value.converter.schemas.enable=${var.value_converter_schemas_enable}",
    "",
  ])

  connector_configuration = merge(
    {
      "connector.class"         = "io.confluent.connect.s3.S3SinkConnector"
      "tasks.max"               = tostring(var.tasks_max)
      "topics"                  = join(",", var.topics)
      "s3.bucket.name"          = local.bucket_name
      "s3.region"               = local.s3_region
      "topics.dir"              = var.topics_dir
      "flush.size"              = tostring(var.flush_size)
      "storage.class"           = "io.confluent.connect.s3.storage.S3Storage"
      "format.class"            = "io.confluent.connect.s3.format.json.JsonFormat"
      "partitioner.class"       = var.partitioner_class
      "schema.compatibility"    = "NONE"
      "behavior.on.null.values" = "ignore"
    },
    local.s3_sse_kms ? {
      # Ask S3 for SSE-KMS with the bucket's key explicitly (the bucket policy denies anything else).
      "s3.ssea.name"      = "aws:kms"
      "s3.sse.kms.key.id" = local.s3_kms_key_arn
    } : {},
    var.connector_configuration_overrides,
  )

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "MskConnectAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "kafkaconnect.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused-deputy protection: only this account's connector of this name.
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:kafkaconnect:${local.region}:${local.account_id}:connector/${var.name}/*" }
      }
    }]
  })

  role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ConnectToTheCluster"
          Effect   = "Allow"
          Action   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
          Resource = [var.cluster_arn]
        },
        {
          Sid      = "ReadTheSinkTopics"
          Effect   = "Allow"
          Action   = ["kafka-cluster:ReadData", "kafka-cluster:DescribeTopic"]
          Resource = [for t in var.topics : "${local.topic_arn_prefix}/${t}"]
        },
        {
          # Kafka Connect's internal topics (offsets, configs, status) that MSK Connect names
          # __amazon_msk_connect_*: the workers create, read and write them.
          Sid      = "ConnectInternalTopics"
          Effect   = "Allow"
          Action   = ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData"]
          Resource = ["${local.topic_arn_prefix}/__amazon_msk_connect_*"]
        },
        {
          Sid    = "ConnectorConsumerGroups"
          Effect = "Allow"
          Action = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
          Resource = [
            "${local.group_arn_prefix}/${local.consumer_group}",
            "${local.group_arn_prefix}/__amazon_msk_connect_*",
          ]
        },
        {
          Sid      = "SinkBucket"
          Effect   = "Allow"
          Action   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
          Resource = [local.bucket_arn]
        },
        {
          Sid      = "SinkObjects"
          Effect   = "Allow"
          Action   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
          Resource = ["${local.bucket_arn}/${var.topics_dir}/*"]
        },
      ],
      local.s3_sse_kms ? [
        {
          Sid       = "SinkObjectsKmsThroughS3Only"
          Effect    = "Allow"
          Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
          Resource  = [local.s3_kms_key_arn]
          Condition = { StringEquals = { "kms:ViaService" = "s3.${local.s3_region}.amazonaws.com" } }
        },
      ] : [],
    )
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
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn }
        }
      },
    ]
  })

  bucket_policy = local.create_bucket ? jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.this[0].arn, "${aws_s3_bucket.this[0].arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        # Uploads that ask for another encryption than SSE-KMS are refused; uploads that ask for
        # none get the bucket's default (SSE-KMS with the CMK).
        Sid       = "DenyNonKmsEncryption"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.this[0].arn}/*"
        Condition = {
          Null            = { "s3:x-amz-server-side-encryption" = "false" }
          StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
        }
      },
      {
        Sid       = "DenyOtherKmsKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.this[0].arn}/*"
        Condition = {
          Null            = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "false" }
          StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = local.kms_key_arn }
        }
      },
    ]
  }) : null
}

################################################################################
# KMS key (log group and created bucket)
################################################################################

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "MSK Connect ${var.name}: worker logs and sink bucket"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.key_policy

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_key ? 1 : 0

  name          = "alias/mskconnect/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Sink bucket (when s3_bucket_name is null)
################################################################################

resource "aws_s3_bucket" "this" {
  count = local.create_bucket ? 1 : 0

  #checkov:skip=CKV_AWS_144:Cross-region replication is a DR choice per environment; sink data can be re-exported from Kafka.
  #checkov:skip=CKV2_AWS_62:Event notifications are an integration choice (none is needed to store the sink's output).
  bucket_prefix = "${substr(var.name, 0, 31)}-sink-"
  force_destroy = var.bucket_force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = local.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = local.create_bucket && var.bucket_access_log_bucket != null ? 1 : 0

  bucket        = aws_s3_bucket.this[0].id
  target_bucket = var.bucket_access_log_bucket
  target_prefix = "s3-access/${var.name}/"
}

resource "aws_s3_bucket_policy" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = local.bucket_policy

  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# Service execution role
################################################################################

resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 30)}-connect-"
  description        = "MSK Connect ${var.name}: reads its topics over IAM, writes the sink bucket"
  assume_role_policy = local.assume_role_policy

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "mskconnect-s3-sink"
  role   = aws_iam_role.this.id
  policy = local.role_policy
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is a cost/compliance input (log_retention_days, 30 days by default per the module contract; up to 3653 allowed). Operational logs, not an audit trail (CloudTrail is).
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags
}

################################################################################
# Plugin, worker configuration, connector
################################################################################

resource "aws_mskconnect_custom_plugin" "this" {
  name         = "${var.name}-s3-sink"
  description  = "Confluent S3 sink connector (${var.plugin_file_key})"
  content_type = "ZIP"

  location {
    s3 {
      bucket_arn     = var.plugin_bucket_arn
      file_key       = var.plugin_file_key
      object_version = var.plugin_object_version
    }
  }

  tags = var.tags
}

resource "aws_mskconnect_worker_configuration" "this" {
  name        = "${var.name}-worker"
  description = "Converters for ${var.name} (no credentials: the workers use IAM)"

  properties_file_content = base64encode(local.worker_properties)

  tags = var.tags
}

resource "aws_mskconnect_connector" "this" {
  name                       = var.name
  description                = "S3 sink of ${join(", ", var.topics)}"
  kafkaconnect_version       = var.kafkaconnect_version
  service_execution_role_arn = aws_iam_role.this.arn
  connector_configuration    = local.connector_configuration

  kafka_cluster {
    apache_kafka_cluster {
      bootstrap_servers = var.cluster_bootstrap_brokers_sasl_iam

      vpc {
        subnets         = var.subnet_ids
        security_groups = var.security_group_ids
      }
    }
  }

  kafka_cluster_client_authentication {
    authentication_type = "IAM"
  }

  kafka_cluster_encryption_in_transit {
    encryption_type = "TLS"
  }

  capacity {
    autoscaling {
      mcu_count        = var.mcu_count
      min_worker_count = var.min_workers
      max_worker_count = var.max_workers

      scale_in_policy {
        cpu_utilization_percentage = var.scale_in_cpu_percentage
      }

      scale_out_policy {
        cpu_utilization_percentage = var.scale_out_cpu_percentage
      }
    }
  }

  plugin {
    custom_plugin {
      arn      = aws_mskconnect_custom_plugin.this.arn
      revision = aws_mskconnect_custom_plugin.this.latest_revision
    }
  }

  worker_configuration {
    arn      = aws_mskconnect_worker_configuration.this.arn
    revision = aws_mskconnect_worker_configuration.this.latest_revision
  }

  log_delivery {
    worker_log_delivery {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.this.name
      }

      dynamic "s3" {
        for_each = var.log_s3_bucket == null ? [] : [var.log_s3_bucket]

        content {
          enabled = true
          bucket  = s3.value
          prefix  = var.log_s3_prefix
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.min_workers <= var.max_workers
      error_message = "min_workers must not exceed max_workers."
    }

    precondition {
      condition     = var.scale_in_cpu_percentage < var.scale_out_cpu_percentage
      error_message = "scale_in_cpu_percentage must be below scale_out_cpu_percentage, or the connector would flap."
    }
  }

  # Permissions and the bucket's guard rails exist before the first task starts.
  depends_on = [
    aws_iam_role_policy.this,
    aws_s3_bucket_policy.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
  ]
}
