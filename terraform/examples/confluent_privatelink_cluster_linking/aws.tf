# AWS side: an interface endpoint to the attachment's endpoint service, a private hosted zone that
# resolves the Confluent private domain to it, and the API keys in Secrets Manager under a CMK.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

################################################################################
# Interface endpoint to Confluent Cloud
################################################################################

resource "aws_security_group" "confluent_endpoint" {
  name_prefix = "${var.name}-confluent-pl-"
  description = "Confluent Cloud PrivateLink endpoint: 443 (REST) and 9092 (Kafka over TLS) from known clients only"
  vpc_id      = var.vpc_id

  # No egress rule: an interface endpoint never initiates connections.

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "confluent_endpoint" {
  # One rule per (port, CIDR): 443 carries the REST API (topics, ACLs, links), 9092 Kafka (TLS
  # with SASL/PLAIN API keys; Confluent Cloud has no plaintext listener).
  for_each = {
    for pair in setproduct([443, 9092], var.client_cidr_blocks) : "${pair[0]}-${pair[1]}" => {
      port = pair[0]
      cidr = pair[1]
    }
  }

  security_group_id = aws_security_group.confluent_endpoint.id
  description       = "Confluent Cloud ${each.value.port == 443 ? "REST" : "Kafka"} from ${each.value.cidr}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
}

resource "aws_vpc_endpoint" "confluent" {
  vpc_id              = var.vpc_id
  service_name        = confluent_private_link_attachment.this.aws[0].vpc_endpoint_service_name
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.confluent_endpoint.id]
  private_dns_enabled = false # Confluent's domain is served by the private hosted zone below

  tags = {
    Name = "${var.name}-confluent-privatelink"
  }
}

################################################################################
# Private DNS for the attachment's domain (<id>.<region>.aws.private.confluent.cloud)
################################################################################

resource "aws_route53_zone" "confluent" {
  #checkov:skip=CKV2_AWS_38:DNSSEC signing is not supported for private hosted zones.
  #checkov:skip=CKV2_AWS_39:Query logging applies to public zones; private zone queries are logged by Route 53 Resolver query logging, configured per VPC outside this example.
  name    = confluent_private_link_attachment.this.dns_domain
  comment = "Confluent Cloud PrivateLink attachment ${confluent_private_link_attachment.this.id}"

  vpc {
    vpc_id = var.vpc_id
  }
}

# Every cluster host of the attachment's domain resolves to the endpoint's regional DNS name.
resource "aws_route53_record" "confluent_wildcard" {
  zone_id = aws_route53_zone.confluent.zone_id
  name    = "*.${confluent_private_link_attachment.this.dns_domain}"
  type    = "CNAME"
  ttl     = 60
  records = [aws_vpc_endpoint.confluent.dns_entry[0].dns_name]
}

################################################################################
# API keys in Secrets Manager, encrypted with a CMK
################################################################################

resource "aws_kms_key" "secrets" {
  description             = "${var.name}: Confluent Cloud API keys in Secrets Manager"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.name}/confluent-api-keys"
  target_key_id = aws_kms_key.secrets.key_id
}

locals {
  # What each client needs to connect: the API key and the cluster it is valid for.
  api_keys = {
    source-manager = {
      key       = confluent_api_key.source_manager
      cluster   = confluent_kafka_cluster.source
      principal = confluent_service_account.source_manager.id
    }
    destination-manager = {
      key       = confluent_api_key.destination_manager
      cluster   = confluent_kafka_cluster.destination
      principal = confluent_service_account.destination_manager.id
    }
    link-reader = {
      key       = confluent_api_key.link_reader
      cluster   = confluent_kafka_cluster.source
      principal = confluent_service_account.link_reader.id
    }
    producer = {
      key       = confluent_api_key.producer
      cluster   = confluent_kafka_cluster.source
      principal = confluent_service_account.producer.id
    }
    consumer = {
      key       = confluent_api_key.consumer
      cluster   = confluent_kafka_cluster.destination
      principal = confluent_service_account.consumer.id
    }
  }
}

resource "aws_secretsmanager_secret" "api_keys" {
  #checkov:skip=CKV2_AWS_57:Confluent API keys are rotated by creating a new confluent_api_key and re-applying; Secrets Manager has no rotation Lambda for them.
  for_each = local.api_keys

  name_prefix             = "${var.name}/confluent/${each.key}-"
  description             = "Confluent Cloud API key of ${each.value.principal} on ${each.value.cluster.display_name}"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = var.secret_recovery_window_in_days
}

# The value goes through the write-only secret_string_wo, so this resource keeps no copy of the
# API secret in the plan or the state (confluent_api_key itself still holds it: see the README).
# Write-only values are not diffed; the version follows the API key's id, so a new key (rotation:
# replace confluent_api_key) writes a new value, and nothing else does.
resource "aws_secretsmanager_secret_version" "api_keys" {
  for_each = local.api_keys

  secret_id                = aws_secretsmanager_secret.api_keys[each.key].id
  secret_string_wo_version = parseint(substr(sha256(each.value.key.id), 0, 8), 16) + 1
  secret_string_wo = jsonencode({
    api_key            = each.value.key.id
    api_secret         = each.value.key.secret
    cluster_id         = each.value.cluster.id
    bootstrap_servers  = trimprefix(each.value.cluster.bootstrap_endpoint, "SASL_SSL://")
    rest_endpoint      = each.value.cluster.rest_endpoint
    security_protocol  = "SASL_SSL"
    sasl_mechanism     = "PLAIN"
    service_account_id = each.value.principal
  })
}
