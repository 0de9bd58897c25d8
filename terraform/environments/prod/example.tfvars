# Plan inputs for prod: `tofu plan -var-file=example.tfvars`. Copy to terraform.tfvars and edit.
region = "eu-west-1"
name   = "mskctl-prod"

cidr_block = "10.20.0.0/16"
az_count   = 3

kafka_version                = "4.0.x"
broker_count                 = 3
instance_type                = "kafka.m7g.large"
ebs_volume_size              = 500
storage_autoscaling_max_size = 4000
enhanced_monitoring          = "PER_TOPIC_PER_BROKER"
log_retention_days           = 365

scram_users = ["orders-app", "analytics"]
topics      = ["orders", "payments"]
consumer_groups = [
  { group = "orders-app", topic = "orders", max_offset_lag = 10000 },
  { group = "analytics", topic = "payments", max_offset_lag = 50000 },
]

alarm_email          = "msk-prod-oncall@example.com"
create_kafka_client  = true
client_instance_type = "t3.small"
mskctl_version       = "0.1.0"

tags = {
  Owner      = "platform-team"
  CostCenter = "streaming-prod"
}
