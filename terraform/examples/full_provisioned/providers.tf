provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        Project     = "mskctl"
        Example     = "full_provisioned"
        Environment = var.environment
        ManagedBy   = "opentofu"
      },
      var.tags,
    )
  }
}
