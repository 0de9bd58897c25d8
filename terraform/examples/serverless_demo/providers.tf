provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        Project   = "mskctl"
        Example   = "serverless_demo"
        ManagedBy = "opentofu"
      },
      var.tags,
    )
  }
}
