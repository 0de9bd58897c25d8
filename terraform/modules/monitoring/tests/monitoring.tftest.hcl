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
  target = aws_sns_topic.alarms
  values = { arn = "arn:aws:sns:eu-west-1:123456789012:orders-msk-alarms" }
}

override_resource {
  target = aws_kms_key.sns
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

variables {
  cluster_name = "orders"
  broker_ids   = [1, 2, 3]
  consumer_groups = [
    { group = "orders-app", topic = "orders", max_offset_lag = 10000 },
  ]
  alarm_email = "oncall@example.com"
  tags        = { Team = "platform" }
}

run "per_broker_alarms_use_aws_recommended_thresholds" {
  command = plan

  assert {
    condition     = sort(keys(aws_cloudwatch_metric_alarm.cpu)) == tolist(["1", "2", "3"]) && length(aws_cloudwatch_metric_alarm.disk_used) == 3 && length(aws_cloudwatch_metric_alarm.heap_after_gc) == 3
    error_message = "One CPU, disk and heap alarm per broker."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu["2"].threshold == 60 && aws_cloudwatch_metric_alarm.cpu["2"].comparison_operator == "GreaterThanThreshold"
    error_message = "CPU user + system > 60 %."
  }
  assert {
    condition = anytrue([for q in aws_cloudwatch_metric_alarm.cpu["2"].metric_query : q.expression == "user + system" && q.return_data == true]) && alltrue([
      for q in aws_cloudwatch_metric_alarm.cpu["2"].metric_query : q.id == "cpu" || (
        contains(["CpuUser", "CpuSystem"], q.metric[0].metric_name) && q.metric[0].namespace == "AWS/Kafka" && q.metric[0].dimensions == tomap({ "Cluster Name" = "orders", "Broker ID" = "2" })
      )
    ])
    error_message = "CPU is CpuUser + CpuSystem of AWS/Kafka for (Cluster Name, Broker ID)."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.disk_used["1"].metric_name == "KafkaDataLogsDiskUsed" && aws_cloudwatch_metric_alarm.disk_used["1"].threshold == 85 && aws_cloudwatch_metric_alarm.disk_used["1"].dimensions == tomap({ "Cluster Name" = "orders", "Broker ID" = "1" })
    error_message = "KafkaDataLogsDiskUsed > 85 per broker."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.heap_after_gc["3"].metric_name == "HeapMemoryAfterGC" && aws_cloudwatch_metric_alarm.heap_after_gc["3"].threshold == 60 && aws_cloudwatch_metric_alarm.heap_after_gc["3"].namespace == "AWS/Kafka"
    error_message = "HeapMemoryAfterGC > 60 per broker."
  }
}

run "cluster_alarms" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.cluster_sum["under-replicated-partitions"].threshold == 0 && aws_cloudwatch_metric_alarm.cluster_sum["under-replicated-partitions"].comparison_operator == "GreaterThanThreshold"
    error_message = "UnderReplicatedPartitions > 0."
  }
  assert {
    condition     = one(aws_cloudwatch_metric_alarm.cluster_sum["under-replicated-partitions"].metric_query).expression == "SELECT SUM(UnderReplicatedPartitions) FROM SCHEMA(\"AWS/Kafka\", \"Broker ID\", \"Cluster Name\") WHERE \"Cluster Name\" = 'orders'"
    error_message = "UnderReplicatedPartitions is summed over every broker of the cluster."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.cluster_sum["under-min-isr-partitions"].threshold == 1 && aws_cloudwatch_metric_alarm.cluster_sum["under-min-isr-partitions"].comparison_operator == "GreaterThanOrEqualToThreshold" && strcontains(one(aws_cloudwatch_metric_alarm.cluster_sum["under-min-isr-partitions"].metric_query).expression, "SUM(UnderMinIsrPartitionCount)")
    error_message = "UnderMinIsrPartitionCount >= 1."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.cluster_sum["iam-too-many-connections"].threshold == 0 && strcontains(one(aws_cloudwatch_metric_alarm.cluster_sum["iam-too-many-connections"].metric_query).expression, "SUM(IAMTooManyConnections)")
    error_message = "IAMTooManyConnections > 0."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.offline_partitions.metric_name == "OfflinePartitionsCount" && aws_cloudwatch_metric_alarm.offline_partitions.threshold == 0 && aws_cloudwatch_metric_alarm.offline_partitions.comparison_operator == "GreaterThanThreshold" && aws_cloudwatch_metric_alarm.offline_partitions.dimensions == tomap({ "Cluster Name" = "orders" })
    error_message = "OfflinePartitionsCount > 0 on the cluster dimension."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.active_controller.metric_name == "ActiveControllerCount" && aws_cloudwatch_metric_alarm.active_controller.statistic == "Sum" && aws_cloudwatch_metric_alarm.active_controller.comparison_operator == "LessThanThreshold" && aws_cloudwatch_metric_alarm.active_controller.threshold == 1
    error_message = "ActiveControllerCount (sum) < 1."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.consumer_lag["orders-app/orders"].metric_name == "MaxOffsetLag" && aws_cloudwatch_metric_alarm.consumer_lag["orders-app/orders"].threshold == 10000 && aws_cloudwatch_metric_alarm.consumer_lag["orders-app/orders"].dimensions == tomap({ "Cluster Name" = "orders", "Consumer Group" = "orders-app", "Topic" = "orders" })
    error_message = "MaxOffsetLag per (Consumer Group, Topic)."
  }
  assert {
    condition     = length(output.alarm_names) == 15
    error_message = "3 brokers x 3 + 3 sums + offline + controller + 1 lag = 15 alarms."
  }
}

run "alarms_notify_an_encrypted_topic" {
  command = plan

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" && aws_kms_key.sns[0].enable_key_rotation
    error_message = "The SNS topic is encrypted with a rotating CMK."
  }
  assert {
    condition     = alltrue([for a in values(aws_cloudwatch_metric_alarm.cpu) : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:orders-msk-alarms"])]) && aws_cloudwatch_metric_alarm.offline_partitions.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:orders-msk-alarms"])
    error_message = "Alarms notify the topic."
  }
  assert {
    condition     = aws_sns_topic_subscription.email[0].protocol == "email" && aws_sns_topic_subscription.email[0].endpoint == "oncall@example.com"
    error_message = "The e-mail address is subscribed."
  }
  assert {
    condition     = jsondecode(aws_sns_topic_policy.alarms.policy).Statement[1].Principal.Service == "cloudwatch.amazonaws.com" && jsondecode(aws_sns_topic_policy.alarms.policy).Statement[2].Effect == "Deny"
    error_message = "CloudWatch may publish; publishing without TLS is denied."
  }
}

run "dashboard_shows_seed_004_metrics" {
  command = plan

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "orders-msk"
    error_message = "Dashboard name."
  }
  assert {
    condition = alltrue([for m in ["BytesInPerSec", "BytesOutPerSec", "UnderReplicatedPartitions", "KafkaDataLogsDiskUsed", "HeapMemoryAfterGC", "MaxOffsetLag", "CpuUser", "OfflinePartitionsCount", "ActiveControllerCount"] :
      strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "\"${m}\"")
    ])
    error_message = "The dashboard graphs seed 004's metrics and the alarmed ones."
  }
  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 13
    error_message = "12 widgets plus the consumer-lag one."
  }
}

run "thresholds_can_be_tuned" {
  command = plan

  variables {
    thresholds  = { cpu_percent = 75 }
    alarm_email = null
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu["1"].threshold == 75 && aws_cloudwatch_metric_alarm.disk_used["1"].threshold == 85
    error_message = "One threshold changes, the others keep AWS's values."
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "No subscription without an address."
  }
}

run "broker_ids_start_at_one" {
  command = plan

  variables {
    broker_ids = [0, 1]
  }

  expect_failures = [var.broker_ids]
}
