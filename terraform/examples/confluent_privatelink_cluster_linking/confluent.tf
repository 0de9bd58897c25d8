# Seed 003's layout on Confluent Cloud: one environment, two Enterprise clusters reached only
# through one PrivateLink attachment, a cluster link owned by the destination team mirroring one
# topic, and a service account per role with the least privilege it needs.
#
#   producer --WRITE--> [source cluster] <--READ (link credentials)-- [destination cluster] <--READ-- consumer
#
# The MSK counterpart is modules/msk_replicator (MSK Replicator between two MSK clusters).

################################################################################
# Environment and private networking (PrivateLink attachment)
################################################################################

resource "confluent_environment" "this" {
  display_name = var.name

  stream_governance {
    package = "ESSENTIALS"
  }
}

# One attachment per environment and region; every Enterprise cluster of the environment is
# reached through it.
resource "confluent_private_link_attachment" "this" {
  cloud        = "AWS"
  region       = var.region
  display_name = "${var.name}-aws"

  environment {
    id = confluent_environment.this.id
  }
}

# Confluent's side of the connection: accepts our interface endpoint (aws.tf).
resource "confluent_private_link_attachment_connection" "this" {
  display_name = "${var.name}-${var.vpc_id}"

  environment {
    id = confluent_environment.this.id
  }

  aws {
    vpc_endpoint_id = aws_vpc_endpoint.confluent.id
  }

  private_link_attachment {
    id = confluent_private_link_attachment.this.id
  }
}

################################################################################
# Clusters
################################################################################

resource "confluent_kafka_cluster" "source" {
  display_name = "${var.name}-source"
  availability = var.cluster_availability
  cloud        = "AWS"
  region       = var.region

  enterprise {}

  environment {
    id = confluent_environment.this.id
  }
}

resource "confluent_kafka_cluster" "destination" {
  display_name = "${var.name}-destination"
  availability = var.cluster_availability
  cloud        = "AWS"
  region       = var.region

  enterprise {}

  environment {
    id = confluent_environment.this.id
  }
}

################################################################################
# Service accounts (one per role)
################################################################################

# Administers the source cluster: creates the topic and the ACLs there.
resource "confluent_service_account" "source_manager" {
  display_name = "${var.name}-source-manager"
  description  = "Manages topics and ACLs of the source cluster"
}

# Owns the cluster link and the mirror topic on the destination cluster.
resource "confluent_service_account" "destination_manager" {
  display_name = "${var.name}-destination-manager"
  description  = "Manages the cluster link, mirror topics and ACLs of the destination cluster"
}

# The credentials the link presents to the source cluster: read-only on the mirrored topic.
resource "confluent_service_account" "link_reader" {
  display_name = "${var.name}-link-reader"
  description  = "Cluster link credentials on the source cluster (read the mirrored topic only)"
}

resource "confluent_service_account" "producer" {
  display_name = "${var.name}-producer"
  description  = "Produces ${var.source_topic} on the source cluster"
}

resource "confluent_service_account" "consumer" {
  display_name = "${var.name}-consumer"
  description  = "Consumes the mirror of ${var.source_topic} on the destination cluster"
}

# Cluster-scoped admin roles (not EnvironmentAdmin): each manager administers one cluster.
resource "confluent_role_binding" "source_manager" {
  principal   = "User:${confluent_service_account.source_manager.id}"
  role_name   = "CloudClusterAdmin"
  crn_pattern = confluent_kafka_cluster.source.rbac_crn
}

resource "confluent_role_binding" "destination_manager" {
  principal   = "User:${confluent_service_account.destination_manager.id}"
  role_name   = "CloudClusterAdmin"
  crn_pattern = confluent_kafka_cluster.destination.rbac_crn
}

################################################################################
# API keys (cluster-scoped; stored in Secrets Manager by aws.tf)
################################################################################

resource "confluent_api_key" "source_manager" {
  display_name = "${var.name}-source-manager"
  description  = "Kafka API key of ${confluent_service_account.source_manager.display_name} on the source cluster"

  owner {
    id          = confluent_service_account.source_manager.id
    api_version = confluent_service_account.source_manager.api_version
    kind        = confluent_service_account.source_manager.kind
  }

  managed_resource {
    id          = confluent_kafka_cluster.source.id
    api_version = confluent_kafka_cluster.source.api_version
    kind        = confluent_kafka_cluster.source.kind

    environment {
      id = confluent_environment.this.id
    }
  }

  depends_on = [
    confluent_role_binding.source_manager,
    confluent_private_link_attachment_connection.this,
  ]
}

resource "confluent_api_key" "destination_manager" {
  display_name = "${var.name}-destination-manager"
  description  = "Kafka API key of ${confluent_service_account.destination_manager.display_name} on the destination cluster"

  owner {
    id          = confluent_service_account.destination_manager.id
    api_version = confluent_service_account.destination_manager.api_version
    kind        = confluent_service_account.destination_manager.kind
  }

  managed_resource {
    id          = confluent_kafka_cluster.destination.id
    api_version = confluent_kafka_cluster.destination.api_version
    kind        = confluent_kafka_cluster.destination.kind

    environment {
      id = confluent_environment.this.id
    }
  }

  depends_on = [
    confluent_role_binding.destination_manager,
    confluent_private_link_attachment_connection.this,
  ]
}

resource "confluent_api_key" "link_reader" {
  display_name = "${var.name}-link-reader"
  description  = "Kafka API key the cluster link uses on the source cluster"

  owner {
    id          = confluent_service_account.link_reader.id
    api_version = confluent_service_account.link_reader.api_version
    kind        = confluent_service_account.link_reader.kind
  }

  managed_resource {
    id          = confluent_kafka_cluster.source.id
    api_version = confluent_kafka_cluster.source.api_version
    kind        = confluent_kafka_cluster.source.kind

    environment {
      id = confluent_environment.this.id
    }
  }
}

resource "confluent_api_key" "producer" {
  display_name = "${var.name}-producer"
  description  = "Kafka API key of the producer on the source cluster"

  owner {
    id          = confluent_service_account.producer.id
    api_version = confluent_service_account.producer.api_version
    kind        = confluent_service_account.producer.kind
  }

  managed_resource {
    id          = confluent_kafka_cluster.source.id
    api_version = confluent_kafka_cluster.source.api_version
    kind        = confluent_kafka_cluster.source.kind

    environment {
      id = confluent_environment.this.id
    }
  }
}

resource "confluent_api_key" "consumer" {
  display_name = "${var.name}-consumer"
  description  = "Kafka API key of the consumer on the destination cluster"

  owner {
    id          = confluent_service_account.consumer.id
    api_version = confluent_service_account.consumer.api_version
    kind        = confluent_service_account.consumer.kind
  }

  managed_resource {
    id          = confluent_kafka_cluster.destination.id
    api_version = confluent_kafka_cluster.destination.api_version
    kind        = confluent_kafka_cluster.destination.kind

    environment {
      id = confluent_environment.this.id
    }
  }
}

################################################################################
# Source topic and its ACLs (data-plane calls: the runner must resolve the private endpoint)
################################################################################

resource "confluent_kafka_topic" "source" {
  kafka_cluster {
    id = confluent_kafka_cluster.source.id
  }

  topic_name       = var.source_topic
  partitions_count = var.source_topic_partitions
  rest_endpoint    = confluent_kafka_cluster.source.rest_endpoint

  config = {
    "cleanup.policy"      = "delete"
    "retention.ms"        = "604800000"
    "min.insync.replicas" = "2"
  }

  credentials {
    key    = confluent_api_key.source_manager.id
    secret = confluent_api_key.source_manager.secret
  }

  depends_on = [aws_route53_record.confluent_wildcard]
}

locals {
  # Every ACL below is one (cluster, principal, resource, operation) ALLOW on a LITERAL or
  # PREFIXED pattern: no wildcard principals, no wildcard topics.
  source_acls = {
    producer_write_topic = {
      principal     = confluent_service_account.producer.id
      resource_type = "TOPIC"
      resource_name = var.source_topic
      pattern_type  = "LITERAL"
      operation     = "WRITE"
    }
    producer_describe_topic = {
      principal     = confluent_service_account.producer.id
      resource_type = "TOPIC"
      resource_name = var.source_topic
      pattern_type  = "LITERAL"
      operation     = "DESCRIBE"
    }
    link_read_topic = {
      principal     = confluent_service_account.link_reader.id
      resource_type = "TOPIC"
      resource_name = var.source_topic
      pattern_type  = "LITERAL"
      operation     = "READ"
    }
    link_describe_configs_topic = {
      principal     = confluent_service_account.link_reader.id
      resource_type = "TOPIC"
      resource_name = var.source_topic
      pattern_type  = "LITERAL"
      operation     = "DESCRIBE_CONFIGS"
    }
    link_describe_cluster = {
      principal     = confluent_service_account.link_reader.id
      resource_type = "CLUSTER"
      resource_name = "kafka-cluster"
      pattern_type  = "LITERAL"
      operation     = "DESCRIBE"
    }
    # Consumer offset sync reads the source cluster's committed offsets of these groups.
    link_describe_groups = {
      principal     = confluent_service_account.link_reader.id
      resource_type = "GROUP"
      resource_name = var.consumer_group_prefix
      pattern_type  = "PREFIXED"
      operation     = "DESCRIBE"
    }
  }

  destination_acls = {
    consumer_read_mirror = {
      principal     = confluent_service_account.consumer.id
      resource_type = "TOPIC"
      resource_name = var.source_topic
      pattern_type  = "LITERAL"
      operation     = "READ"
    }
    consumer_describe_mirror = {
      principal     = confluent_service_account.consumer.id
      resource_type = "TOPIC"
      resource_name = var.source_topic
      pattern_type  = "LITERAL"
      operation     = "DESCRIBE"
    }
    consumer_read_groups = {
      principal     = confluent_service_account.consumer.id
      resource_type = "GROUP"
      resource_name = var.consumer_group_prefix
      pattern_type  = "PREFIXED"
      operation     = "READ"
    }
  }
}

resource "confluent_kafka_acl" "source" {
  for_each = local.source_acls

  kafka_cluster {
    id = confluent_kafka_cluster.source.id
  }

  resource_type = each.value.resource_type
  resource_name = each.value.resource_name
  pattern_type  = each.value.pattern_type
  principal     = "User:${each.value.principal}"
  host          = "*"
  operation     = each.value.operation
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.source.rest_endpoint

  credentials {
    key    = confluent_api_key.source_manager.id
    secret = confluent_api_key.source_manager.secret
  }

  depends_on = [aws_route53_record.confluent_wildcard]
}

resource "confluent_kafka_acl" "destination" {
  for_each = local.destination_acls

  kafka_cluster {
    id = confluent_kafka_cluster.destination.id
  }

  resource_type = each.value.resource_type
  resource_name = each.value.resource_name
  pattern_type  = each.value.pattern_type
  principal     = "User:${each.value.principal}"
  host          = "*"
  operation     = each.value.operation
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.destination.rest_endpoint

  credentials {
    key    = confluent_api_key.destination_manager.id
    secret = confluent_api_key.destination_manager.secret
  }

  depends_on = [aws_route53_record.confluent_wildcard]
}

################################################################################
# Cluster link (destination-initiated) and mirror topic
################################################################################

resource "confluent_cluster_link" "this" {
  link_name       = var.link_name
  link_mode       = "DESTINATION"
  connection_mode = "OUTBOUND"

  source_kafka_cluster {
    id                 = confluent_kafka_cluster.source.id
    bootstrap_endpoint = confluent_kafka_cluster.source.bootstrap_endpoint

    credentials {
      key    = confluent_api_key.link_reader.id
      secret = confluent_api_key.link_reader.secret
    }
  }

  destination_kafka_cluster {
    id            = confluent_kafka_cluster.destination.id
    rest_endpoint = confluent_kafka_cluster.destination.rest_endpoint

    credentials {
      key    = confluent_api_key.destination_manager.id
      secret = confluent_api_key.destination_manager.secret
    }
  }

  config = {
    # Consumers can fail over to the destination at the offsets they committed on the source.
    "consumer.offset.sync.enable"   = "true"
    "consumer.offset.sync.ms"       = "30000"
    "consumer.offset.group.filters" = jsonencode({ groupFilters = [{ name = var.consumer_group_prefix, patternType = "PREFIXED", filterType = "INCLUDE" }] })
    # ACLs are managed per cluster above, not copied over the link.
    "acl.sync.enable" = "false"
  }

  depends_on = [
    confluent_kafka_acl.source,
    aws_route53_record.confluent_wildcard,
  ]
}

resource "confluent_kafka_mirror_topic" "this" {
  source_kafka_topic {
    topic_name = confluent_kafka_topic.source.topic_name
  }

  cluster_link {
    link_name = confluent_cluster_link.this.link_name
  }

  kafka_cluster {
    id            = confluent_kafka_cluster.destination.id
    rest_endpoint = confluent_kafka_cluster.destination.rest_endpoint

    credentials {
      key    = confluent_api_key.destination_manager.id
      secret = confluent_api_key.destination_manager.secret
    }
  }
}
