name        = "mskctl"
region      = "eu-west-1"
bucket_name = "example-mskctl-tfstate-123456789012-eu-west-1"

tags = {
  Owner = "platform-team"
}

noncurrent_version_expiration_days = 90
noncurrent_versions_to_keep        = 10

# Optional: S3 server access logs to an existing log bucket.
# access_log_bucket = "example-s3-access-logs-123456789012-eu-west-1"
