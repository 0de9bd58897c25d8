# MSK Serverless: no brokers to size, IAM access control only (the one mode MSK Serverless
# supports), TLS always on, reachable only from the given subnets and security groups.

data "aws_region" "current" {}

resource "aws_msk_serverless_cluster" "this" {
  cluster_name = var.name

  client_authentication {
    sasl {
      iam {
        enabled = true
      }
    }
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = var.security_group_ids
  }

  tags = merge(var.tags, { Name = var.name })
}
