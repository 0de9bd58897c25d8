variable "name" {
  description = "Name used for the KMS key alias and descriptions (usually the cluster name)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$", var.name))
    error_message = "name must start with a letter and contain only letters, digits and hyphens (at most 64 characters)."
  }
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

variable "cluster_arn" {
  description = "ARN of the MSK cluster (with scram_auth enabled) the secrets are associated with."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$", var.cluster_arn))
    error_message = "cluster_arn must be an MSK cluster ARN: arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "users" {
  description = "SCRAM user names; each gets a generated password in its own secret <secret_name_prefix><user>."
  type        = set(string)

  validation {
    condition     = length(var.users) >= 1 && alltrue([for u in var.users : can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", u))])
    error_message = "users must list at least one name of 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)."
  }
}

variable "secret_name_prefix" {
  description = "Prefix of every secret name. MSK only associates secrets whose name starts with AmazonMSK_; add an environment to keep names unique per account (e.g. \"AmazonMSK_prod_\")."
  type        = string
  default     = "AmazonMSK_"

  validation {
    condition     = startswith(var.secret_name_prefix, "AmazonMSK_") && can(regex("^[A-Za-z0-9/_+=.@-]+$", var.secret_name_prefix))
    error_message = "secret_name_prefix must start with \"AmazonMSK_\" (MSK refuses other secret names for SASL/SCRAM) and use only letters, digits and /_+=.@-."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the secrets. null: the module creates one (rotation on) whose policy lets principals of this account, including MSK, use it through Secrets Manager only. The AWS-managed aws/secretsmanager key does not work with MSK."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a customer-managed KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); aliases and the aws/secretsmanager key are not accepted by MSK."
  }
}

variable "password_length" {
  description = "Length of generated passwords (letters and digits, at least one of each kind)."
  type        = number
  default     = 32

  validation {
    condition     = var.password_length >= 16 && var.password_length <= 128
    error_message = "password_length must be between 16 and 128."
  }
}

variable "password_version" {
  description = "Version of the generated passwords (secret_string_wo_version). Passwords are write-only: raise it to have the next apply generate and store a new password for every user."
  type        = number
  default     = 1

  validation {
    condition     = var.password_version >= 1 && floor(var.password_version) == var.password_version
    error_message = "password_version must be a whole number, at least 1."
  }
}

variable "recovery_window_in_days" {
  description = "Days Secrets Manager keeps a deleted secret recoverable (0 deletes immediately; 7-30 otherwise)."
  type        = number
  default     = 7

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}
