# Shaped for `mskctl config from-terraform`. Serverless clusters speak IAM only, so there is no
# SCRAM or TLS bootstrap string and no SCRAM secret.

output "bootstrap_brokers_sasl_iam" {
  description = "Bootstrap endpoint for IAM (SASL_SSL, port 9098)."
  value       = module.msk_serverless.bootstrap_brokers_sasl_iam
}

output "cluster_arn" {
  description = "ARN of the serverless cluster."
  value       = module.msk_serverless.cluster_arn
}

output "cluster_name" {
  description = "Name of the serverless cluster."
  value       = module.msk_serverless.cluster_name
}

output "region" {
  description = "Region of the cluster."
  value       = module.msk_serverless.region
}

output "client_instance_id" {
  description = "The kafka_client instance (aws ssm start-session --target <id>)."
  value       = module.kafka_client.instance_id
}

output "client_role_arn" {
  description = "IAM role of the client: its policy allows exactly the demo topics and groups."
  value       = module.kafka_client.role_arn
}
