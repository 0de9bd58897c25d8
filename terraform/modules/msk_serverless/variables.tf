variable "name" {
  description = "Serverless cluster name."
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

variable "subnet_ids" {
  description = "Private subnets (at least 2, in different AZs) where MSK Serverless places its endpoints."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && length(var.subnet_ids) <= 5
    error_message = "subnet_ids must list 2 to 5 subnets in different Availability Zones."
  }
}

variable "security_group_ids" {
  description = "Security groups for the serverless endpoints (the vpc module's msk_security_group_id: 9098 from the client security group)."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1 && length(var.security_group_ids) <= 5
    error_message = "security_group_ids must list 1 to 5 security groups."
  }
}
