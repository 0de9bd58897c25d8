output "instance_id" {
  description = "ID of the client instance (aws ssm start-session --target <id>)."
  value       = aws_instance.this.id
}

output "role_arn" {
  description = "ARN of the instance role (the IAM principal the brokers see)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the instance role (attach more policies to it)."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The Kafka / Secrets Manager policy granted to the role."
  value       = jsonencode(local.policy)
}

output "instance_profile_name" {
  description = "Name of the instance profile."
  value       = aws_iam_instance_profile.this.name
}

output "mskctl_profile" {
  description = "The ~/.config/mskctl/config.toml written on the instance (no secrets: SCRAM passwords stay in Secrets Manager)."
  value       = local.profile_toml
}
