variable "name" {
  description = "Replicator name (also the prefix of its IAM role and log group). Letters, digits and hyphens, starting with a letter or digit."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z][0-9A-Za-z-]{0,127}$", var.name))
    error_message = "name must be 1-128 characters: letters, digits and hyphens, starting with a letter or digit."
  }
}

variable "description" {
  description = "Free-text description of the replicator."
  type        = string
  default     = "Managed by mskctl"
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

variable "source_cluster_arn" {
  description = "ARN of the source MSK cluster (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>). IAM access control must be enabled on it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$", var.source_cluster_arn))
    error_message = "source_cluster_arn must be an MSK cluster ARN: arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "target_cluster_arn" {
  description = "ARN of the target MSK cluster. The replicator runs in the target cluster's region. IAM access control must be enabled on it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$", var.target_cluster_arn))
    error_message = "target_cluster_arn must be an MSK cluster ARN: arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "source_subnet_ids" {
  description = "Subnets (2 or 3, in distinct AZs) the replicator uses to reach the source cluster."
  type        = list(string)

  validation {
    condition     = length(var.source_subnet_ids) >= 2 && length(var.source_subnet_ids) <= 3
    error_message = "source_subnet_ids must list 2 or 3 subnets (MSK Replicator's limits)."
  }
}

variable "source_security_group_ids" {
  description = "Security groups (1-16) attached to the replicator's interfaces in the source VPC; they must be allowed to reach the brokers on 9098 (IAM)."
  type        = list(string)

  validation {
    condition     = length(var.source_security_group_ids) >= 1 && length(var.source_security_group_ids) <= 16
    error_message = "source_security_group_ids must list 1 to 16 security groups."
  }
}

variable "target_subnet_ids" {
  description = "Subnets (2 or 3, in distinct AZs) the replicator uses to reach the target cluster."
  type        = list(string)

  validation {
    condition     = length(var.target_subnet_ids) >= 2 && length(var.target_subnet_ids) <= 3
    error_message = "target_subnet_ids must list 2 or 3 subnets (MSK Replicator's limits)."
  }
}

variable "target_security_group_ids" {
  description = "Security groups (1-16) attached to the replicator's interfaces in the target VPC; they must be allowed to reach the brokers on 9098 (IAM)."
  type        = list(string)

  validation {
    condition     = length(var.target_security_group_ids) >= 1 && length(var.target_security_group_ids) <= 16
    error_message = "target_security_group_ids must list 1 to 16 security groups."
  }
}

variable "topics_to_replicate" {
  description = "Regular expressions of the topic names to replicate."
  type        = list(string)
  default     = [".*"]

  validation {
    condition     = length(var.topics_to_replicate) >= 1 && alltrue([for t in var.topics_to_replicate : length(t) > 0])
    error_message = "topics_to_replicate must hold at least one non-empty pattern."
  }
}

variable "topics_to_exclude" {
  description = "Regular expressions of topic names not to replicate (empty = MSK's default exclusions of internal topics)."
  type        = list(string)
  default     = []
}

variable "consumer_groups_to_replicate" {
  description = "Regular expressions of the consumer groups whose metadata (and offsets) to replicate."
  type        = list(string)
  default     = [".*"]

  validation {
    condition     = length(var.consumer_groups_to_replicate) >= 1 && alltrue([for g in var.consumer_groups_to_replicate : length(g) > 0])
    error_message = "consumer_groups_to_replicate must hold at least one non-empty pattern."
  }
}

variable "consumer_groups_to_exclude" {
  description = "Regular expressions of consumer groups not to replicate (empty = MSK's default exclusions)."
  type        = list(string)
  default     = []
}

variable "target_compression_type" {
  description = "Compression of the records written to the target cluster: NONE, GZIP, SNAPPY, LZ4 or ZSTD."
  type        = string
  default     = "NONE"

  validation {
    condition     = contains(["NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"], var.target_compression_type)
    error_message = "target_compression_type must be one of NONE, GZIP, SNAPPY, LZ4, ZSTD."
  }
}

variable "starting_position" {
  description = "Where replication of a newly detected topic starts: LATEST or EARLIEST."
  type        = string
  default     = "LATEST"

  validation {
    condition     = contains(["LATEST", "EARLIEST"], var.starting_position)
    error_message = "starting_position must be LATEST or EARLIEST."
  }
}

variable "topic_name_configuration" {
  description = "How replicated topics are named on the target: PREFIXED_WITH_SOURCE_CLUSTER_ALIAS (MSK's default; safe for bidirectional setups) or IDENTICAL (same name, e.g. for migrations)."
  type        = string
  default     = "PREFIXED_WITH_SOURCE_CLUSTER_ALIAS"

  validation {
    condition     = contains(["PREFIXED_WITH_SOURCE_CLUSTER_ALIAS", "IDENTICAL"], var.topic_name_configuration)
    error_message = "topic_name_configuration must be PREFIXED_WITH_SOURCE_CLUSTER_ALIAS or IDENTICAL."
  }
}

variable "copy_topic_configurations" {
  description = "Copy topic configurations (retention, cleanup policy, ...) to the target."
  type        = bool
  default     = true
}

variable "copy_access_control_lists_for_topics" {
  description = "Copy the topics' Kafka ACLs to the target (they only matter for SCRAM/mTLS principals; IAM principals are governed by IAM)."
  type        = bool
  default     = true
}

variable "detect_and_copy_new_topics" {
  description = "Start replicating topics matching topics_to_replicate that are created after the replicator."
  type        = bool
  default     = true
}

variable "detect_and_copy_new_consumer_groups" {
  description = "Start replicating consumer groups matching consumer_groups_to_replicate that appear after the replicator."
  type        = bool
  default     = true
}

variable "synchronise_consumer_group_offsets" {
  description = "Translate and write consumer group offsets to the target, so consumers can fail over without reprocessing everything."
  type        = bool
  default     = true
}

variable "service_execution_role_arn" {
  description = "Existing IAM role the replicator assumes. null = create a role trusted by kafka.amazonaws.com with kafka-cluster actions scoped to both clusters."
  type        = string
  default     = null

  validation {
    condition     = var.service_execution_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.service_execution_role_arn))
    error_message = "service_execution_role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) or null."
  }
}

variable "enable_logging" {
  description = "Deliver the replicator's logs to a KMS-encrypted CloudWatch log group."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the replicator's CloudWatch log group, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the log group. null = create a CMK (rotation on) whose key policy lets CloudWatch Logs use it for this log group only."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}
