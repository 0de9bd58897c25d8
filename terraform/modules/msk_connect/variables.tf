variable "name" {
  description = "Connector name (also the prefix of its plugin, worker configuration, role, bucket and log group). Letters, digits and hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters of lower-case letters, digits and hyphens, starting with a letter or digit (it also prefixes an S3 bucket name)."
  }
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

################################################################################
# Cluster and network
################################################################################

variable "cluster_arn" {
  description = "ARN of the MSK cluster the connector reads from (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>); the role's kafka-cluster permissions are scoped to it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$", var.cluster_arn))
    error_message = "cluster_arn must be an MSK cluster ARN: arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "cluster_bootstrap_brokers_sasl_iam" {
  description = "The cluster's SASL/IAM bootstrap string (host:9098,...). The connector authenticates with IAM over TLS only."
  type        = string

  validation {
    condition     = length(trimspace(var.cluster_bootstrap_brokers_sasl_iam)) > 0 && !strcontains(var.cluster_bootstrap_brokers_sasl_iam, ":9092")
    error_message = "cluster_bootstrap_brokers_sasl_iam must be the IAM (9098) bootstrap string, never the plaintext (9092) one."
  }
}

variable "subnet_ids" {
  description = "Private subnets the connector's workers run in (they must reach the brokers)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must list at least one subnet."
  }
}

variable "security_group_ids" {
  description = "Security groups of the workers; the brokers' security group must accept them on 9098."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1
    error_message = "security_group_ids must list at least one security group."
  }
}

################################################################################
# Connector
################################################################################

variable "topics" {
  description = "Topics the S3 sink reads (the role may read these topics and no others)."
  type        = list(string)

  validation {
    condition     = length(var.topics) >= 1 && alltrue([for t in var.topics : can(regex("^[A-Za-z0-9._-]{1,249}$", t))])
    error_message = "topics must list at least one valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249 characters)."
  }
}

variable "kafkaconnect_version" {
  description = "Apache Kafka Connect version of the workers: 3.7.x (recommended) or 2.7.1."
  type        = string
  default     = "3.7.x"

  validation {
    condition     = contains(["3.7.x", "2.7.1"], var.kafkaconnect_version)
    error_message = "kafkaconnect_version must be 3.7.x or 2.7.1 (the versions MSK Connect offers)."
  }
}

variable "tasks_max" {
  description = "tasks.max of the connector (upper bound on parallel tasks; at most the topics' partitions are useful)."
  type        = number
  default     = 2

  validation {
    condition     = var.tasks_max >= 1 && floor(var.tasks_max) == var.tasks_max
    error_message = "tasks_max must be a positive integer."
  }
}

variable "flush_size" {
  description = "flush.size: records per S3 object."
  type        = number
  default     = 1000

  validation {
    condition     = var.flush_size >= 1 && floor(var.flush_size) == var.flush_size
    error_message = "flush_size must be a positive integer."
  }
}

variable "partitioner_class" {
  description = "partitioner.class of the S3 sink (io.confluent.connect.storage.partitioner.*)."
  type        = string
  default     = "io.confluent.connect.storage.partitioner.DefaultPartitioner"

  validation {
    condition     = startswith(var.partitioner_class, "io.confluent.connect.storage.partitioner.")
    error_message = "partitioner_class must be one of Confluent's storage partitioners (io.confluent.connect.storage.partitioner.*)."
  }
}

variable "topics_dir" {
  description = "topics.dir: the key prefix under which the sink writes objects (the role may write under it only)."
  type        = string
  default     = "topics"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", var.topics_dir))
    error_message = "topics_dir must be a relative S3 key prefix without leading or trailing slashes."
  }
}

variable "connector_configuration_overrides" {
  description = "Extra connector properties merged over the defaults (e.g. rotate.interval.ms, path.format). Never put secrets here: the configuration is visible in the MSK Connect API and in state."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.connector_configuration_overrides) : !can(regex("(?i)(password|secret|sasl\\.jaas|access\\.key|credentials)", k))])
    error_message = "connector_configuration_overrides must not carry credentials (keys matching password/secret/sasl.jaas/access.key/credentials): the connector uses its IAM role."
  }

  validation {
    condition     = length(setintersection(keys(var.connector_configuration_overrides), ["connector.class", "topics", "topics.regex", "s3.bucket.name", "topics.dir", "s3.ssea.name", "s3.sse.kms.key.id"])) == 0
    error_message = "connector.class, topics, topics.regex, s3.bucket.name, topics.dir, s3.ssea.name and s3.sse.kms.key.id are set by the module (its IAM policy is scoped to them): use topics, s3_bucket_name, topics_dir and s3_kms_key_arn."
  }
}

variable "key_converter" {
  description = "key.converter of the worker configuration."
  type        = string
  default     = "org.apache.kafka.connect.storage.StringConverter"
}

variable "value_converter" {
  description = "value.converter of the worker configuration."
  type        = string
  default     = "org.apache.kafka.connect.json.JsonConverter"
}

variable "value_converter_schemas_enable" {
  description = "value.converter.schemas.enable (false for plain JSON records without an embedded schema)."
  type        = bool
  default     = false
}

################################################################################
# Plugin
################################################################################

variable "plugin_bucket_arn" {
  description = "ARN of the S3 bucket holding the Confluent S3 sink connector ZIP (arn:aws:s3:::<bucket>)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.plugin_bucket_arn))
    error_message = "plugin_bucket_arn must be an S3 bucket ARN: arn:aws:s3:::<bucket>."
  }
}

variable "plugin_file_key" {
  description = "Key of the connector ZIP in plugin_bucket_arn (e.g. confluentinc-kafka-connect-s3-10.6.0.zip)."
  type        = string

  validation {
    condition     = endswith(lower(var.plugin_file_key), ".zip")
    error_message = "plugin_file_key must name a .zip object (the module creates a ZIP custom plugin)."
  }
}

variable "plugin_object_version" {
  description = "S3 object version of the plugin ZIP (pin it in production so a re-upload cannot change the code). null = latest."
  type        = string
  default     = null
}

################################################################################
# Capacity
################################################################################

variable "mcu_count" {
  description = "MSK Connect units per worker: 1, 2, 4 or 8."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2, 4, 8], var.mcu_count)
    error_message = "mcu_count must be 1, 2, 4 or 8."
  }
}

variable "min_workers" {
  description = "Minimum number of workers (autoscaling), 1-10."
  type        = number
  default     = 1

  validation {
    condition     = var.min_workers >= 1 && var.min_workers <= 10 && floor(var.min_workers) == var.min_workers
    error_message = "min_workers must be an integer between 1 and 10."
  }
}

variable "max_workers" {
  description = "Maximum number of workers (autoscaling), 1-10, at least min_workers."
  type        = number
  default     = 2

  validation {
    condition     = var.max_workers >= 1 && var.max_workers <= 10 && floor(var.max_workers) == var.max_workers
    error_message = "max_workers must be an integer between 1 and 10."
  }
}

variable "scale_in_cpu_percentage" {
  description = "Average worker CPU below which MSK Connect removes a worker."
  type        = number
  default     = 20

  validation {
    condition     = var.scale_in_cpu_percentage >= 1 && var.scale_in_cpu_percentage <= 100
    error_message = "scale_in_cpu_percentage must be between 1 and 100."
  }
}

variable "scale_out_cpu_percentage" {
  description = "Average worker CPU above which MSK Connect adds a worker."
  type        = number
  default     = 80

  validation {
    condition     = var.scale_out_cpu_percentage >= 1 && var.scale_out_cpu_percentage <= 100
    error_message = "scale_out_cpu_percentage must be between 1 and 100."
  }
}

################################################################################
# Sink bucket
################################################################################

variable "s3_bucket_name" {
  description = "Existing bucket the sink writes to. null = create an SSE-KMS (own CMK), versioned, private, TLS-only bucket."
  type        = string
  default     = null

  validation {
    condition     = var.s3_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_bucket_name))
    error_message = "s3_bucket_name must be a valid S3 bucket name or null."
  }
}

variable "s3_region" {
  description = "Region of s3_bucket_name when it is not the cluster's region. null = the cluster's region."
  type        = string
  default     = null
}

variable "s3_kms_key_arn" {
  description = "For an existing bucket: the KMS key its objects are encrypted with (the role gets kms:GenerateDataKey/Decrypt on it through S3 only, and the sink requests SSE-KMS with it). Ignored when the module creates the bucket."
  type        = string
  default     = null

  validation {
    condition     = var.s3_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.s3_kms_key_arn))
    error_message = "s3_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "bucket_force_destroy" {
  description = "Let `destroy` delete the created bucket with its objects. Off by default: sink data is kept."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions in the created bucket are deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "bucket_access_log_bucket" {
  description = "Bucket receiving S3 server access logs of the created bucket. null = no access logging."
  type        = string
  default     = null
}

################################################################################
# Logs and keys
################################################################################

variable "kms_key_arn" {
  description = "KMS key for the log group and the created bucket. null = create a CMK (rotation on) whose policy lets CloudWatch Logs use it for this connector's log group only."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "log_retention_days" {
  description = "Retention of the workers' CloudWatch log group, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "log_s3_bucket" {
  description = "Also deliver worker logs to this S3 bucket (its policy must allow delivery.logs.amazonaws.com). null = CloudWatch only."
  type        = string
  default     = null
}

variable "log_s3_prefix" {
  description = "Key prefix of the worker logs in log_s3_bucket."
  type        = string
  default     = "mskconnect/"
}
