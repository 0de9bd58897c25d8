# A complete provisioned MSK environment (seed 000): VPC, cluster (IAM + SCRAM over TLS, CMK,
# logs, monitoring), SCRAM users, alarms and dashboard, an SSM-managed client with mskctl, an
# MSK Connect S3 sink and a Glue Schema Registry.

module "vpc" {
  source = "../../modules/vpc"

  name               = var.name
  cidr_block         = var.cidr_block
  az_count           = var.az_count
  client_cidr_blocks = var.client_cidr_blocks
}

module "msk_cluster" {
  source = "../../modules/msk_cluster"

  name               = var.name
  kafka_version      = var.kafka_version
  broker_count       = var.broker_count
  instance_type      = var.instance_type
  ebs_volume_size    = var.ebs_volume_size
  subnet_ids         = module.vpc.private_subnet_ids
  security_group_ids = [module.vpc.msk_security_group_id]

  # Secure defaults of the module, spelled out: TLS only, IAM + SCRAM, nothing public.
  client_broker_encryption = "TLS"
  iam_auth                 = true
  scram_auth               = true
  allow_unauthenticated    = false
  allow_public_access      = false
}

module "scram_secrets" {
  source = "../../modules/scram_secrets"

  name        = var.name
  cluster_arn = module.msk_cluster.cluster_arn
  users       = var.scram_users
}

module "monitoring" {
  source = "../../modules/monitoring"

  name            = var.name
  cluster_name    = module.msk_cluster.cluster_name
  broker_ids      = range(1, var.broker_count + 1) # MSK broker ids start at 1
  consumer_groups = var.lag_alarms
  alarm_email     = var.alarm_email
}

module "kafka_client" {
  source = "../../modules/kafka_client"

  name                       = "${var.name}-client"
  subnet_id                  = module.vpc.private_subnet_ids[0]
  security_group_ids         = [module.vpc.client_security_group_id]
  instance_type              = var.client_instance_type
  cluster_arn                = module.msk_cluster.cluster_arn
  region                     = var.region
  topics                     = var.topics
  consumer_groups            = var.consumer_groups
  scram_secret_arns          = values(module.scram_secrets.secret_arns)
  scram_kms_key_arns         = length(var.scram_users) > 0 ? [module.scram_secrets.kms_key_arn] : []
  bootstrap_brokers_sasl_iam = module.msk_cluster.bootstrap_brokers_sasl_iam
  # bootstrap_brokers_sasl_scram is not in the module contract of terraform/README.md, but
  # kafka_client accepts it to write a SCRAM profile next to the IAM one.
  bootstrap_brokers_sasl_scram = module.msk_cluster.bootstrap_brokers_sasl_scram
  mskctl_version               = var.mskctl_version
}

module "msk_connect" {
  source = "../../modules/msk_connect"

  name                               = "${var.name}-s3-sink"
  cluster_arn                        = module.msk_cluster.cluster_arn
  cluster_bootstrap_brokers_sasl_iam = module.msk_cluster.bootstrap_brokers_sasl_iam
  subnet_ids                         = module.vpc.private_subnet_ids
  security_group_ids                 = [module.vpc.client_security_group_id] # the brokers accept clients on 9098
  topics                             = var.sink_topics
  plugin_bucket_arn                  = var.plugin_bucket_arn
  plugin_file_key                    = var.plugin_file_key
  # s3_bucket_name = null: the module creates an SSE-KMS, versioned, private, TLS-only bucket.
}

module "schema_registry" {
  source = "../../modules/schema_registry"

  name = var.name
  schemas = {
    "orders-value" = {
      data_format   = "AVRO"
      compatibility = var.schema_compatibility
      definition    = file("${path.module}/schemas/orders-value.avsc")
    }
    "payments-value" = {
      data_format   = "JSON"
      compatibility = var.schema_compatibility
      definition    = file("${path.module}/schemas/payments-value.json")
    }
  }
}
