terraform {
  required_version = ">= 1.12"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.69"
    }
  }

  # No backend block: this root creates the bucket every other root keeps its state in, so its own
  # state starts local. After the first apply, move it into the bucket it created (README).
}
