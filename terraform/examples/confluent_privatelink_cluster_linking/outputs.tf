output "environment_id" {
  description = "Confluent Cloud environment."
  value       = confluent_environment.this.id
}

output "private_link_attachment_id" {
  description = "PrivateLink attachment of the environment."
  value       = confluent_private_link_attachment.this.id
}

output "private_dns_domain" {
  description = "Private domain of the clusters, served by the Route 53 private hosted zone."
  value       = confluent_private_link_attachment.this.dns_domain
}

output "vpc_endpoint_id" {
  description = "Interface endpoint to Confluent Cloud."
  value       = aws_vpc_endpoint.confluent.id
}

output "source_cluster_id" {
  description = "Source cluster (producers)."
  value       = confluent_kafka_cluster.source.id
}

output "source_bootstrap_endpoint" {
  description = "Bootstrap endpoint of the source cluster (private)."
  value       = confluent_kafka_cluster.source.bootstrap_endpoint
}

output "destination_cluster_id" {
  description = "Destination cluster (consumers of the mirror)."
  value       = confluent_kafka_cluster.destination.id
}

output "destination_bootstrap_endpoint" {
  description = "Bootstrap endpoint of the destination cluster (private)."
  value       = confluent_kafka_cluster.destination.bootstrap_endpoint
}

output "cluster_link_name" {
  description = "The cluster link (on the destination cluster)."
  value       = confluent_cluster_link.this.link_name
}

output "mirror_topic" {
  description = "The mirror topic on the destination cluster."
  value       = confluent_kafka_mirror_topic.this.source_kafka_topic[0].topic_name
}

output "api_key_secret_arns" {
  description = "Map of role (producer, consumer, link-reader, source-manager, destination-manager) to the Secrets Manager secret holding its API key."
  value       = { for role, secret in aws_secretsmanager_secret.api_keys : role => secret.arn }
}
