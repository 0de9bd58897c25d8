output "cluster_arn" {
  description = "ARN of the serverless cluster."
  value       = aws_msk_serverless_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the serverless cluster."
  value       = aws_msk_serverless_cluster.this.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the serverless cluster (part of topic/group ARNs in IAM policies)."
  value       = aws_msk_serverless_cluster.this.cluster_uuid
}

output "bootstrap_brokers_sasl_iam" {
  description = "Bootstrap endpoint for IAM over TLS (9098)."
  value       = aws_msk_serverless_cluster.this.bootstrap_brokers_sasl_iam
}

output "region" {
  description = "AWS Region of the cluster."
  value       = data.aws_region.current.region
}
