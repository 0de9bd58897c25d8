# Remote state in the bucket made by terraform/global (S3 native locking, no DynamoDB table).
# Partial configuration: the values live in backend.hcl (copy backend.hcl.example), so one
# configuration serves every account:
#   tofu init -backend-config=backend.hcl
terraform {
  backend "s3" {}
}
