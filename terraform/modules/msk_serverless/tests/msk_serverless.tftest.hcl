mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
}

variables {
  name               = "bursty"
  subnet_ids         = ["subnet-a", "subnet-b", "subnet-c"]
  security_group_ids = ["sg-brokers"]
  tags               = { Team = "platform" }
}

run "iam_only_inside_the_vpc" {
  command = plan

  assert {
    condition     = aws_msk_serverless_cluster.this.client_authentication[0].sasl[0].iam[0].enabled == true
    error_message = "IAM authentication must be on."
  }
  assert {
    condition     = aws_msk_serverless_cluster.this.vpc_config[0].subnet_ids == toset(["subnet-a", "subnet-b", "subnet-c"]) && aws_msk_serverless_cluster.this.vpc_config[0].security_group_ids == toset(["sg-brokers"])
    error_message = "The cluster lives in the given subnets behind the given security groups."
  }
  assert {
    condition     = aws_msk_serverless_cluster.this.cluster_name == "bursty" && aws_msk_serverless_cluster.this.tags["Team"] == "platform"
    error_message = "Name and tags are passed through."
  }
  assert {
    condition     = output.region == "eu-west-1"
    error_message = "The region output feeds mskctl profiles."
  }
}

run "one_subnet_is_refused" {
  command = plan

  variables {
    subnet_ids = ["subnet-a"]
  }

  expect_failures = [var.subnet_ids]
}
