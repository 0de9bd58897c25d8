output "sns_topic_arn" {
  description = "ARN of the (KMS-encrypted) SNS topic the alarms notify; subscribe on-call tooling to it."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of every alarm the module creates."
  value       = local.alarm_names
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "sns_kms_key_arn" {
  description = "KMS key encrypting the SNS topic."
  value       = local.sns_kms_key
}
