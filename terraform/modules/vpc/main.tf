# The network an MSK cluster lives in: private subnets in 2-3 AZs, optional NAT for outbound-only
# internet, one security group per role (brokers, clients, endpoints) with one rule per Kafka
# port and source, VPC endpoints so AWS API traffic stays in the VPC, and flow logs.

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Zones are pinned by var.azs when given; otherwise the first az_count names of the sorted list are used, and AWS appends new zones at the end of it, so existing subnets never move.
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }

  dynamic "filter" {
    for_each = var.azs == null ? [] : [var.azs]
    content {
      name   = "zone-name"
      values = filter.value
    }
  }
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  azs = var.azs == null ? slice(data.aws_availability_zones.available.names, 0, var.az_count) : var.azs

  # Private subnets: the first three quarters of the VPC (one per AZ). Public subnets (NAT only):
  # the last quarter, split in 16. Indexes, not AZ names, key the subnets so plans never depend
  # on what the AZ data source returns.
  private_cidrs = [for i in range(var.az_count) : cidrsubnet(var.cidr_block, 2, i)]
  public_cidrs  = [for i in range(var.az_count) : cidrsubnet(cidrsubnet(var.cidr_block, 2, 3), 4, i)]

  nat_count = var.enable_nat_gateway ? (var.single_nat_gateway ? 1 : var.az_count) : 0

  # Kafka client listeners (msk-facts): 9094 TLS, 9096 SASL/SCRAM, 9098 IAM; 9092 PLAINTEXT only
  # on request. ZooKeeper (2181/2182) and the brokers' internal listeners are never opened to clients.
  kafka_ports = merge(
    { tls = 9094, scram = 9096, iam = 9098 },
    var.allow_plaintext ? { plaintext = 9092 } : {},
  )

  client_cidr_rules = merge([
    for port_name, port in local.kafka_ports : {
      for cidr in var.client_cidr_blocks : "${port_name}-${cidr}" => { port = port, cidr = cidr }
    }
  ]...)

  prometheus_ports = { jmx_exporter = 11001, node_exporter = 11002 }
  prometheus_rules = merge([
    for exporter, port in local.prometheus_ports : {
      for cidr in var.prometheus_cidr_blocks : "${exporter}-${cidr}" => { port = port, cidr = cidr }
    }
  ]...)

  endpoint_services = toset(var.interface_endpoints)

  create_flow_log_key = var.enable_flow_logs && var.flow_log_kms_key_arn == null
  flow_log_group_name = "/aws/vpc-flow-logs/${var.name}"
  flow_log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.flow_log_group_name}"
  flow_log_kms_key    = local.create_flow_log_key ? aws_kms_key.flow_logs[0].arn : var.flow_log_kms_key_arn
}

################################################################################
# VPC, subnets, gateways, routes
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true # private DNS of interface endpoints and MSK broker names
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })
}

# Take over the default security group and leave it without rules: nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-deny" })
}

resource "aws_subnet" "private" {
  count = var.az_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.private_cidrs[count.index]
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-private-${count.index + 1}", Tier = "private" })
}

resource "aws_subnet" "public" {
  count = var.enable_nat_gateway ? var.az_count : 0

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.public_cidrs[count.index]
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false # only the NAT gateways live here, with their own EIPs

  tags = merge(var.tags, { Name = "${var.name}-public-${count.index + 1}", Tier = "public" })
}

resource "aws_internet_gateway" "this" {
  count = var.enable_nat_gateway ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat-${count.index + 1}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = merge(var.tags, { Name = "${var.name}-nat-${count.index + 1}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  count = var.enable_nat_gateway ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  count = var.enable_nat_gateway ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = var.enable_nat_gateway ? var.az_count : 0

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

# One private route table per AZ, so each AZ can use its own NAT gateway (no cross-AZ dependency).
resource "aws_route_table" "private" {
  count = var.az_count

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private-${count.index + 1}" })
}

resource "aws_route" "private_nat" {
  count = var.enable_nat_gateway ? var.az_count : 0

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id
}

resource "aws_route_table_association" "private" {
  count = var.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

################################################################################
# Security groups: brokers, clients, endpoints
################################################################################

resource "aws_security_group" "msk" {
  #checkov:skip=CKV2_AWS_5:Output for the MSK cluster (msk_cluster security_group_ids); it is attached outside this module.
  name        = "${var.name}-msk-brokers"
  description = "MSK brokers: Kafka listeners from the client security group and listed CIDRs only"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-msk-brokers", Role = "msk" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "client" {
  #checkov:skip=CKV2_AWS_5:Output for client applications (kafka_client, MSK Connect); it is attached outside this module.
  name        = "${var.name}-msk-clients"
  description = "Kafka client applications: may reach the brokers, the VPC endpoints and HTTPS"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-msk-clients", Role = "client" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-vpc-endpoints"
  description = "Interface VPC endpoints: HTTPS from the client security group"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-vpc-endpoints", Role = "endpoints" })

  lifecycle {
    create_before_destroy = true
  }
}

# Brokers <- clients: one rule per Kafka port from the client security group ...
resource "aws_vpc_security_group_ingress_rule" "msk_from_client_sg" {
  for_each = local.kafka_ports

  security_group_id            = aws_security_group.msk.id
  referenced_security_group_id = aws_security_group.client.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  description                  = "Kafka ${each.key} (${each.value}) from the client security group"

  tags = merge(var.tags, { Name = "${var.name}-msk-${each.key}-from-clients" })
}

# ... and one per Kafka port and listed CIDR.
resource "aws_vpc_security_group_ingress_rule" "msk_from_cidr" {
  for_each = local.client_cidr_rules

  security_group_id = aws_security_group.msk.id
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  description       = "Kafka ${each.value.port} from ${each.value.cidr}"

  tags = merge(var.tags, { Name = "${var.name}-msk-${each.key}" })
}

# Broker to broker (replication and the brokers' own listeners, 9092-9098) within the broker
# security group only: only MSK broker ENIs carry this group.
resource "aws_vpc_security_group_ingress_rule" "msk_self" {
  security_group_id            = aws_security_group.msk.id
  referenced_security_group_id = aws_security_group.msk.id
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9098
  description                  = "Broker to broker (9092-9098) inside the broker security group"

  tags = merge(var.tags, { Name = "${var.name}-msk-self" })
}

resource "aws_vpc_security_group_egress_rule" "msk_self" {
  security_group_id            = aws_security_group.msk.id
  referenced_security_group_id = aws_security_group.msk.id
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9098
  description                  = "Broker to broker (9092-9098) inside the broker security group"

  tags = merge(var.tags, { Name = "${var.name}-msk-self-egress" })
}

resource "aws_vpc_security_group_ingress_rule" "msk_prometheus" {
  for_each = local.prometheus_rules

  security_group_id = aws_security_group.msk.id
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  description       = "Prometheus open monitoring (${each.value.port}) from ${each.value.cidr}"

  tags = merge(var.tags, { Name = "${var.name}-msk-${each.key}" })
}

# Clients -> brokers, on the same ports.
resource "aws_vpc_security_group_egress_rule" "client_to_msk" {
  for_each = local.kafka_ports

  security_group_id            = aws_security_group.client.id
  referenced_security_group_id = aws_security_group.msk.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  description                  = "Kafka ${each.key} (${each.value}) to the brokers"

  tags = merge(var.tags, { Name = "${var.name}-clients-${each.key}-to-msk" })
}

resource "aws_vpc_security_group_egress_rule" "client_to_endpoints" {
  security_group_id            = aws_security_group.client.id
  referenced_security_group_id = aws_security_group.endpoints.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  description                  = "HTTPS to the interface VPC endpoints"

  tags = merge(var.tags, { Name = "${var.name}-clients-to-endpoints" })
}

resource "aws_vpc_security_group_egress_rule" "client_to_s3" {
  security_group_id = aws_security_group.client.id
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS to S3 through the gateway endpoint"

  tags = merge(var.tags, { Name = "${var.name}-clients-to-s3" })
}

resource "aws_vpc_security_group_egress_rule" "client_https" {
  count = var.allow_client_https_egress ? 1 : 0

  security_group_id = aws_security_group.client.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS to the internet through NAT (package installs, AWS APIs without an endpoint)"

  tags = merge(var.tags, { Name = "${var.name}-clients-https" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_client" {
  security_group_id            = aws_security_group.endpoints.id
  referenced_security_group_id = aws_security_group.client.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  description                  = "HTTPS from the client security group"

  tags = merge(var.tags, { Name = "${var.name}-endpoints-from-clients" })
}

################################################################################
# VPC endpoints
################################################################################

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "${data.aws_partition.current.reverse_dns_prefix}.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = merge(var.tags, { Name = "${var.name}-s3" })
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.endpoint_services

  vpc_id              = aws_vpc.this.id
  service_name        = "${data.aws_partition.current.reverse_dns_prefix}.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

################################################################################
# Flow logs -> KMS-encrypted CloudWatch log group
################################################################################

resource "aws_kms_key" "flow_logs" {
  count = local.create_flow_log_key ? 1 : 0

  description             = "${var.name}: VPC flow logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesForThisLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.flow_log_group_arn } }
      },
    ]
  })

  tags = merge(var.tags, { Name = "${var.name}-flow-logs" })
}

resource "aws_kms_alias" "flow_logs" {
  count = local.create_flow_log_key ? 1 : 0

  name          = "alias/${var.name}-flow-logs"
  target_key_id = aws_kms_key.flow_logs[0].key_id
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name              = local.flow_log_group_name
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = local.flow_log_kms_key

  tags = merge(var.tags, { Name = "${var.name}-flow-logs" })
}

resource "aws_iam_role" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name_prefix = substr("${var.name}-flow-logs-", 0, 38)
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc-flow-log/*" }
      }
    }]
  })

  tags = merge(var.tags, { Name = "${var.name}-flow-logs" })
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name = "write-flow-logs"
  role = aws_iam_role.flow_logs[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteThisLogGroupOnly"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"]
      Resource = [local.flow_log_group_arn, "${local.flow_log_group_arn}:*"]
    }]
  })
}

resource "aws_flow_log" "this" {
  count = var.enable_flow_logs ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 60

  tags = merge(var.tags, { Name = var.name })
}
