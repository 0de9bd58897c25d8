variable "region" {
  description = "AWS region of the whole environment."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name prefix of every resource (the MSK cluster is called this)."
  type        = string
  default     = "mskctl-demo"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,27}$", var.name))
    error_message = "name must be 1-28 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment label added to the default tags."
  type        = string
  default     = "demo"
}

variable "tags" {
  description = "Extra tags on every resource (provider default_tags)."
  type        = map(string)
  default     = {}
}

# Network ---------------------------------------------------------------------

variable "cidr_block" {
  description = "CIDR of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Availability zones (and brokers per zone multiple): 3 for production."
  type        = number
  default     = 3
}

variable "client_cidr_blocks" {
  description = "Extra CIDRs (VPN, peered VPCs) allowed to reach the brokers' TLS listeners. 0.0.0.0/0 is refused by the vpc module."
  type        = list(string)
  default     = []
}

# Cluster ---------------------------------------------------------------------

variable "kafka_version" {
  description = "Kafka version of the provisioned cluster."
  type        = string
  default     = "4.0.x"
}

variable "broker_count" {
  description = "Number of brokers (a multiple of az_count)."
  type        = number
  default     = 3
}

variable "instance_type" {
  description = "Broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "ebs_volume_size" {
  description = "Initial EBS size per broker, GiB (storage autoscaling grows it)."
  type        = number
  default     = 100
}

variable "scram_users" {
  description = "SASL/SCRAM users (AmazonMSK_<user> secrets) for clients that cannot use IAM."
  type        = set(string)
  default     = []
}

# Clients, connector, schemas ---------------------------------------------------

variable "topics" {
  description = "Topics the kafka_client instance may produce to and consume from."
  type        = list(string)
  default     = ["orders", "payments"]
}

variable "consumer_groups" {
  description = "Consumer groups the kafka_client instance may use."
  type        = list(string)
  default     = ["orders-processor"]
}

variable "client_instance_type" {
  description = "Instance type of the kafka_client EC2 instance."
  type        = string
  default     = "t3.micro"
}

variable "mskctl_version" {
  description = "mskctl version installed on the kafka_client instance."
  type        = string
  default     = "0.1.0"
}

variable "lag_alarms" {
  description = "Consumer-lag alarms: MaxOffsetLag per group and topic above max_offset_lag."
  type = list(object({
    group          = string
    topic          = string
    max_offset_lag = number
  }))
  default = []
}

variable "alarm_email" {
  description = "E-mail subscribed to the alarm SNS topic (null = no subscription)."
  type        = string
  default     = null
}

variable "sink_topics" {
  description = "Topics the MSK Connect S3 sink copies to S3."
  type        = list(string)
  default     = ["orders"]
}

variable "plugin_bucket_arn" {
  description = "ARN of the bucket holding the Confluent S3 sink connector ZIP."
  type        = string
}

variable "plugin_file_key" {
  description = "Key of the Confluent S3 sink connector ZIP in plugin_bucket_arn."
  type        = string
}

variable "schema_compatibility" {
  description = "Compatibility mode of the example schemas in the Glue Schema Registry."
  type        = string
  default     = "BACKWARD"
}
