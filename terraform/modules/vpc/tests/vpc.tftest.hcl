mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    }
  }
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }
}

override_resource {
  target = aws_security_group.msk
  values = { id = "sg-0msk00000000000001" }
}

override_resource {
  target = aws_security_group.client
  values = { id = "sg-0client0000000001" }
}

override_resource {
  target = aws_security_group.endpoints
  values = { id = "sg-0endpoints000001" }
}

variables {
  name = "mskctl-test"
  tags = { Team = "platform" }
}

run "three_private_subnets_one_nat_per_az" {
  command = plan

  assert {
    condition     = length(aws_subnet.private) == 3 && length(aws_subnet.public) == 3
    error_message = "Expected 3 private and 3 public subnets by default."
  }
  assert {
    condition     = [for s in aws_subnet.private : s.availability_zone] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    error_message = "Private subnets must be spread over the first three AZs."
  }
  assert {
    condition     = [for s in aws_subnet.private : s.cidr_block] == ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"]
    error_message = "Private subnets take the first three quarters of the VPC."
  }
  assert {
    condition     = alltrue([for s in concat(aws_subnet.private, aws_subnet.public) : s.map_public_ip_on_launch == false])
    error_message = "No subnet may auto-assign public IPs."
  }
  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_route.private_nat) == 3
    error_message = "One NAT gateway (and route) per AZ unless single_nat_gateway."
  }
  assert {
    condition     = aws_vpc.this.enable_dns_support && aws_vpc.this.enable_dns_hostnames
    error_message = "DNS support and hostnames are needed for private endpoint DNS and broker names."
  }
  assert {
    condition     = aws_vpc.this.tags["Team"] == "platform" && aws_subnet.private[0].tags["Team"] == "platform"
    error_message = "tags must be merged into every resource."
  }
}

run "broker_ports_only_from_the_client_security_group" {
  command = plan

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.msk_from_client_sg) == ["iam", "scram", "tls"]
    error_message = "Exactly one ingress rule per Kafka port (TLS, SCRAM, IAM) from the client SG."
  }
  assert {
    condition = [for k in ["tls", "scram", "iam"] : aws_vpc_security_group_ingress_rule.msk_from_client_sg[k].from_port] == [9094, 9096, 9098] && alltrue([
      for r in aws_vpc_security_group_ingress_rule.msk_from_client_sg : r.from_port == r.to_port && r.ip_protocol == "tcp" && r.referenced_security_group_id == "sg-0client0000000001" && r.security_group_id == "sg-0msk00000000000001" && r.cidr_ipv4 == null
    ])
    error_message = "Client rules must be single TCP ports 9094/9096/9098 from the client SG into the broker SG."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.msk_from_cidr) == 0 && length(aws_vpc_security_group_ingress_rule.msk_prometheus) == 0
    error_message = "No CIDR may reach the brokers unless listed."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.msk_self.referenced_security_group_id == "sg-0msk00000000000001" && aws_vpc_security_group_ingress_rule.msk_self.from_port == 9092 && aws_vpc_security_group_ingress_rule.msk_self.to_port == 9098
    error_message = "Broker-to-broker traffic is a self-reference of the broker SG on 9092-9098."
  }
  assert {
    condition = !anytrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.msk_from_client_sg), values(aws_vpc_security_group_ingress_rule.msk_from_cidr)) :
      r.from_port <= 2182 && r.to_port >= 2181 || r.from_port == 9092
    ])
    error_message = "ZooKeeper (2181/2182) and PLAINTEXT (9092) must never be open to clients by default."
  }
  assert {
    condition     = [for k in ["tls", "scram", "iam"] : aws_vpc_security_group_egress_rule.client_to_msk[k].to_port] == [9094, 9096, 9098]
    error_message = "Client egress mirrors the broker ingress ports."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_from_client.from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_from_client.referenced_security_group_id == "sg-0client0000000001"
    error_message = "Endpoints accept HTTPS from the client SG only."
  }
}

run "cidr_sources_get_one_rule_per_port_and_cidr" {
  command = plan

  variables {
    client_cidr_blocks     = ["10.50.0.0/16", "192.168.10.0/24"]
    prometheus_cidr_blocks = ["10.60.0.0/24"]
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.msk_from_cidr) == 6
    error_message = "3 ports x 2 CIDRs = 6 rules."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.msk_from_cidr["scram-192.168.10.0/24"].from_port == 9096 && aws_vpc_security_group_ingress_rule.msk_from_cidr["scram-192.168.10.0/24"].cidr_ipv4 == "192.168.10.0/24"
    error_message = "Each CIDR rule names its port and CIDR."
  }
  assert {
    condition     = sort([for r in aws_vpc_security_group_ingress_rule.msk_prometheus : tostring(r.from_port)]) == tolist(["11001", "11002"])
    error_message = "Prometheus scrapers reach 11001 and 11002 only."
  }
}

run "plaintext_port_only_with_the_opt_in" {
  command = plan

  variables {
    allow_plaintext = true
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.msk_from_client_sg["plaintext"].from_port == 9092
    error_message = "allow_plaintext opens 9092 from the client SG."
  }
}

run "endpoints_keep_aws_traffic_private" {
  command = plan

  assert {
    condition     = aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3.service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "S3 is always reached through a gateway endpoint."
  }
  assert {
    condition     = sort(keys(aws_vpc_endpoint.interface)) == tolist(["glue", "kms", "logs", "secretsmanager", "sts"])
    error_message = "Default interface endpoints: secretsmanager, kms, sts, glue, logs."
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface" && e.security_group_ids == toset(["sg-0endpoints000001"])])
    error_message = "Interface endpoints use private DNS and the endpoints SG."
  }
}

run "flow_logs_encrypted_with_a_rotating_cmk" {
  command = plan

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].log_destination_type == "cloud-watch-logs"
    error_message = "Flow logs capture all traffic into CloudWatch Logs."
  }
  assert {
    condition     = aws_kms_key.flow_logs[0].enable_key_rotation && aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 365
    error_message = "Flow-log CMK rotates; logs are kept a year by default."
  }
  assert {
    condition     = jsondecode(aws_kms_key.flow_logs[0].policy).Statement[1].Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc-flow-logs/mskctl-test"
    error_message = "CloudWatch Logs may use the key for the flow-log group only."
  }
}

run "single_nat_gateway_and_two_azs" {
  command = plan

  variables {
    az_count           = 2
    single_nat_gateway = true
  }

  assert {
    condition     = length(aws_subnet.private) == 2 && length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 2
    error_message = "Two AZs share one NAT gateway."
  }
}

run "no_nat_means_no_public_subnets" {
  command = plan

  variables {
    enable_nat_gateway        = false
    allow_client_https_egress = false
  }

  assert {
    condition     = length(aws_subnet.public) == 0 && length(aws_internet_gateway.this) == 0 && length(aws_nat_gateway.this) == 0
    error_message = "Without NAT there is nothing public."
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.client_https) == 0
    error_message = "Clients get no internet egress when it is switched off."
  }
}

run "one_az_is_refused" {
  command = plan

  variables {
    az_count = 1
  }

  expect_failures = [var.az_count]
}

run "open_to_the_internet_is_refused" {
  command = plan

  variables {
    client_cidr_blocks = ["0.0.0.0/0"]
  }

  expect_failures = [var.client_cidr_blocks]
}
