# Plans the whole environment against a mocked AWS provider: the modules compose, the secure
# defaults survive composition, and the outputs mskctl reads exist.

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
  mock_data "aws_ssm_parameter" {
    defaults = {
      value          = "ami-0123456789abcdef0"
      insecure_value = "ami-0123456789abcdef0"
      type           = "String"
    }
  }
}

override_resource {
  target = module.msk_cluster.aws_msk_cluster.this
  values = {
    arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/mskctl-prod/0f0e0d0c-0b0a-0908-0706-050403020100-2"
  }
}

override_resource {
  target = module.scram_secrets.aws_secretsmanager_secret.this
  values = {
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_mskctl-prod_orders-app-AbCdEf"
  }
}

run "prod_is_three_azs_rf3_min_isr2" {
  command = plan

  assert {
    condition     = length(module.vpc.private_subnet_ids) == 3 && length(module.vpc.nat_gateway_ids) == 3
    error_message = "prod: 3 AZs, a NAT gateway per AZ."
  }
  assert {
    condition     = module.msk_cluster.server_properties["default.replication.factor"] == "3" && module.msk_cluster.server_properties["min.insync.replicas"] == "2"
    error_message = "prod: RF 3, min.insync.replicas 2."
  }
  assert {
    condition     = output.cluster_arn == "arn:aws:kafka:eu-west-1:123456789012:cluster/mskctl-prod/0f0e0d0c-0b0a-0908-0706-050403020100-2" && output.cluster_name == "mskctl-prod"
    error_message = "Outputs for mskctl config from-terraform."
  }
  assert {
    condition     = length(module.monitoring.alarm_names) == 3 * 3 + 3 + 2 + 1
    error_message = "Alarms for 3 brokers, the cluster and the default consumer group."
  }
}

run "one_az_is_refused" {
  command = plan

  variables {
    az_count = 1
  }

  expect_failures = [var.az_count]
}

run "two_azs_are_refused_in_prod" {
  command = plan

  variables {
    az_count = 2
  }

  expect_failures = [var.az_count]
}

run "burstable_brokers_are_refused_in_prod" {
  command = plan

  variables {
    instance_type = "kafka.t3.small"
  }

  expect_failures = [var.instance_type]
}
