output "connector_arn" {
  description = "ARN of the S3 sink connector."
  value       = aws_mskconnect_connector.this.arn
}

output "connector_version" {
  description = "Current version of the connector."
  value       = aws_mskconnect_connector.this.version
}

output "custom_plugin_arn" {
  description = "ARN of the custom plugin (the Confluent S3 sink ZIP)."
  value       = aws_mskconnect_custom_plugin.this.arn
}

output "worker_configuration_arn" {
  description = "ARN of the worker configuration (converters)."
  value       = aws_mskconnect_worker_configuration.this.arn
}

output "bucket_name" {
  description = "Bucket the sink writes to (created here, or s3_bucket_name)."
  value       = local.bucket_name
}

output "bucket_arn" {
  description = "ARN of the sink bucket."
  value       = local.bucket_arn
}

output "role_arn" {
  description = "ARN of the connector's service execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the connector's service execution role."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The role's policy: kafka-cluster actions on the cluster's ARNs, S3 actions on the sink bucket."
  value       = local.role_policy
}

output "log_group_name" {
  description = "CloudWatch log group receiving the workers' logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "kms_key_arn" {
  description = "KMS key encrypting the log group (and the created bucket)."
  value       = local.kms_key_arn
}
