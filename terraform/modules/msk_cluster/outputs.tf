output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = aws_msk_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the MSK cluster (the \"Cluster Name\" CloudWatch dimension)."
  value       = aws_msk_cluster.this.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the cluster (the last ARN segment; part of topic/group ARNs in IAM policies)."
  value       = aws_msk_cluster.this.cluster_uuid
}

output "bootstrap_brokers_tls" {
  description = "Bootstrap brokers for TLS (9094; mTLS or unauthenticated TLS). Empty unless one of those is enabled."
  value       = aws_msk_cluster.this.bootstrap_brokers_tls
}

output "bootstrap_brokers_sasl_scram" {
  description = "Bootstrap brokers for SASL/SCRAM over TLS (9096)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "bootstrap_brokers_sasl_iam" {
  description = "Bootstrap brokers for IAM over TLS (9098)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "bootstrap_brokers_plaintext" {
  description = "PLAINTEXT bootstrap brokers (9092); null unless allow_plaintext."
  value       = var.allow_plaintext ? aws_msk_cluster.this.bootstrap_brokers : null
}

output "bootstrap_brokers_public_sasl_iam" {
  description = "Public IAM bootstrap brokers (9198); empty unless allow_public_access."
  value       = aws_msk_cluster.this.bootstrap_brokers_public_sasl_iam
}

output "bootstrap_brokers_public_sasl_scram" {
  description = "Public SCRAM bootstrap brokers (9196); empty unless allow_public_access."
  value       = aws_msk_cluster.this.bootstrap_brokers_public_sasl_scram
}

output "bootstrap_brokers_public_tls" {
  description = "Public TLS bootstrap brokers (9194); empty unless allow_public_access with mTLS."
  value       = aws_msk_cluster.this.bootstrap_brokers_public_tls
}

output "kms_key_arn" {
  description = "KMS key encrypting the data volumes and the broker log group."
  value       = local.kms_key_arn
}

output "configuration_arn" {
  description = "ARN of the MSK configuration."
  value       = aws_msk_configuration.this.arn
}

output "configuration_revision" {
  description = "Revision of the MSK configuration the cluster runs."
  value       = aws_msk_configuration.this.latest_revision
}

output "server_properties" {
  description = "Effective broker properties (secure defaults merged with server_properties)."
  value       = local.server_properties
}

output "log_group_name" {
  description = "CloudWatch log group receiving broker logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "kafka_version" {
  description = "Kafka version the cluster runs."
  value       = aws_msk_cluster.this.kafka_version
}

output "broker_ids" {
  description = "Broker IDs (1..broker_count), the \"Broker ID\" CloudWatch dimension values."
  value       = range(1, var.broker_count + 1)
}

output "region" {
  description = "AWS Region of the cluster."
  value       = local.region
}
