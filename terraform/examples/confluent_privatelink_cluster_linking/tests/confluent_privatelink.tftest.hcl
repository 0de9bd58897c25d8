# Plans the example with its example.tfvars values against mocked confluent and AWS providers and
# checks what its README promises: clusters reached only through the PrivateLink endpoint (443
# and 9092 from the client CIDRs only), no API secret copied into the Secrets Manager versions'
# plan or state (write-only value, CMK with rotation), multi-zone clusters, and least-privilege
# ACLs (no wildcard topic or principal).
#
# NOT RUN OFFLINE: `mock_provider` still needs the provider's schema, and no schema for
# confluentinc/confluent exists here (make iac-check says "skip"). The CI workflow's static job
# runs it, where the registry is reachable.

mock_provider "confluent" {}

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

override_resource {
  target = confluent_private_link_attachment.this
  values = {
    dns_domain = "abc123.us-east-1.aws.private.confluent.cloud"
    aws        = [{ vpc_endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0" }]
  }
}

override_resource {
  target = aws_vpc_endpoint.confluent
  values = {
    dns_entry = [{ dns_name = "vpce-0123-abcd.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }]
  }
}

override_resource {
  target = aws_kms_key.secrets
  values = {
    arn    = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

# example.tfvars, and placeholder credentials (ephemeral variables: never saved)
variables {
  confluent_cloud_api_key    = "MOCKKEY"
  confluent_cloud_api_secret = "mock-secret"
  region                     = "us-east-1"
  name                       = "mskctl-cc"
  tags = {
    Owner = "platform-team"
  }
  vpc_id                  = "vpc-0123456789abcdef0"
  subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
  client_cidr_blocks      = ["10.0.0.0/20", "10.100.0.0/22", "10.2.0.0/16"]
  cluster_availability    = "HIGH"
  source_topic            = "dev-stock_trades"
  source_topic_partitions = 6
  consumer_group_prefix   = "stock-trades-"
  link_name               = "source-to-destination"
}

run "api_secrets_are_write_only_in_secrets_manager" {
  command = plan

  assert {
    condition     = length(aws_secretsmanager_secret_version.api_keys) == 5 && alltrue([for v in aws_secretsmanager_secret_version.api_keys : v.secret_string == null && v.secret_string_wo == null])
    error_message = "Each role's API key goes to Secrets Manager through the write-only secret_string_wo: no copy in plan or state."
  }
  assert {
    condition     = aws_kms_key.secrets.enable_key_rotation && alltrue([for s in aws_secretsmanager_secret.api_keys : s.kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"])
    error_message = "The secrets are encrypted with the example's CMK, which rotates."
  }
}

run "privatelink_only_from_client_cidrs" {
  command = plan

  assert {
    condition     = aws_vpc_endpoint.confluent.vpc_endpoint_type == "Interface" && aws_vpc_endpoint.confluent.service_name == "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
    error_message = "An interface endpoint to the attachment's endpoint service."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.confluent_endpoint) == 6 && alltrue([for r in aws_vpc_security_group_ingress_rule.confluent_endpoint : contains([443, 9092], r.from_port) && r.to_port == r.from_port && contains(var.client_cidr_blocks, r.cidr_ipv4)])
    error_message = "The endpoint accepts 443 (REST) and 9092 (Kafka over TLS) from the client CIDRs only."
  }
  assert {
    condition     = aws_route53_record.confluent_wildcard.name == "*.abc123.us-east-1.aws.private.confluent.cloud"
    error_message = "The private zone resolves every cluster host to the endpoint."
  }
}

run "multi_zone_clusters_least_privilege_acls" {
  command = plan

  assert {
    condition     = confluent_kafka_cluster.source.availability == "HIGH" && confluent_kafka_cluster.destination.availability == "HIGH"
    error_message = "Both clusters are multi-zone."
  }
  assert {
    condition     = alltrue([for a in concat(values(confluent_kafka_acl.source), values(confluent_kafka_acl.destination)) : a.resource_name != "*" && contains(["LITERAL", "PREFIXED"], a.pattern_type) && a.principal != "User:*" && a.permission == "ALLOW"])
    error_message = "Every ACL names one principal and a literal or prefixed resource: no wildcards."
  }
}
