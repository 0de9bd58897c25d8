provider "confluent" {
  # A Cloud API key of a service account with OrganizationAdmin (it creates environments,
  # networks, clusters and service accounts). Pass it as TF_VAR_confluent_cloud_api_key /
  # TF_VAR_confluent_cloud_api_secret, never in a tfvars file.
  cloud_api_key    = var.confluent_cloud_api_key
  cloud_api_secret = var.confluent_cloud_api_secret
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        Project   = "mskctl"
        Example   = "confluent_privatelink_cluster_linking"
        ManagedBy = "opentofu"
      },
      var.tags,
    )
  }
}
