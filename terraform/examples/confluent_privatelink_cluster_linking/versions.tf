terraform {
  required_version = ">= 1.12"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.69"
    }
    confluent = {
      source  = "confluentinc/confluent"
      version = "~> 2.30"
    }
  }

  # Local state for trying the example. State holds the API secrets: for a shared deployment use
  # the encrypted S3 backend of terraform/global (use_lockfile = true).
}
