variable "name" {
  description = "Name prefix of the SNS topic, KMS alias and dashboard; defaults to cluster_name."
  type        = string
  default     = null

  validation {
    condition     = var.name == null || can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$", var.name))
    error_message = "name must start with a letter and contain only letters, digits and hyphens."
  }
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

variable "cluster_name" {
  description = "MSK cluster name: the \"Cluster Name\" dimension of AWS/Kafka metrics."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$", var.cluster_name))
    error_message = "cluster_name must be an MSK cluster name (letters, digits, hyphens)."
  }
}

variable "broker_ids" {
  description = "Broker IDs (1..N, the \"Broker ID\" dimension); per-broker alarms are created for each."
  type        = list(number)

  validation {
    condition     = length(var.broker_ids) >= 1 && alltrue([for b in var.broker_ids : b >= 1 && floor(b) == b]) && length(distinct(var.broker_ids)) == length(var.broker_ids)
    error_message = "broker_ids must be distinct whole numbers starting at 1 (MSK broker IDs), e.g. [1, 2, 3]."
  }
}

variable "consumer_groups" {
  description = "Consumer groups to alarm on: MaxOffsetLag of (group, topic) above max_offset_lag."
  type = list(object({
    group          = string
    topic          = string
    max_offset_lag = number
  }))
  default = []

  validation {
    condition     = alltrue([for c in var.consumer_groups : can(regex("^[A-Za-z0-9._-]+$", c.group)) && can(regex("^[A-Za-z0-9._-]+$", c.topic)) && c.max_offset_lag > 0])
    error_message = "consumer_groups entries need Kafka group and topic names and a positive max_offset_lag."
  }
  validation {
    condition     = length(distinct([for c in var.consumer_groups : "${c.group}/${c.topic}"])) == length(var.consumer_groups)
    error_message = "consumer_groups must not repeat a (group, topic) pair."
  }
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail); null: no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "thresholds" {
  description = "Alarm thresholds; defaults are AWS's recommendations for MSK standard brokers."
  type = object({
    cpu_percent                 = optional(number, 60) # CpuUser + CpuSystem, per broker
    disk_used_percent           = optional(number, 85) # KafkaDataLogsDiskUsed, per broker
    heap_after_gc_percent       = optional(number, 60) # HeapMemoryAfterGC, per broker
    under_replicated_partitions = optional(number, 0)  # alarm when the cluster sum is above this
    under_min_isr_partitions    = optional(number, 1)  # alarm when the cluster sum is at least this
    offline_partitions          = optional(number, 0)  # alarm when above this
    active_controllers_min      = optional(number, 1)  # alarm when fewer active controllers
    iam_too_many_connections    = optional(number, 0)  # alarm when above this
  })
  default = {}

  validation {
    condition     = var.thresholds.cpu_percent > 0 && var.thresholds.cpu_percent <= 100 && var.thresholds.disk_used_percent > 0 && var.thresholds.disk_used_percent <= 100 && var.thresholds.heap_after_gc_percent > 0 && var.thresholds.heap_after_gc_percent <= 100
    error_message = "Percent thresholds (cpu_percent, disk_used_percent, heap_after_gc_percent) must be in (0, 100]."
  }
}

variable "period_seconds" {
  description = "Evaluation period of every alarm."
  type        = number
  default     = 60

  validation {
    condition     = contains([60, 300, 900, 3600], var.period_seconds)
    error_message = "period_seconds must be 60, 300, 900 or 3600."
  }
}

variable "sns_kms_key_arn" {
  description = "KMS key for the SNS topic; null: the module creates a CMK (rotation on) that CloudWatch alarms may use. The AWS-managed alias/aws/sns key does not work with CloudWatch alarms."
  type        = string
  default     = null

  validation {
    condition     = var.sns_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.sns_kms_key_arn))
    error_message = "sns_kms_key_arn must be a KMS key ARN."
  }
}
