mock_provider "aws" {
  # key_name is optional + computed: a mocked instance gets "" unless the module sets one.
  mock_resource "aws_instance" {
    defaults = {
      key_name = ""
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

variables {
  name                       = "orders"
  subnet_id                  = "subnet-a"
  security_group_ids         = ["sg-clients"]
  cluster_arn                = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2"
  region                     = "eu-west-1"
  topics                     = ["orders", "payments"]
  consumer_groups            = ["orders-app"]
  bootstrap_brokers_sasl_iam = "b-1.orders.abc.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc.c2.kafka.eu-west-1.amazonaws.com:9098"
  mskctl_version             = "0.1.0"
  tags                       = { Team = "platform" }
}

run "instance_is_private_and_hardened" {
  command = plan

  assert {
    condition     = aws_instance.this.metadata_options[0].http_tokens == "required" && aws_instance.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 must be required."
  }
  assert {
    condition     = aws_instance.this.root_block_device[0].encrypted == true
    error_message = "The root volume must be encrypted."
  }
  assert {
    condition     = aws_instance.this.associate_public_ip_address == false && aws_instance.this.key_name == ""
    error_message = "No public IP, no SSH key."
  }
  assert {
    condition     = aws_instance.this.ami == "ami-0123456789abcdef0" && aws_instance.this.subnet_id == "subnet-a" && aws_instance.this.vpc_security_group_ids == toset(["sg-clients"])
    error_message = "The latest AL2023 AMI, in the private subnet, with the client SG."
  }
  assert {
    condition     = data.aws_ssm_parameter.ami.name == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    error_message = "The AMI comes from the public AL2023 parameter."
  }
  assert {
    condition     = aws_iam_role_policy_attachment.ssm.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    error_message = "Session Manager replaces SSH."
  }
  assert {
    condition     = aws_instance.this.tags["Team"] == "platform" && aws_iam_role.this.tags["Team"] == "platform"
    error_message = "tags must be merged into every resource."
  }
}

run "policy_is_scoped_to_the_named_topics_and_groups" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_role_policy.kafka.policy).Statement[0].Resource == "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2"
    error_message = "Connect/DescribeCluster on this cluster only."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.kafka.policy).Statement[0].Action == ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
    error_message = "On the cluster: Connect, DescribeCluster (mskctl doctor) and WriteDataIdempotently (mskctl produce is an idempotent producer)."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.kafka.policy).Statement[1].Resource == [
      "arn:aws:kafka:eu-west-1:123456789012:topic/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2/orders",
      "arn:aws:kafka:eu-west-1:123456789012:topic/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2/payments",
    ]
    error_message = "Topic actions on the named topics only."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.kafka.policy).Statement[1].Action == ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData", "kafka-cluster:ReadData"]
    error_message = "Produce and consume, nothing else on topics."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.kafka.policy).Statement[2].Resource == ["arn:aws:kafka:eu-west-1:123456789012:group/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2/orders-app"] && jsondecode(aws_iam_role_policy.kafka.policy).Statement[2].Action == ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
    error_message = "Group actions on the named groups only."
  }
  assert {
    condition     = length(jsondecode(aws_iam_role_policy.kafka.policy).Statement) == 3
    error_message = "No Secrets Manager access without SCRAM secrets."
  }
  assert {
    condition = !anytrue([
      for s in jsondecode(aws_iam_role_policy.kafka.policy).Statement : anytrue([for a in flatten([s.Action]) : strcontains(a, "*")]) || anytrue([for r in flatten([s.Resource]) : endswith(r, "/*") || r == "*"])
    ])
    error_message = "No wildcard actions or resources."
  }
}

run "scram_secrets_are_readable_through_secrets_manager_only" {
  command = plan

  variables {
    scram_secret_arns            = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_orders-app-AbCdEf"]
    scram_kms_key_arns           = ["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
    bootstrap_brokers_sasl_scram = "b-1.orders.abc.c2.kafka.eu-west-1.amazonaws.com:9096"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.kafka.policy).Statement[3].Action == ["secretsmanager:GetSecretValue"] && jsondecode(aws_iam_role_policy.kafka.policy).Statement[3].Resource == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_orders-app-AbCdEf"]
    error_message = "GetSecretValue on the given secrets only."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.kafka.policy).Statement[4].Action == ["kms:Decrypt"] && jsondecode(aws_iam_role_policy.kafka.policy).Statement[4].Condition.StringEquals["kms:ViaService"] == "secretsmanager.eu-west-1.amazonaws.com"
    error_message = "kms:Decrypt only through Secrets Manager."
  }
  assert {
    condition     = strcontains(output.mskctl_profile, "[profiles.scram]") && strcontains(output.mskctl_profile, "scram_secret_arn = \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_orders-app-AbCdEf\"")
    error_message = "A scram profile points at the secret (never a password)."
  }
}

run "user_data_installs_pinned_mskctl_and_writes_its_profile" {
  command = plan

  assert {
    condition     = strcontains(aws_instance.this.user_data, "'mskctl==0.1.0'")
    error_message = "mskctl is installed at the pinned version."
  }
  assert {
    condition     = strcontains(aws_instance.this.user_data, ".config/mskctl/config.toml")
    error_message = "The mskctl profile is written."
  }
  assert {
    condition     = strcontains(output.mskctl_profile, "[profiles.default]\nauth = \"iam\"\nbootstrap_iam = \"b-1.orders.abc.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc.c2.kafka.eu-west-1.amazonaws.com:9098\"")
    error_message = "The default profile uses IAM with the bootstrap brokers."
  }
  assert {
    condition     = strcontains(output.mskctl_profile, "region = \"eu-west-1\"") && strcontains(output.mskctl_profile, "cluster_arn = \"arn:aws:kafka:eu-west-1:123456789012:cluster/orders/")
    error_message = "The profile carries region and cluster ARN."
  }
}

run "wildcard_topic_is_refused" {
  command = plan

  variables {
    topics = ["*"]
  }

  expect_failures = [var.topics]
}

run "unpinned_mskctl_is_refused" {
  command = plan

  variables {
    mskctl_version = ">=0.1"
  }

  expect_failures = [var.mskctl_version]
}
