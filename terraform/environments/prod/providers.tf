provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = "mskctl"
      Environment = "prod"
      ManagedBy   = "opentofu"
    })
  }
}
