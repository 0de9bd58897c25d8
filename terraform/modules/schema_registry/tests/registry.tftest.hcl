mock_provider "aws" {}

variables {
  name = "dev-msk"
  tags = { Team = "streaming" }
  schemas = {
    "orders-value" = {
      data_format = "AVRO"
      definition  = "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.example\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":\"double\"}]}"
    }
    "payments-value" = {
      data_format   = "JSON"
      compatibility = "FULL_ALL"
      definition    = "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}"
      description   = "Payment events"
    }
    "audit-value" = {
      data_format   = "PROTOBUF"
      compatibility = "NONE"
      definition    = "syntax = \"proto3\";\nmessage Audit { string id = 1; }\n"
    }
  }
}

run "registry_and_schemas" {
  command = plan

  assert {
    condition     = aws_glue_registry.this.registry_name == "dev-msk"
    error_message = "The registry takes name when registry_name is null."
  }

  assert {
    condition     = length(aws_glue_schema.this) == 3
    error_message = "One Glue schema per entry of schemas."
  }

  assert {
    condition     = aws_glue_schema.this["orders-value"].compatibility == "BACKWARD"
    error_message = "Compatibility defaults to BACKWARD."
  }

  assert {
    condition     = aws_glue_schema.this["payments-value"].compatibility == "FULL_ALL" && aws_glue_schema.this["payments-value"].data_format == "JSON"
    error_message = "An explicit compatibility and data format must be passed through."
  }

  assert {
    condition     = aws_glue_schema.this["audit-value"].data_format == "PROTOBUF"
    error_message = "PROTOBUF schemas are accepted without JSON validation."
  }

  assert {
    condition     = alltrue([for s in aws_glue_schema.this : s.registry_arn == aws_glue_registry.this.arn])
    error_message = "Every schema must live in the module's registry."
  }

  assert {
    condition     = aws_glue_registry.this.tags["Team"] == "streaming" && aws_glue_schema.this["orders-value"].tags["Team"] == "streaming"
    error_message = "Tags must reach the registry and the schemas."
  }

  assert {
    condition     = contains(jsondecode(output.reader_policy_json).Statement[0].Resource, aws_glue_registry.this.arn)
    error_message = "The reader policy must name the registry."
  }
}

run "explicit_registry_name" {
  command = plan

  variables {
    registry_name = "payments-registry"
    schemas       = {}
  }

  assert {
    condition     = aws_glue_registry.this.registry_name == "payments-registry" && length(aws_glue_schema.this) == 0
    error_message = "registry_name overrides name; no schemas is allowed."
  }
}

run "rejects_an_unknown_compatibility" {
  command = plan

  variables {
    schemas = {
      "orders-value" = {
        data_format   = "AVRO"
        compatibility = "TRANSITIVE"
        definition    = "{\"type\":\"string\"}"
      }
    }
  }

  expect_failures = [var.schemas]
}

run "rejects_an_unknown_data_format" {
  command = plan

  variables {
    schemas = {
      "orders-value" = {
        data_format = "THRIFT"
        definition  = "struct Order {}"
      }
    }
  }

  expect_failures = [var.schemas]
}

run "rejects_an_avro_schema_that_is_not_json" {
  command = plan

  variables {
    schemas = {
      "orders-value" = {
        data_format = "AVRO"
        definition  = "record Order { string id; }"
      }
    }
  }

  expect_failures = [var.schemas]
}

run "rejects_an_invalid_schema_name" {
  command = plan

  variables {
    schemas = {
      "orders value" = {
        data_format = "AVRO"
        definition  = "{\"type\":\"string\"}"
      }
    }
  }

  expect_failures = [var.schemas]
}
