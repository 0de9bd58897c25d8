output "replicator_arn" {
  description = "ARN of the MSK replicator."
  value       = aws_msk_replicator.this.arn
}

output "role_arn" {
  description = "ARN of the service execution role the replicator assumes (created here, or the one passed in)."
  value       = local.role_arn
}

output "role_name" {
  description = "Name of the service execution role created here (null when service_execution_role_arn was given)."
  value       = local.create_role ? aws_iam_role.this[0].name : null
}

output "policy_json" {
  description = "The kafka-cluster policy attached to the created role (for review; also usable on a role you bring)."
  value       = local.role_policy
}

output "source_kafka_cluster_alias" {
  description = "Alias MSK gives the source cluster; with PREFIXED_WITH_SOURCE_CLUSTER_ALIAS, topic T appears on the target as <alias>.T."
  value       = aws_msk_replicator.this.replication_info_list[0].source_kafka_cluster_alias
}

output "log_group_name" {
  description = "CloudWatch log group receiving the replicator's logs (null when logging is off)."
  value       = var.enable_logging ? aws_cloudwatch_log_group.this[0].name : null
}

output "kms_key_arn" {
  description = "KMS key encrypting the log group (null when logging is off)."
  value       = var.enable_logging ? local.kms_key_arn : null
}
