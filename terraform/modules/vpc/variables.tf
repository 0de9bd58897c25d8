variable "name" {
  description = "Name prefix for every resource (VPC, subnets, security groups, endpoints, flow logs)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,38}$", var.name))
    error_message = "name must start with a letter and contain only letters, digits and hyphens (at most 39 characters)."
  }
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC. Private subnets take the first three quarters (one per AZ), public subnets share the last quarter."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(try(split("/", var.cidr_block)[1], 0)) >= 16 && tonumber(try(split("/", var.cidr_block)[1], 0)) <= 22
    error_message = "cidr_block must be a valid IPv4 CIDR with a prefix between /16 and /22 (e.g. \"10.0.0.0/16\")."
  }
}

variable "az_count" {
  description = "Number of Availability Zones (and private subnets). MSK spreads brokers over 2 or 3 AZs; 3 is the production layout (RF 3 survives the loss of an AZ)."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count == 2 || var.az_count == 3
    error_message = "az_count must be 2 or 3: MSK places brokers in 2 or 3 Availability Zones, and a single AZ has no fault tolerance."
  }
}

variable "azs" {
  description = "Availability Zone names to use, pinned (e.g. [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]); null: the first az_count available zones of the Region."
  type        = list(string)
  default     = null

  validation {
    condition     = var.azs == null || try(length(var.azs) == var.az_count && length(distinct(var.azs)) == length(var.azs), false)
    error_message = "azs must list exactly az_count distinct Availability Zone names."
  }
}

variable "enable_nat_gateway" {
  description = "Create public subnets, an internet gateway and NAT gateway(s) so private workloads (the Kafka client's package installs) reach the internet outbound only."
  type        = bool
  default     = true
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for all AZs (cheaper, not AZ-resilient) instead of one per AZ."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints with private DNS (service suffixes such as \"secretsmanager\", \"kms\", \"sts\", \"glue\", \"logs\", \"ssm\"). An S3 gateway endpoint is always created."
  type        = list(string)
  default     = ["secretsmanager", "kms", "sts", "glue", "logs"]

  validation {
    condition     = alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9][a-z0-9.-]*$", s))]) && !contains(var.interface_endpoints, "s3")
    error_message = "interface_endpoints are service suffixes in lower case (e.g. \"secretsmanager\"); \"s3\" is always served by the gateway endpoint and must not be listed."
  }
}

variable "client_cidr_blocks" {
  description = "Extra IPv4 CIDRs (peered VPCs, VPN ranges) allowed to reach the brokers' Kafka ports. Clients inside this VPC should use the client security group instead."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.client_cidr_blocks : can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "client_cidr_blocks must be valid IPv4 CIDRs; 0.0.0.0/0 (or any /0) is refused: brokers are never open to the whole internet."
  }
}

variable "allow_plaintext" {
  description = "INSECURE: also open 9092 (PLAINTEXT listener) to clients. Only for clusters created with client_broker_encryption TLS_PLAINTEXT or PLAINTEXT."
  type        = bool
  default     = false
}

variable "prometheus_cidr_blocks" {
  description = "IPv4 CIDRs of Prometheus scrapers allowed to reach the open-monitoring exporters (11001 JMX, 11002 node). Empty: the exporters are not reachable."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.prometheus_cidr_blocks : can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "prometheus_cidr_blocks must be valid IPv4 CIDRs other than /0."
  }
}

variable "allow_client_https_egress" {
  description = "Let the client security group reach HTTPS (443) anywhere, through the NAT gateway (package installs, AWS APIs without an endpoint such as SSM). When false, clients reach only the brokers, the interface endpoints and S3."
  type        = bool
  default     = true
}

variable "enable_flow_logs" {
  description = "Send VPC flow logs (ALL traffic) to a KMS-encrypted CloudWatch log group."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Retention of the flow-log group, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "flow_log_kms_key_arn" {
  description = "KMS key ARN for the flow-log group. null: the module creates a CMK (rotation on) whose policy lets CloudWatch Logs use it for this log group only."
  type        = string
  default     = null

  validation {
    condition     = var.flow_log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.flow_log_kms_key_arn))
    error_message = "flow_log_kms_key_arn must be a KMS key ARN (arn:aws:kms:...)."
  }
}
