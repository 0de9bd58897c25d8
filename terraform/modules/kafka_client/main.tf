# A Kafka client instance inside the VPC: Amazon Linux 2023, reached with SSM Session Manager (no
# SSH key, no public IP, IMDSv2 only), with an IAM role that may do exactly what seed 001's
# producer and consumer do on the named topics and groups, and mskctl installed and configured.

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

locals {
  # Everything about the account comes from the cluster ARN: no data sources needed.
  arn_parts  = split(":", var.cluster_arn)
  partition  = local.arn_parts[1]
  account_id = local.arn_parts[4]

  # arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> -> topic/<name>/<uuid>/<topic>, group/...
  topic_arns = [for t in var.topics : "${replace(var.cluster_arn, ":cluster/", ":topic/")}/${t}"]
  group_arns = [for g in var.consumer_groups : "${replace(var.cluster_arn, ":cluster/", ":group/")}/${g}"]

  use_scram = length(var.scram_secret_arns) > 0

  # Seed 001's producer/consumer actions (msk-facts "Recipes"): produce = Connect, DescribeTopic,
  # WriteData, plus WriteDataIdempotently on the cluster because mskctl produce is idempotent
  # (InitProducerId); consume = Connect, DescribeTopic, DescribeGroup, AlterGroup, ReadData;
  # DescribeCluster for mskctl doctor. Nothing cluster-altering, no topic creation or deletion, no
  # wildcard resources. tests/iam_truth runs these flows against this policy.
  group_statements = [
    {
      Sid      = "JoinNamedConsumerGroups"
      Effect   = "Allow"
      Action   = ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
      Resource = local.group_arns
    },
  ]
  scram_statements = [
    {
      Sid      = "ReadScramSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = var.scram_secret_arns
    },
    {
      Sid       = "DecryptScramSecretsThroughSecretsManager"
      Effect    = "Allow"
      Action    = ["kms:Decrypt"]
      Resource  = length(var.scram_kms_key_arns) > 0 ? var.scram_kms_key_arns : ["arn:${local.partition}:kms:${var.region}:${local.account_id}:key/*"]
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
    },
  ]

  policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ConnectToTheCluster"
          Effect   = "Allow"
          Action   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
          Resource = var.cluster_arn
        },
        {
          Sid      = "ProduceAndConsumeNamedTopics"
          Effect   = "Allow"
          Action   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData", "kafka-cluster:ReadData"]
          Resource = local.topic_arns
        },
      ],
      [for s in local.group_statements : s if length(local.group_arns) > 0],
      [for s in local.scram_statements : s if local.use_scram],
    )
  }

  # ~/.config/mskctl/config.toml: a default profile for IAM and, with SCRAM secrets, a "scram"
  # profile. jsonencode() of a string is a valid TOML basic string.
  common_profile_lines = concat(
    ["cluster_arn = ${jsonencode(var.cluster_arn)}", "region = ${jsonencode(var.region)}", "topic = ${jsonencode(var.topics[0])}"],
    length(var.consumer_groups) > 0 ? ["consumer_group = ${jsonencode(var.consumer_groups[0])}"] : [],
  )
  profile_toml = join("\n", concat(
    ["[profiles.default]", "auth = \"iam\""],
    var.bootstrap_brokers_sasl_iam == "" ? [] : ["bootstrap_iam = ${jsonencode(var.bootstrap_brokers_sasl_iam)}"],
    local.common_profile_lines,
    local.use_scram ? concat(
      ["", "[profiles.scram]", "auth = \"scram\"", "scram_secret_arn = ${jsonencode(var.scram_secret_arns[0])}"],
      var.bootstrap_brokers_sasl_scram == "" ? [] : ["bootstrap_scram = ${jsonencode(var.bootstrap_brokers_sasl_scram)}"],
      local.common_profile_lines,
    ) : [],
    [""],
  ))

  pip_index_args = var.pip_index_url == null ? "" : "--index-url '${var.pip_index_url}' "

  user_data = <<-EOT
    #!/bin/bash
    # mskctl client bootstrap (cloud-init, runs once as root).
    set -euo pipefail
    dnf install -y python3.11 python3.11-pip
    python3.11 -m venv /opt/mskctl
    /opt/mskctl/bin/pip install --no-cache-dir ${local.pip_index_args}'${var.mskctl_package}==${var.mskctl_version}'
    ln -sf /opt/mskctl/bin/mskctl /usr/local/bin/mskctl

    cat > /etc/profile.d/mskctl.sh <<'PROFILE'
    export AWS_REGION=${var.region}
    export AWS_DEFAULT_REGION=${var.region}
    PROFILE

    # The profile for ec2-user, and through /etc/skel for ssm-user (created at the first
    # Session Manager login).
    for home in /home/ec2-user /etc/skel; do
      install -d -m 0700 "$home/.config" "$home/.config/mskctl"
      cat > "$home/.config/mskctl/config.toml" <<'TOML'
    ${local.profile_toml}
    TOML
      chmod 0600 "$home/.config/mskctl/config.toml"
    done
    chown -R ec2-user:ec2-user /home/ec2-user/.config
  EOT
}

resource "aws_iam_role" "this" {
  name = "${var.name}-kafka-client"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = merge(var.tags, { Name = "${var.name}-kafka-client" })
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_role_policy" "kafka" {
  name   = "kafka-topics-and-groups"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.policy)
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-kafka-client"
  role = aws_iam_role.this.name

  tags = merge(var.tags, { Name = "${var.name}-kafka-client" })
}

resource "aws_instance" "this" {
  ami                         = data.aws_ssm_parameter.ami.insecure_value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = var.security_group_ids
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = false
  monitoring                  = true
  ebs_optimized               = true
  user_data                   = local.user_data
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required" # IMDSv2 only
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    encrypted   = true
    kms_key_id  = var.root_volume_kms_key_arn
    volume_type = "gp3"
    volume_size = var.root_volume_size
  }

  tags        = merge(var.tags, { Name = "${var.name}-kafka-client" })
  volume_tags = merge(var.tags, { Name = "${var.name}-kafka-client" })

  lifecycle {
    # A new Amazon Linux release must not replace a running client on every plan; replace it
    # deliberately (tofu apply -replace=...) to pick up the newest AMI.
    ignore_changes = [ami]
  }
}
