variable "region" {
  description = "AWS Region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name of the environment's cluster and prefix of every resource."
  type        = string
  default     = "mskctl-dev"
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "cidr_block" {
  description = "CIDR of the environment's VPC."
  type        = string
  default     = "10.10.0.0/16"
}

variable "az_count" {
  description = "Availability Zones: dev runs in 2 (cheaper); MSK needs at least 2."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count == 2 || var.az_count == 3
    error_message = "az_count must be 2 or 3: MSK brokers need at least two Availability Zones."
  }
}

variable "client_cidr_blocks" {
  description = "Extra CIDRs (VPN, peered VPCs) allowed to reach the Kafka ports."
  type        = list(string)
  default     = []
}

variable "kafka_version" {
  description = "Kafka version of the cluster (KRaft)."
  type        = string
  default     = "4.0.x"
}

variable "broker_count" {
  description = "Brokers: a multiple of az_count. Dev: 2 brokers (RF 2, min.insync.replicas 1)."
  type        = number
  default     = 2
}

variable "instance_type" {
  description = "Broker instance type."
  type        = string
  default     = "kafka.t3.small"
}

variable "ebs_volume_size" {
  description = "Initial EBS volume per broker (GiB)."
  type        = number
  default     = 20
}

variable "storage_autoscaling_max_size" {
  description = "Storage autoscaling ceiling per broker (GiB); 0: off."
  type        = number
  default     = 100
}

variable "enhanced_monitoring" {
  description = "MSK enhanced monitoring level."
  type        = string
  default     = "PER_TOPIC_PER_BROKER"
}

variable "log_retention_days" {
  description = "Broker log retention (days)."
  type        = number
  default     = 30
}

variable "scram_users" {
  description = "SASL/SCRAM users (one AmazonMSK_ secret each)."
  type        = set(string)
  default     = ["orders-app"]
}

variable "topics" {
  description = "Topics the Kafka client may produce to and consume from."
  type        = list(string)
  default     = ["orders"]
}

variable "consumer_groups" {
  description = "Consumer groups of the environment: the client may join them, and MaxOffsetLag above max_offset_lag alarms."
  type = list(object({
    group          = string
    topic          = string
    max_offset_lag = number
  }))
  default = [{ group = "orders-app", topic = "orders", max_offset_lag = 10000 }]
}

variable "alarm_email" {
  description = "E-mail subscribed to the alarm topic; null: none."
  type        = string
  default     = null
}

variable "create_kafka_client" {
  description = "Create the SSM-managed Kafka client instance with mskctl."
  type        = bool
  default     = true
}

variable "client_instance_type" {
  description = "Instance type of the Kafka client."
  type        = string
  default     = "t3.micro"
}

variable "mskctl_version" {
  description = "mskctl version installed on the client."
  type        = string
  default     = "0.1.0"
}
