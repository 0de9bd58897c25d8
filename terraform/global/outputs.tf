output "bucket_name" {
  description = "State bucket (the backend's `bucket`)."
  value       = aws_s3_bucket.state.id
}

output "bucket_arn" {
  description = "ARN of the state bucket (for the IAM policies of the roles that plan and apply)."
  value       = aws_s3_bucket.state.arn
}

output "kms_key_arn" {
  description = "ARN of the state CMK (the backend's `kms_key_id`; use the ARN, the bucket policy compares it)."
  value       = aws_kms_key.state.arn
}

output "kms_key_alias" {
  description = "Alias of the state CMK."
  value       = aws_kms_alias.state.name
}

output "region" {
  description = "Region of the state bucket (the backend's `region`)."
  value       = var.region
}

output "backend_config" {
  description = "A backend block for another root; replace <root> with the root's path (e.g. environments/dev)."
  value       = <<-EOT
    terraform {
      backend "s3" {
        bucket       = "${aws_s3_bucket.state.id}"
        key          = "<root>/terraform.tfstate"
        region       = "${var.region}"
        encrypt      = true
        kms_key_id   = "${aws_kms_key.state.arn}"
        use_lockfile = true
      }
    }
  EOT
}
