# Shaped for `mskctl config from-terraform` (it reads `tofu output -json`).

output "bootstrap_brokers_sasl_iam" {
  description = "Bootstrap brokers for IAM (SASL_SSL, port 9098)."
  value       = module.msk_cluster.bootstrap_brokers_sasl_iam
}

output "bootstrap_brokers_sasl_scram" {
  description = "Bootstrap brokers for SASL/SCRAM-SHA-512 (SASL_SSL, port 9096)."
  value       = module.msk_cluster.bootstrap_brokers_sasl_scram
}

output "bootstrap_brokers_tls" {
  description = "Bootstrap brokers for TLS (port 9094)."
  value       = module.msk_cluster.bootstrap_brokers_tls
}

output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = module.msk_cluster.cluster_arn
}

output "cluster_name" {
  description = "Name of the MSK cluster."
  value       = module.msk_cluster.cluster_name
}

output "scram_secret_arns" {
  description = "Map of SCRAM user to its AmazonMSK_ secret ARN."
  value       = module.scram_secrets.secret_arns
}

output "region" {
  description = "Region of the cluster."
  value       = module.msk_cluster.region
}

# The rest of the environment.

output "client_instance_id" {
  description = "The kafka_client instance (aws ssm start-session --target <id>)."
  value       = module.kafka_client.instance_id
}

output "connector_arn" {
  description = "ARN of the MSK Connect S3 sink."
  value       = module.msk_connect.connector_arn
}

output "sink_bucket_name" {
  description = "Bucket the S3 sink writes to."
  value       = module.msk_connect.bucket_name
}

output "schema_registry_arn" {
  description = "ARN of the Glue Schema Registry."
  value       = module.schema_registry.registry_arn
}

output "schema_arns" {
  description = "Map of schema name to Glue schema ARN."
  value       = module.schema_registry.schema_arns
}

output "alarm_topic_arn" {
  description = "SNS topic of the CloudWatch alarms."
  value       = module.monitoring.sns_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the cluster."
  value       = module.monitoring.dashboard_name
}
