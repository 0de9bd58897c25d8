variable "name" {
  description = "Name of this registry deployment; the registry is called registry_name, or this when registry_name is null."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_$#.-]{1,255}$", var.name))
    error_message = "name must be 1-255 characters of letters, digits and _ $ # . - (Glue's registry name rules)."
  }
}

variable "registry_name" {
  description = "Glue Schema Registry name. null = name."
  type        = string
  default     = null

  validation {
    condition     = var.registry_name == null || can(regex("^[A-Za-z0-9_$#.-]{1,255}$", var.registry_name))
    error_message = "registry_name must be 1-255 characters of letters, digits and _ $ # . - (Glue's registry name rules)."
  }
}

variable "description" {
  description = "Description of the registry."
  type        = string
  default     = "Schemas of the MSK topics, managed by mskctl"
}

variable "tags" {
  description = "Tags merged into every taggable resource."
  type        = map(string)
  default     = {}
}

variable "schemas" {
  description = <<-EOT
    Schemas to register, by schema name (by convention the topic name, or <topic>-value):
    data_format AVRO | JSON | PROTOBUF; compatibility one of Glue's modes (default BACKWARD: consumers
    on the new schema can read data written with the previous one); definition the schema text
    (file() it in); description optional.
  EOT
  type = map(object({
    data_format   = string
    compatibility = optional(string, "BACKWARD")
    definition    = string
    description   = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for n in keys(var.schemas) : can(regex("^[A-Za-z0-9_$#.-]{1,255}$", n))])
    error_message = "Schema names must be 1-255 characters of letters, digits and _ $ # . - (Glue's schema name rules)."
  }

  validation {
    condition     = alltrue([for s in values(var.schemas) : contains(["AVRO", "JSON", "PROTOBUF"], s.data_format)])
    error_message = "data_format must be AVRO, JSON or PROTOBUF."
  }

  validation {
    condition     = alltrue([for s in values(var.schemas) : contains(["NONE", "DISABLED", "BACKWARD", "BACKWARD_ALL", "FORWARD", "FORWARD_ALL", "FULL", "FULL_ALL"], s.compatibility)])
    error_message = "compatibility must be one of Glue's modes: NONE, DISABLED, BACKWARD, BACKWARD_ALL, FORWARD, FORWARD_ALL, FULL, FULL_ALL."
  }

  validation {
    condition     = alltrue([for s in values(var.schemas) : length(trimspace(s.definition)) > 0 && length(s.definition) <= 170000])
    error_message = "Each definition must be non-empty and at most 170,000 characters (Glue's limit)."
  }

  validation {
    condition     = alltrue([for s in values(var.schemas) : s.data_format == "PROTOBUF" || can(jsondecode(s.definition))])
    error_message = "AVRO and JSON schema definitions must be valid JSON."
  }
}
