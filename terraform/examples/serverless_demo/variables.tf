variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name prefix of every resource (the serverless cluster is called this)."
  type        = string
  default     = "mskctl-serverless"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,27}$", var.name))
    error_message = "name must be 1-28 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags on every resource (provider default_tags)."
  type        = map(string)
  default     = {}
}

variable "cidr_block" {
  description = "CIDR of the VPC."
  type        = string
  default     = "10.30.0.0/16"
}

variable "az_count" {
  description = "Availability zones (MSK Serverless needs subnets in at least 2)."
  type        = number
  default     = 2
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper for a demo; one zone's outage cuts egress)."
  type        = bool
  default     = true
}

variable "topics" {
  description = "Topics the client may produce to and consume from."
  type        = list(string)
  default     = ["demo-events"]
}

variable "consumer_groups" {
  description = "Consumer groups the client may use."
  type        = list(string)
  default     = ["demo-consumer"]
}

variable "client_instance_type" {
  description = "Instance type of the kafka_client EC2 instance."
  type        = string
  default     = "t3.micro"
}

variable "mskctl_version" {
  description = "mskctl version installed on the client."
  type        = string
  default     = "0.1.0"
}
