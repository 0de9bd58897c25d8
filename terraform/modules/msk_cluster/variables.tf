variable "name" {
  description = "Cluster name (also the prefix of the configuration, KMS alias and log group)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$", var.name))
    error_message = "name must start with a letter and contain only letters, digits and hyphens (at most 64 characters), as MSK cluster names do."
  }
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

variable "kafka_version" {
  description = "Apache Kafka version MSK runs, in KRaft mode (no ZooKeeper): one of 3.7.x.kraft, 3.8.x, 3.9.x, 4.0.x, 4.1.x."
  type        = string
  default     = "4.0.x"

  validation {
    condition     = contains(["3.7.x.kraft", "3.8.x", "3.9.x", "4.0.x", "4.1.x"], var.kafka_version)
    error_message = "kafka_version must be a KRaft-era version MSK supports: \"3.7.x.kraft\", \"3.8.x\", \"3.9.x\", \"4.0.x\" or \"4.1.x\"."
  }
}

variable "broker_count" {
  description = "Number of broker nodes; a multiple of the number of subnets (MSK puts the same number of brokers in each AZ)."
  type        = number
  default     = 3

  validation {
    condition     = var.broker_count >= 2 && floor(var.broker_count) == var.broker_count
    error_message = "broker_count must be a whole number of at least 2."
  }
  validation {
    condition     = var.broker_count % length(var.subnet_ids) == 0
    error_message = "broker_count must be a multiple of the number of subnet_ids (MSK spreads brokers evenly over the AZs): e.g. 3 or 6 brokers for 3 subnets, 2 or 4 for 2."
  }
}

variable "instance_type" {
  description = "Broker instance type (standard brokers: kafka.t3.small, kafka.m5.*, kafka.m7g.*)."
  type        = string
  default     = "kafka.m7g.large"

  validation {
    condition     = can(regex("^kafka\\.(t3\\.small|m5\\.[0-9]*x?large|m7g\\.[0-9]*x?large)$", var.instance_type))
    error_message = "instance_type must be a standard MSK broker type: kafka.t3.small, kafka.m5.<size> or kafka.m7g.<size> (Express brokers are not supported by this module)."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the brokers, one per AZ (2 or 3)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) == 2 || length(var.subnet_ids) == 3
    error_message = "subnet_ids must list 2 or 3 subnets in different AZs."
  }
}

variable "security_group_ids" {
  description = "Security groups for the broker ENIs (the vpc module's msk_security_group_id)."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1 && length(var.security_group_ids) <= 5
    error_message = "security_group_ids must list 1 to 5 security groups."
  }
}

variable "ebs_volume_size" {
  description = "Initial EBS volume per broker, in GiB (storage autoscaling grows it later)."
  type        = number
  default     = 100

  validation {
    condition     = var.ebs_volume_size >= 1 && var.ebs_volume_size <= 16384
    error_message = "ebs_volume_size must be between 1 and 16384 GiB."
  }
}

variable "ebs_provisioned_throughput" {
  description = "Provisioned EBS throughput per broker in MiB/s (kafka.m5.4xlarge / m7g.4xlarge and larger); null leaves it off."
  type        = number
  default     = null

  validation {
    condition     = var.ebs_provisioned_throughput == null || try(var.ebs_provisioned_throughput >= 250 && var.ebs_provisioned_throughput <= 1000, false)
    error_message = "ebs_provisioned_throughput must be null or between 250 and 1000 MiB/s."
  }
}

variable "storage_autoscaling_max_size" {
  description = "Upper bound of broker storage autoscaling, in GiB; 0 turns storage autoscaling off."
  type        = number
  default     = 1000

  validation {
    condition     = var.storage_autoscaling_max_size == 0 || (var.storage_autoscaling_max_size > var.ebs_volume_size && var.storage_autoscaling_max_size <= 16384)
    error_message = "storage_autoscaling_max_size must be 0 (off) or larger than ebs_volume_size and at most 16384 GiB."
  }
}

variable "storage_autoscaling_target" {
  description = "Target disk utilisation (percent) that storage autoscaling keeps the brokers under."
  type        = number
  default     = 70

  validation {
    condition     = var.storage_autoscaling_target >= 10 && var.storage_autoscaling_target <= 80
    error_message = "storage_autoscaling_target must be between 10 and 80 percent."
  }
}

variable "server_properties" {
  description = "Broker properties merged over the module's secure defaults (RF 3, min.insync.replicas 2, no auto-create, no unclean election, deny without ACL)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.server_properties) : can(regex("^[a-z][a-z0-9._-]*$", k)) && !startswith(k, "zookeeper.")])
    error_message = "server_properties keys must be Kafka property names (lower case, dots); zookeeper.* does not exist on KRaft clusters."
  }
}

variable "client_broker_encryption" {
  description = "Encryption between clients and brokers: TLS (default), or TLS_PLAINTEXT / PLAINTEXT with allow_plaintext = true."
  type        = string
  default     = "TLS"

  validation {
    condition     = contains(["TLS", "TLS_PLAINTEXT", "PLAINTEXT"], var.client_broker_encryption)
    error_message = "client_broker_encryption must be \"TLS\", \"TLS_PLAINTEXT\" or \"PLAINTEXT\"."
  }
  validation {
    condition     = var.client_broker_encryption == "TLS" || var.allow_plaintext
    error_message = "client_broker_encryption other than \"TLS\" opens the unencrypted 9092 listener: set allow_plaintext = true to opt in explicitly."
  }
}

variable "allow_plaintext" {
  description = "INSECURE opt-in: permit client_broker_encryption TLS_PLAINTEXT or PLAINTEXT."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key ARN for encryption at rest and the broker log group (its policy must let logs.<region>.amazonaws.com use it for /aws/msk/<name>). null: the module creates a CMK (rotation on) with an alias."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the module's CMK is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

variable "iam_auth" {
  description = "Enable IAM access control (SASL/IAM, port 9098)."
  type        = bool
  default     = true
}

variable "scram_auth" {
  description = "Enable SASL/SCRAM-SHA-512 (port 9096) with secrets from Secrets Manager (see the scram_secrets module)."
  type        = bool
  default     = true
}

variable "tls_auth_pca_arns" {
  description = "ACM Private CA ARNs whose certificates authenticate clients over mutual TLS (port 9094); empty turns mTLS off."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.tls_auth_pca_arns : can(regex("^arn:aws[a-z-]*:acm-pca:", a))])
    error_message = "tls_auth_pca_arns must be ACM Private CA ARNs (arn:aws:acm-pca:...)."
  }
}

variable "allow_unauthenticated" {
  description = "INSECURE opt-in: allow clients without any authentication."
  type        = bool
  default     = false

  validation {
    condition     = var.iam_auth || var.scram_auth || length(var.tls_auth_pca_arns) > 0 || var.allow_unauthenticated
    error_message = "At least one client authentication mode is required: iam_auth, scram_auth or tls_auth_pca_arns (or, insecurely, allow_unauthenticated = true)."
  }
  validation {
    condition     = var.client_broker_encryption != "PLAINTEXT" || (var.allow_unauthenticated && !var.iam_auth && !var.scram_auth && length(var.tls_auth_pca_arns) == 0)
    error_message = "PLAINTEXT-only clusters cannot authenticate clients (IAM, SCRAM and mTLS all need TLS): use TLS, or set iam_auth = false, scram_auth = false and allow_unauthenticated = true."
  }
}

variable "allow_public_access" {
  description = "INSECURE opt-in: expose the brokers on public IPs (SERVICE_PROVIDED_EIPS). Allowed only with TLS-only encryption and IAM/SCRAM/mTLS authentication; MSK turns it on for an existing cluster, so apply once without it first."
  type        = bool
  default     = false

  validation {
    condition     = !var.allow_public_access || (var.client_broker_encryption == "TLS" && !var.allow_unauthenticated && (var.iam_auth || var.scram_auth || length(var.tls_auth_pca_arns) > 0))
    error_message = "allow_public_access requires client_broker_encryption = \"TLS\", allow_unauthenticated = false and at least one of iam_auth, scram_auth, tls_auth_pca_arns."
  }
}

variable "enhanced_monitoring" {
  description = "CloudWatch metric level: DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER (default; Security Hub MSK.2) or PER_TOPIC_PER_PARTITION."
  type        = string
  default     = "PER_TOPIC_PER_BROKER"

  validation {
    condition     = contains(["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"], var.enhanced_monitoring)
    error_message = "enhanced_monitoring must be \"DEFAULT\", \"PER_BROKER\", \"PER_TOPIC_PER_BROKER\" or \"PER_TOPIC_PER_PARTITION\"."
  }
}

variable "open_monitoring" {
  description = "Enable Prometheus open monitoring (JMX exporter on 11001, node exporter on 11002)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the broker log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "logs_s3_bucket" {
  description = "Also deliver broker logs to this S3 bucket (its policy must allow delivery.logs.amazonaws.com); null: off."
  type        = string
  default     = null
}

variable "logs_s3_prefix" {
  description = "Key prefix for broker logs in logs_s3_bucket."
  type        = string
  default     = "msk-broker-logs"
}

variable "logs_firehose_stream" {
  description = "Also deliver broker logs to this Kinesis Data Firehose delivery stream (name); null: off."
  type        = string
  default     = null
}

variable "cluster_policy_principal_arns" {
  description = "AWS principals (account roots or roles, possibly in other accounts) granted multi-VPC connectivity and read-only Kafka access by an MSK cluster policy; empty: no cluster policy."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.cluster_policy_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", p))])
    error_message = "cluster_policy_principal_arns must be IAM ARNs: arn:aws:iam::<account>:root, :role/<name> or :user/<name> (no wildcards)."
  }
}

variable "cluster_policy_topic_actions" {
  description = "kafka-cluster actions the cluster policy grants on every topic (least privilege: describe only; add ReadData/WriteData deliberately)."
  type        = list(string)
  default     = ["kafka-cluster:DescribeTopic"]

  validation {
    condition     = alltrue([for a in var.cluster_policy_topic_actions : contains(["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData", "kafka-cluster:DescribeTopicDynamicConfiguration"], a)])
    error_message = "cluster_policy_topic_actions may only contain kafka-cluster:DescribeTopic, ReadData, WriteData, DescribeTopicDynamicConfiguration."
  }
}

variable "cluster_policy_group_actions" {
  description = "kafka-cluster actions the cluster policy grants on every consumer group."
  type        = list(string)
  default     = ["kafka-cluster:DescribeGroup"]

  validation {
    condition     = alltrue([for a in var.cluster_policy_group_actions : contains(["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"], a)])
    error_message = "cluster_policy_group_actions may only contain kafka-cluster:DescribeGroup and kafka-cluster:AlterGroup."
  }
}

variable "multi_vpc_iam" {
  description = "Enable multi-VPC private connectivity (PrivateLink) for IAM-authenticated clients (requires iam_auth, not kafka.t3.small)."
  type        = bool
  default     = false

  validation {
    condition     = !var.multi_vpc_iam || (var.iam_auth && var.instance_type != "kafka.t3.small")
    error_message = "multi_vpc_iam needs iam_auth = true and a broker type larger than kafka.t3.small."
  }
}

variable "multi_vpc_scram" {
  description = "Enable multi-VPC private connectivity (PrivateLink) for SASL/SCRAM clients (requires scram_auth, not kafka.t3.small)."
  type        = bool
  default     = false

  validation {
    condition     = !var.multi_vpc_scram || (var.scram_auth && var.instance_type != "kafka.t3.small")
    error_message = "multi_vpc_scram needs scram_auth = true and a broker type larger than kafka.t3.small."
  }
}
