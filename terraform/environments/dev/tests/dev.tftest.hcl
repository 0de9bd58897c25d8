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
    arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/mskctl-dev/0f0e0d0c-0b0a-0908-0706-050403020100-2"
  }
}

override_resource {
  target = module.scram_secrets.aws_secretsmanager_secret.this
  values = {
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_mskctl-dev_orders-app-AbCdEf"
  }
}

run "dev_is_two_azs_two_brokers_same_security" {
  command = plan

  assert {
    condition     = length(module.vpc.private_subnet_ids) == 2 && module.msk_cluster.server_properties["default.replication.factor"] == "2"
    error_message = "dev: 2 AZs, 2 brokers, RF 2."
  }
  assert {
    condition     = module.msk_cluster.server_properties["allow.everyone.if.no.acl.found"] == "false" && module.msk_cluster.server_properties["auto.create.topics.enable"] == "false"
    error_message = "dev keeps the hardened broker configuration."
  }
  assert {
    condition     = output.cluster_name == "mskctl-dev" && output.region == "eu-west-1"
    error_message = "Outputs for mskctl config from-terraform."
  }
  assert {
    condition     = alltrue([for n in values(module.scram_secrets.secret_names) : startswith(n, "AmazonMSK_mskctl-dev_")])
    error_message = "SCRAM secrets carry the AmazonMSK_ prefix and the environment."
  }
}

run "one_az_is_refused" {
  command = plan

  variables {
    az_count = 1
  }

  expect_failures = [var.az_count]
}
