# The prod environment (seed 000): 3 AZs with a NAT gateway each, 3 brokers (RF 3,
# min.insync.replicas 2: one AZ can fail without losing writes), TLS only, IAM + SCRAM, CMKs,
# no public access, broker logs kept a year, alarms and dashboard.

module "vpc" {
  source = "../../modules/vpc"

  name               = var.name
  cidr_block         = var.cidr_block
  az_count           = var.az_count
  single_nat_gateway = false # one NAT gateway per AZ: losing an AZ does not cut the others off
  client_cidr_blocks = var.client_cidr_blocks
}

module "msk_cluster" {
  source = "../../modules/msk_cluster"

  name                         = var.name
  kafka_version                = var.kafka_version
  broker_count                 = var.broker_count
  instance_type                = var.instance_type
  subnet_ids                   = module.vpc.private_subnet_ids
  security_group_ids           = [module.vpc.msk_security_group_id]
  ebs_volume_size              = var.ebs_volume_size
  storage_autoscaling_max_size = var.storage_autoscaling_max_size
  enhanced_monitoring          = var.enhanced_monitoring
  log_retention_days           = var.log_retention_days
}

module "scram_secrets" {
  source = "../../modules/scram_secrets"

  name                    = var.name
  cluster_arn             = module.msk_cluster.cluster_arn
  users                   = var.scram_users
  secret_name_prefix      = "AmazonMSK_${var.name}_" # unique per environment in a shared account
  recovery_window_in_days = 30
}

module "monitoring" {
  source = "../../modules/monitoring"

  cluster_name    = module.msk_cluster.cluster_name
  broker_ids      = module.msk_cluster.broker_ids
  consumer_groups = var.consumer_groups
  alarm_email     = var.alarm_email
}

module "kafka_client" {
  source = "../../modules/kafka_client"
  count  = var.create_kafka_client ? 1 : 0

  name                         = var.name
  subnet_id                    = module.vpc.private_subnet_ids[0]
  security_group_ids           = [module.vpc.client_security_group_id]
  instance_type                = var.client_instance_type
  cluster_arn                  = module.msk_cluster.cluster_arn
  region                       = var.region
  topics                       = var.topics
  consumer_groups              = distinct([for c in var.consumer_groups : c.group])
  scram_secret_arns            = values(module.scram_secrets.secret_arns)
  scram_kms_key_arns           = [module.scram_secrets.kms_key_arn]
  bootstrap_brokers_sasl_iam   = module.msk_cluster.bootstrap_brokers_sasl_iam
  bootstrap_brokers_sasl_scram = module.msk_cluster.bootstrap_brokers_sasl_scram
  mskctl_version               = var.mskctl_version
}
