variable "name" {
  description = "Name of the instance, its role and instance profile."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,40}$", var.name))
    error_message = "name must start with a letter and contain only letters, digits and hyphens (at most 41 characters)."
  }
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

variable "subnet_id" {
  description = "Private subnet for the instance (reached through SSM Session Manager, never SSH)."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the instance (the vpc module's client_security_group_id)."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1
    error_message = "security_group_ids must list at least one security group (the client security group)."
  }
}

variable "instance_type" {
  description = "EC2 instance type. Graviton types (t4g, m7g ...) need ami_ssm_parameter for arm64."
  type        = string
  default     = "t3.micro"
}

variable "ami_ssm_parameter" {
  description = "Public SSM parameter holding the Amazon Linux 2023 AMI ID."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

  validation {
    condition     = startswith(var.ami_ssm_parameter, "/aws/service/ami-amazon-linux-latest/al2023-")
    error_message = "ami_ssm_parameter must be an Amazon Linux 2023 public parameter (/aws/service/ami-amazon-linux-latest/al2023-...)."
  }
}

variable "root_volume_size" {
  description = "Root volume size in GiB (gp3, encrypted)."
  type        = number
  default     = 16

  validation {
    condition     = var.root_volume_size >= 8 && var.root_volume_size <= 1024
    error_message = "root_volume_size must be between 8 and 1024 GiB."
  }
}

variable "root_volume_kms_key_arn" {
  description = "KMS key for the root volume; null uses the account's default EBS key (the volume is encrypted either way)."
  type        = string
  default     = null
}

variable "cluster_arn" {
  description = "ARN of the MSK cluster the client talks to (topic and group ARNs are derived from it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$", var.cluster_arn))
    error_message = "cluster_arn must be an MSK cluster ARN: arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "region" {
  description = "AWS Region of the cluster (written into the mskctl profile)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS Region name such as eu-west-1."
  }
}

variable "topics" {
  description = "Topics the client may describe, write and read (IAM policy resources)."
  type        = list(string)

  validation {
    condition     = length(var.topics) >= 1 && alltrue([for t in var.topics : can(regex("^[A-Za-z0-9._-]{1,249}$", t))])
    error_message = "topics must list at least one Kafka topic name (letters, digits, '.', '_', '-'; no wildcards)."
  }
}

variable "consumer_groups" {
  description = "Consumer groups the client may describe and join (IAM policy resources)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for g in var.consumer_groups : can(regex("^[A-Za-z0-9._-]{1,249}$", g))])
    error_message = "consumer_groups must be Kafka group names (letters, digits, '.', '_', '-'; no wildcards)."
  }
}

variable "scram_secret_arns" {
  description = "SCRAM secrets (AmazonMSK_...) the client may read; the first becomes the scram profile's secret."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.scram_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:AmazonMSK_", a))])
    error_message = "scram_secret_arns must be Secrets Manager ARNs of AmazonMSK_ secrets."
  }
}

variable "scram_kms_key_arns" {
  description = "KMS keys of the SCRAM secrets (kms:Decrypt through Secrets Manager only). Empty with scram_secret_arns set: any key, still only through Secrets Manager."
  type        = list(string)
  default     = []
}

variable "bootstrap_brokers_sasl_iam" {
  description = "IAM bootstrap brokers (9098) written into the mskctl profile."
  type        = string
  default     = ""
}

variable "bootstrap_brokers_sasl_scram" {
  description = "SCRAM bootstrap brokers (9096) written into the scram profile (with scram_secret_arns)."
  type        = string
  default     = ""
}

variable "mskctl_version" {
  description = "mskctl version installed with pip (pinned)."
  type        = string
  default     = "0.1.0"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+([abc]|rc|\\.post|\\.dev)?[0-9]*$", var.mskctl_version))
    error_message = "mskctl_version must be an exact PEP 440 version such as 0.1.0 (no ranges)."
  }
}

variable "mskctl_package" {
  description = "pip distribution name of mskctl (installed as <name>==<mskctl_version>)."
  type        = string
  default     = "mskctl"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", var.mskctl_package))
    error_message = "mskctl_package must be a plain distribution name (the version comes from mskctl_version)."
  }
}

variable "pip_index_url" {
  description = "Python package index to install mskctl from (a private mirror); null: PyPI."
  type        = string
  default     = null

  validation {
    condition     = var.pip_index_url == null || can(regex("^https://", var.pip_index_url))
    error_message = "pip_index_url must be an https:// URL."
  }
}
