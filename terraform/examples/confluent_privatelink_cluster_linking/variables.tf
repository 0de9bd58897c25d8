variable "confluent_cloud_api_key" {
  description = "Confluent Cloud API key (Cloud resource management) of an OrganizationAdmin service account. Ephemeral: never saved in a plan file or the state (pass it to plan and to apply)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "confluent_cloud_api_secret" {
  description = "Secret of confluent_cloud_api_key. Ephemeral: never saved in a plan file or the state (pass it to plan and to apply)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "region" {
  description = "AWS region of the VPC; the Confluent clusters and the PrivateLink attachment are created in the same region."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of every resource, in both clouds."
  type        = string
  default     = "mskctl-cc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "name must be 1-24 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags on every AWS resource (provider default_tags)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "Existing AWS VPC whose workloads reach Confluent Cloud through PrivateLink (DNS hostnames and DNS support must be on)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of vpc_id, one per availability zone, for the interface endpoint."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two subnets in distinct availability zones."
  }
}

variable "client_cidr_blocks" {
  description = "CIDRs allowed to reach the endpoint on 443 (REST) and 9092 (Kafka over TLS): the VPC, the VPN, the Terraform runners."
  type        = list(string)

  validation {
    condition     = length(var.client_cidr_blocks) >= 1 && alltrue([for c in var.client_cidr_blocks : can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "client_cidr_blocks must list valid CIDRs other than /0."
  }
}

variable "cluster_availability" {
  description = "Availability of both Enterprise clusters: HIGH (multi-zone) or SINGLE_ZONE."
  type        = string
  default     = "HIGH"

  validation {
    condition     = contains(["HIGH", "SINGLE_ZONE"], var.cluster_availability)
    error_message = "cluster_availability must be HIGH or SINGLE_ZONE."
  }
}

variable "source_topic" {
  description = "Topic produced on the source cluster and mirrored to the destination cluster."
  type        = string
  default     = "dev-stock_trades"
}

variable "source_topic_partitions" {
  description = "Partitions of source_topic."
  type        = number
  default     = 6
}

variable "consumer_group_prefix" {
  description = "Consumer groups of the destination-side consumer (READ on groups with this prefix; offsets of these groups are synced over the link)."
  type        = string
  default     = "stock-trades-"
}

variable "link_name" {
  description = "Name of the cluster link (owned by the destination cluster's team)."
  type        = string
  default     = "source-to-destination"
}

variable "secret_recovery_window_in_days" {
  description = "Recovery window of the Secrets Manager secrets holding the API keys (7-30)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30
    error_message = "secret_recovery_window_in_days must be between 7 and 30."
  }
}
