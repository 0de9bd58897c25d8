# AWS Glue Schema Registry (seed 000, component 8): one registry, one schema per entry of
# var.schemas, each with its data format and compatibility mode. Producers and consumers use the
# AWS Glue Schema Registry serializers (or mskctl) with the registry's name.

locals {
  registry_name = coalesce(var.registry_name, var.name)
}

resource "aws_glue_registry" "this" {
  registry_name = local.registry_name
  description   = var.description

  tags = var.tags
}

resource "aws_glue_schema" "this" {
  for_each = var.schemas

  schema_name       = each.key
  registry_arn      = aws_glue_registry.this.arn
  data_format       = each.value.data_format
  compatibility     = each.value.compatibility
  schema_definition = each.value.definition
  description       = each.value.description

  tags = var.tags
}
