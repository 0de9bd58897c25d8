# MSK Serverless (seed 000, component 4): IAM authentication only, TLS only, no brokers to size.
# A VPC and an SSM-managed client with mskctl to produce and consume.

module "vpc" {
  source = "../../modules/vpc"

  name               = var.name
  cidr_block         = var.cidr_block
  az_count           = var.az_count
  single_nat_gateway = var.single_nat_gateway
}

module "msk_serverless" {
  source = "../../modules/msk_serverless"

  name               = var.name
  subnet_ids         = module.vpc.private_subnet_ids
  security_group_ids = [module.vpc.msk_security_group_id]
}

module "kafka_client" {
  source = "../../modules/kafka_client"

  name                       = "${var.name}-client"
  subnet_id                  = module.vpc.private_subnet_ids[0]
  security_group_ids         = [module.vpc.client_security_group_id]
  instance_type              = var.client_instance_type
  cluster_arn                = module.msk_serverless.cluster_arn
  region                     = var.region
  topics                     = var.topics
  consumer_groups            = var.consumer_groups
  bootstrap_brokers_sasl_iam = module.msk_serverless.bootstrap_brokers_sasl_iam
  mskctl_version             = var.mskctl_version
}
