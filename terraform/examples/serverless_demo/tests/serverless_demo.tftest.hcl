# Plans the example with its example.tfvars values against a mocked AWS provider and checks what
# its README promises, through the modules' outputs (a test of a root reads its modules' outputs,
# not their resources; each module's own suite checks its resources): two private subnets, one
# NAT gateway, only the IAM/TLS listener port opened, a client policy for exactly the example's
# topic and group, no SCRAM or TLS bootstrap output, and the outputs `mskctl config
# from-terraform` reads.

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
  target = module.msk_serverless.aws_msk_serverless_cluster.this
  values = {
    arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/mskctl-serverless/0f0e0d0c-0b0a-0908-0706-050403020100-s1"
  }
}

# example.tfvars
variables {
  region = "eu-west-1"
  name   = "mskctl-serverless"
  tags = {
    Owner = "platform-team"
  }
  cidr_block         = "10.30.0.0/16"
  az_count           = 2
  single_nat_gateway = true
  topics             = ["demo-events"]
  consumer_groups    = ["demo-consumer"]
}

run "two_private_subnets_one_nat_gateway" {
  command = plan

  assert {
    condition     = length(module.vpc.private_subnet_ids) == 2 && length(module.vpc.azs) == 2
    error_message = "The cluster's subnets: two private subnets in two zones."
  }
  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 1
    error_message = "single_nat_gateway: one NAT gateway for both zones."
  }
}

run "iam_over_tls_only" {
  command = plan

  assert {
    condition     = !contains(values(module.vpc.kafka_ports), 9092) && contains(values(module.vpc.kafka_ports), 9098)
    error_message = "Clients reach the cluster on the IAM/TLS port 9098, never on plaintext 9092."
  }
  assert {
    condition     = output.bootstrap_brokers_sasl_iam == module.msk_serverless.bootstrap_brokers_sasl_iam
    error_message = "The IAM bootstrap string is the serverless cluster's."
  }
}

run "client_policy_names_exactly_the_example_topic_and_group" {
  command = plan

  assert {
    condition     = strcontains(module.kafka_client.policy_json, "topic/mskctl-serverless/0f0e0d0c-0b0a-0908-0706-050403020100-s1/demo-events") && strcontains(module.kafka_client.policy_json, "group/mskctl-serverless/0f0e0d0c-0b0a-0908-0706-050403020100-s1/demo-consumer")
    error_message = "The client's IAM policy names the example's topic and consumer group."
  }
  assert {
    condition     = !strcontains(module.kafka_client.policy_json, "topic/mskctl-serverless/0f0e0d0c-0b0a-0908-0706-050403020100-s1/*\"")
    error_message = "No wildcard topic in the client's policy."
  }
}

run "outputs_for_mskctl_config_from_terraform" {
  command = plan

  assert {
    condition     = output.cluster_name == "mskctl-serverless" && output.region == "eu-west-1" && output.cluster_arn == "arn:aws:kafka:eu-west-1:123456789012:cluster/mskctl-serverless/0f0e0d0c-0b0a-0908-0706-050403020100-s1"
    error_message = "cluster_name, region and cluster_arn are outputs."
  }
}
