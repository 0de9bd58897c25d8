variable "name" {
  description = "Short name used in the KMS alias and descriptions (e.g. mskctl)."
  type        = string
  default     = "mskctl"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.name))
    error_message = "name must be 1-32 characters of lower-case letters, digits and hyphens."
  }
}

variable "region" {
  description = "Region of the state bucket (the backend's `region`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "bucket_name" {
  description = "Globally unique name of the state bucket (the backend's `bucket`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "--")
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits and single hyphens (no dots: they break TLS virtual-host addressing)."
  }
}

variable "tags" {
  description = "Tags added to every resource (through the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the state CMK is deleted after scheduling its deletion (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a superseded state version is kept (old versions are how you roll a state back)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "noncurrent_versions_to_keep" {
  description = "Number of newest noncurrent versions kept regardless of age."
  type        = number
  default     = 10

  validation {
    condition     = var.noncurrent_versions_to_keep >= 0 && var.noncurrent_versions_to_keep <= 100
    error_message = "noncurrent_versions_to_keep must be between 0 and 100 (S3's limit)."
  }
}

variable "access_log_bucket" {
  description = "Existing bucket receiving S3 server access logs of the state bucket. null = no access logging (CloudTrail data events are the alternative)."
  type        = string
  default     = null
}

variable "access_log_prefix" {
  description = "Key prefix of the access logs in access_log_bucket."
  type        = string
  default     = "s3-access/terraform-state/"
}
