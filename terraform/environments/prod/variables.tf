variable "region" {
  description = "AWS Region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name of the environment's cluster and prefix of every resource."
  type        = string
  default     = "mskctl-prod"
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "cidr_block" {
  description = "CIDR of the environment's VPC."
  type        = string
  default     = "10.20.0.0/16"
}

variable "az_count" {
  description = "Availability Zones: prod runs in 3, so RF 3 / min.insync.replicas 2 survives the loss of a whole AZ."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count == 3
    error_message = "prod requires az_count = 3: with 1 AZ an AZ outage takes the cluster down, with 2 AZs RF 3 cannot keep a replica in a third AZ."
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
  description = "Brokers: a multiple of az_count (3, 6, 9 ...); at least 3 for RF 3 / min.insync.replicas 2."
  type        = number
  default     = 3

  validation {
    condition     = var.broker_count >= 3 && var.broker_count % 3 == 0
    error_message = "prod needs a multiple of 3 brokers (one or more per AZ), at least 3."
  }
}

variable "instance_type" {
  description = "Broker instance type."
  type        = string
  default     = "kafka.m7g.large"

  validation {
    condition     = !startswith(var.instance_type, "kafka.t3.")
    error_message = "prod brokers must not be burstable kafka.t3 instances (CPU credits, connection limits, no multi-VPC): use kafka.m7g.large or larger."
  }
}

variable "ebs_volume_size" {
  description = "Initial EBS volume per broker (GiB)."
  type        = number
  default     = 500
}

variable "storage_autoscaling_max_size" {
  description = "Storage autoscaling ceiling per broker (GiB); 0: off."
  type        = number
  default     = 4000
}

variable "enhanced_monitoring" {
  description = "MSK enhanced monitoring level (at least PER_TOPIC_PER_BROKER in prod: Security Hub MSK.2)."
  type        = string
  default     = "PER_TOPIC_PER_BROKER"

  validation {
    condition     = contains(["PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"], var.enhanced_monitoring)
    error_message = "prod needs enhanced_monitoring PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION (Security Hub MSK.2)."
  }
}

variable "log_retention_days" {
  description = "Broker log retention (days)."
  type        = number
  default     = 365
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
