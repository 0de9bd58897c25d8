# Passwords are never output: clients read them from Secrets Manager (mskctl resolves
# scram_secret_arn in its profile at connect time).

output "secret_arns" {
  description = "Secret ARN per SCRAM user (user -> ARN)."
  value       = { for u, s in aws_secretsmanager_secret.this : u => s.arn }
}

output "secret_names" {
  description = "Secret name per SCRAM user (user -> AmazonMSK_... name)."
  value       = local.secret_names
}

output "kms_key_arn" {
  description = "KMS key encrypting the secrets (clients need kms:Decrypt on it via Secrets Manager)."
  value       = local.kms_key_arn
}

output "association_ids" {
  description = "ID of each secret's association with the cluster (user -> ID)."
  value       = { for u, a in aws_msk_single_scram_secret_association.this : u => a.id }
}
