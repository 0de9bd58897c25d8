# Shaped for `mskctl config from-terraform` (it reads `tofu output -json`): bootstrap strings per
# auth mode, cluster ARN and name, SCRAM secret ARNs, region. No output carries a password.

output "bootstrap_brokers_sasl_iam" {
  description = "Bootstrap brokers for IAM (SASL_SSL, 9098)."
  value       = module.msk_cluster.bootstrap_brokers_sasl_iam
}

output "bootstrap_brokers_sasl_scram" {
  description = "Bootstrap brokers for SASL/SCRAM-SHA-512 (SASL_SSL, 9096)."
  value       = module.msk_cluster.bootstrap_brokers_sasl_scram
}

output "bootstrap_brokers_tls" {
  description = "Bootstrap brokers for TLS (9094; empty unless mTLS is enabled)."
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
  description = "SCRAM user -> AmazonMSK_ secret ARN."
  value       = module.scram_secrets.secret_arns
}

output "region" {
  description = "AWS Region of the environment."
  value       = module.msk_cluster.region
}

output "kafka_version" {
  description = "Kafka version of the cluster."
  value       = module.msk_cluster.kafka_version
}

output "vpc_id" {
  description = "VPC of the environment."
  value       = module.vpc.vpc_id
}

output "client_security_group_id" {
  description = "Attach to applications that talk to the cluster."
  value       = module.vpc.client_security_group_id
}

output "client_instance_id" {
  description = "Kafka client instance (aws ssm start-session --target <id>); null when not created."
  value       = try(module.kafka_client[0].instance_id, null)
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.monitoring.sns_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the cluster."
  value       = module.monitoring.dashboard_name
}
