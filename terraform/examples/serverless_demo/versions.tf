terraform {
  required_version = ">= 1.12"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.69"
    }
  }

  # Local state for trying the example. For a shared deployment, add the backend block printed by
  # `tofu -chdir=terraform/global output -raw backend_config` (S3 with use_lockfile = true).
}
