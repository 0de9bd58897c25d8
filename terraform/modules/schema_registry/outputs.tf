output "registry_arn" {
  description = "ARN of the Glue Schema Registry."
  value       = aws_glue_registry.this.arn
}

output "registry_name" {
  description = "Name of the Glue Schema Registry."
  value       = aws_glue_registry.this.registry_name
}

output "schema_arns" {
  description = "Map of schema name to schema ARN."
  value       = { for name, schema in aws_glue_schema.this : name => schema.arn }
}

output "schema_latest_versions" {
  description = "Map of schema name to its latest version number."
  value       = { for name, schema in aws_glue_schema.this : name => schema.latest_schema_version }
}

output "reader_policy_json" {
  description = "IAM policy letting serializers/deserializers read this registry's schemas (attach it to client roles)."
  value = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "ReadSchemas"
      Effect = "Allow"
      Action = [
        "glue:GetRegistry",
        "glue:GetSchema",
        "glue:GetSchemaVersion",
        "glue:GetSchemaByDefinition",
        "glue:ListSchemaVersions",
      ]
      Resource = concat([aws_glue_registry.this.arn], [for schema in aws_glue_schema.this : schema.arn])
    }]
  })
}
