provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        Project   = "mskctl"
        Component = "terraform-state"
        ManagedBy = "opentofu"
      },
      var.tags,
    )
  }
}
