# CloudWatch alarms with AWS's recommended thresholds for MSK standard brokers, an encrypted SNS
# topic they notify, and a dashboard of the metrics seed 004 watches (throughput and replication
# health) plus broker resources and consumer lag.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  name      = coalesce(var.name, var.cluster_name)
  namespace = "AWS/Kafka"
  t         = var.thresholds

  brokers = { for b in var.broker_ids : tostring(b) => b }
  groups  = { for c in var.consumer_groups : "${c.group}/${c.topic}" => c }

  topic_name = "${local.name}-msk-alarms"
  topic_arn  = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.topic_name}"

  create_kms_key = var.sns_kms_key_arn == null
  sns_kms_key    = local.create_kms_key ? aws_kms_key.sns[0].arn : var.sns_kms_key_arn

  # Cluster-wide sums of per-broker metrics as CloudWatch Metrics Insights queries: one query
  # covers every broker, including brokers added later, with no per-alarm metric limit.
  broker_schema = "SCHEMA(\"${local.namespace}\", \"Broker ID\", \"Cluster Name\")"
  cluster_where = "WHERE \"Cluster Name\" = '${var.cluster_name}'"

  cluster_sum_alarms = {
    "under-replicated-partitions" = {
      metric      = "UnderReplicatedPartitions"
      operator    = "GreaterThanThreshold"
      threshold   = local.t.under_replicated_partitions
      description = "Partitions with fewer in-sync replicas than the replication factor (cluster sum > ${local.t.under_replicated_partitions}): a broker is down, slow or out of disk."
    }
    "under-min-isr-partitions" = {
      metric      = "UnderMinIsrPartitionCount"
      operator    = "GreaterThanOrEqualToThreshold"
      threshold   = local.t.under_min_isr_partitions
      description = "Partitions below min.insync.replicas (cluster sum >= ${local.t.under_min_isr_partitions}): producers with acks=all are failing."
    }
    "iam-too-many-connections" = {
      metric      = "IAMTooManyConnections"
      operator    = "GreaterThanThreshold"
      threshold   = local.t.iam_too_many_connections
      description = "IAM connection attempts above the broker limit (cluster sum > ${local.t.iam_too_many_connections}): clients reconnect too often or the broker type is too small."
    }
  }

  alarm_names = concat(
    [for b in keys(local.brokers) : "${local.name}-broker-${b}-cpu"],
    [for b in keys(local.brokers) : "${local.name}-broker-${b}-disk-used"],
    [for b in keys(local.brokers) : "${local.name}-broker-${b}-heap-after-gc"],
    [for k in keys(local.cluster_sum_alarms) : "${local.name}-${k}"],
    ["${local.name}-offline-partitions", "${local.name}-active-controller"],
    [for k in keys(local.groups) : "${local.name}-lag-${replace(k, "/", "-")}"],
  )
  alarm_arns = [for n in local.alarm_names : "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${n}"]
}

################################################################################
# SNS topic (KMS-encrypted) and optional e-mail subscription
################################################################################

resource "aws_kms_key" "sns" {
  count = local.create_kms_key ? 1 : 0

  description             = "${local.name}: MSK alarm notifications"
  enable_key_rotation     = true
  deletion_window_in_days = 30
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
        # CloudWatch publishes alarm notifications to the encrypted topic with this key.
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })

  tags = merge(var.tags, { Name = "${local.name}-msk-alarms" })
}

resource "aws_kms_alias" "sns" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${local.name}-msk-alarms"
  target_key_id = aws_kms_key.sns[0].key_id
}

resource "aws_sns_topic" "alarms" {
  name              = local.topic_name
  kms_master_key_id = local.sns_kms_key

  tags = merge(var.tags, { Name = local.topic_name })
}

resource "aws_sns_topic_policy" "alarms" {
  arn = aws_sns_topic.alarms.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountManages"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action = [
          "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
          "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish",
        ]
        Resource = local.topic_arn
      },
      {
        Sid       = "CloudWatchAlarmsOfThisAccountPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = local.topic_arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*" }
        }
      },
      {
        Sid       = "DenyPublishWithoutTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = local.topic_arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

################################################################################
# Per-broker alarms: CPU (user + system), data-log disk, heap after GC
################################################################################

resource "aws_cloudwatch_metric_alarm" "cpu" {
  for_each = local.brokers

  alarm_name          = "${local.name}-broker-${each.key}-cpu"
  alarm_description   = "Broker ${each.key} of ${var.cluster_name}: CpuUser + CpuSystem above ${local.t.cpu_percent} % for 5 periods (AWS recommends headroom for broker failover and maintenance)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.cpu_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "cpu"
    expression  = "user + system"
    label       = "CpuUser + CpuSystem (broker ${each.key})"
    return_data = true
  }

  metric_query {
    id = "user"
    metric {
      namespace   = local.namespace
      metric_name = "CpuUser"
      period      = var.period_seconds
      stat        = "Average"
      dimensions  = { "Cluster Name" = var.cluster_name, "Broker ID" = each.key }
    }
  }

  metric_query {
    id = "system"
    metric {
      namespace   = local.namespace
      metric_name = "CpuSystem"
      period      = var.period_seconds
      stat        = "Average"
      dimensions  = { "Cluster Name" = var.cluster_name, "Broker ID" = each.key }
    }
  }

  tags = merge(var.tags, { Name = "${local.name}-broker-${each.key}-cpu" })
}

resource "aws_cloudwatch_metric_alarm" "disk_used" {
  for_each = local.brokers

  alarm_name          = "${local.name}-broker-${each.key}-disk-used"
  alarm_description   = "Broker ${each.key} of ${var.cluster_name}: KafkaDataLogsDiskUsed above ${local.t.disk_used_percent} %: expand storage, shorten retention or rebalance."
  namespace           = local.namespace
  metric_name         = "KafkaDataLogsDiskUsed"
  dimensions          = { "Cluster Name" = var.cluster_name, "Broker ID" = each.key }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.disk_used_percent
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = merge(var.tags, { Name = "${local.name}-broker-${each.key}-disk-used" })
}

resource "aws_cloudwatch_metric_alarm" "heap_after_gc" {
  for_each = local.brokers

  alarm_name          = "${local.name}-broker-${each.key}-heap-after-gc"
  alarm_description   = "Broker ${each.key} of ${var.cluster_name}: HeapMemoryAfterGC above ${local.t.heap_after_gc_percent} %: too many partitions or connections for the broker size."
  namespace           = local.namespace
  metric_name         = "HeapMemoryAfterGC"
  dimensions          = { "Cluster Name" = var.cluster_name, "Broker ID" = each.key }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.heap_after_gc_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = merge(var.tags, { Name = "${local.name}-broker-${each.key}-heap-after-gc" })
}

################################################################################
# Cluster-level alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "cluster_sum" {
  for_each = local.cluster_sum_alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = "${var.cluster_name}: ${each.value.description}"
  comparison_operator = each.value.operator
  threshold           = each.value.threshold
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "q1"
    expression  = "SELECT SUM(${each.value.metric}) FROM ${local.broker_schema} ${local.cluster_where}"
    label       = "${each.value.metric} (sum over brokers)"
    period      = var.period_seconds
    return_data = true
  }

  tags = merge(var.tags, { Name = "${local.name}-${each.key}" })
}

resource "aws_cloudwatch_metric_alarm" "offline_partitions" {
  alarm_name          = "${local.name}-offline-partitions"
  alarm_description   = "${var.cluster_name}: OfflinePartitionsCount above ${local.t.offline_partitions}: partitions without a leader are unavailable to producers and consumers."
  namespace           = local.namespace
  metric_name         = "OfflinePartitionsCount"
  dimensions          = { "Cluster Name" = var.cluster_name }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.offline_partitions
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = merge(var.tags, { Name = "${local.name}-offline-partitions" })
}

resource "aws_cloudwatch_metric_alarm" "active_controller" {
  alarm_name          = "${local.name}-active-controller"
  alarm_description   = "${var.cluster_name}: ActiveControllerCount (sum over the reporting nodes) below ${local.t.active_controllers_min}: the cluster has no active controller and cannot change metadata."
  namespace           = local.namespace
  metric_name         = "ActiveControllerCount"
  dimensions          = { "Cluster Name" = var.cluster_name }
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "LessThanThreshold"
  threshold           = local.t.active_controllers_min
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  # No data is not "no controller": KRaft clusters report controller metrics from the
  # controller quorum, which can be absent from a metric stream for a while.
  treat_missing_data = "missing"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]

  tags = merge(var.tags, { Name = "${local.name}-active-controller" })
}

resource "aws_cloudwatch_metric_alarm" "consumer_lag" {
  for_each = local.groups

  alarm_name          = "${local.name}-lag-${replace(each.key, "/", "-")}"
  alarm_description   = "${var.cluster_name}: consumer group ${each.value.group} is more than ${each.value.max_offset_lag} messages behind on ${each.value.topic} (MaxOffsetLag)."
  namespace           = local.namespace
  metric_name         = "MaxOffsetLag"
  dimensions          = { "Cluster Name" = var.cluster_name, "Consumer Group" = each.value.group, "Topic" = each.value.topic }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.max_offset_lag
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = merge(var.tags, { Name = "${local.name}-lag-${replace(each.key, "/", "-")}" })
}

################################################################################
# Dashboard
################################################################################

locals {
  broker_ids_sorted = [for b in sort([for b in var.broker_ids : format("%05d", b)]) : tostring(tonumber(b))]

  per_broker = { for m in ["BytesInPerSec", "BytesOutPerSec", "MessagesInPerSec", "UnderReplicatedPartitions", "UnderMinIsrPartitionCount", "KafkaDataLogsDiskUsed", "HeapMemoryAfterGC", "ConnectionCount"] :
    m => [for b in local.broker_ids_sorted : [local.namespace, m, "Cluster Name", var.cluster_name, "Broker ID", b, { label = "broker ${b}" }]]
  }

  # One expression per broker (user + system) over two hidden metrics; concat, not flatten, keeps
  # each metric array intact.
  cpu_metrics = concat([for i, b in local.broker_ids_sorted : [
    [{ expression = "u${i} + s${i}", label = "broker ${b}", id = "e${i}" }],
    [local.namespace, "CpuUser", "Cluster Name", var.cluster_name, "Broker ID", b, { id = "u${i}", visible = false }],
    [local.namespace, "CpuSystem", "Cluster Name", var.cluster_name, "Broker ID", b, { id = "s${i}", visible = false }],
  ]]...)

  lag_metrics = [for k, c in local.groups : [local.namespace, "MaxOffsetLag", "Cluster Name", var.cluster_name, "Consumer Group", c.group, "Topic", c.topic, { label = k }]]

  widget_defaults = { region = local.region, view = "timeSeries", period = var.period_seconds }

  widgets = concat(
    [
      { type = "text", x = 0, y = 0, width = 24, height = 1, properties = { markdown = "## MSK cluster ${var.cluster_name}: throughput, replication health, broker resources, consumer lag" } },
      { type = "metric", x = 0, y = 1, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "BytesInPerSec", stat = "Average", metrics = local.per_broker["BytesInPerSec"] }) },
      { type = "metric", x = 8, y = 1, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "BytesOutPerSec", stat = "Average", metrics = local.per_broker["BytesOutPerSec"] }) },
      { type = "metric", x = 16, y = 1, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "MessagesInPerSec", stat = "Average", metrics = local.per_broker["MessagesInPerSec"] }) },
      { type = "metric", x = 0, y = 7, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "UnderReplicatedPartitions", stat = "Maximum", metrics = local.per_broker["UnderReplicatedPartitions"] }) },
      { type = "metric", x = 8, y = 7, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "UnderMinIsrPartitionCount", stat = "Maximum", metrics = local.per_broker["UnderMinIsrPartitionCount"] }) },
      { type = "metric", x = 16, y = 7, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "OfflinePartitionsCount / ActiveControllerCount", stat = "Maximum", metrics = [
        [local.namespace, "OfflinePartitionsCount", "Cluster Name", var.cluster_name, { stat = "Maximum" }],
        [local.namespace, "ActiveControllerCount", "Cluster Name", var.cluster_name, { stat = "Sum" }],
      ] }) },
      { type = "metric", x = 0, y = 13, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "CPU user + system (%)", metrics = local.cpu_metrics, yAxis = { left = { min = 0, max = 100 } }, annotations = { horizontal = [{ value = local.t.cpu_percent, label = "alarm" }] } }) },
      { type = "metric", x = 8, y = 13, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "KafkaDataLogsDiskUsed (%)", stat = "Maximum", metrics = local.per_broker["KafkaDataLogsDiskUsed"], yAxis = { left = { min = 0, max = 100 } }, annotations = { horizontal = [{ value = local.t.disk_used_percent, label = "alarm" }] } }) },
      { type = "metric", x = 16, y = 13, width = 8, height = 6, properties = merge(local.widget_defaults, { title = "HeapMemoryAfterGC (%)", stat = "Maximum", metrics = local.per_broker["HeapMemoryAfterGC"], yAxis = { left = { min = 0, max = 100 } }, annotations = { horizontal = [{ value = local.t.heap_after_gc_percent, label = "alarm" }] } }) },
      { type = "metric", x = 0, y = 19, width = 12, height = 6, properties = merge(local.widget_defaults, { title = "ConnectionCount", stat = "Average", metrics = local.per_broker["ConnectionCount"] }) },
      { type = "alarm", x = 12, y = 19, width = 12, height = 6, properties = { title = "Alarms", alarms = local.alarm_arns } },
    ],
    length(local.lag_metrics) == 0 ? [] : [
      { type = "metric", x = 0, y = 25, width = 24, height = 6, properties = merge(local.widget_defaults, { title = "MaxOffsetLag per consumer group and topic", stat = "Maximum", metrics = local.lag_metrics }) },
    ],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${local.name}-msk"
  dashboard_body = jsonencode({ widgets = local.widgets })
}
