region      = "eu-west-1"
name        = "mskctl-demo"
environment = "demo"

tags = {
  Owner = "platform-team"
}

cidr_block   = "10.20.0.0/16"
az_count     = 3
broker_count = 3

kafka_version   = "4.0.x"
instance_type   = "kafka.m7g.large"
ebs_volume_size = 100

scram_users = ["legacy-billing"]

topics          = ["orders", "payments"]
consumer_groups = ["orders-processor"]

lag_alarms = [
  { group = "orders-processor", topic = "orders", max_offset_lag = 10000 },
]

alarm_email = "kafka-oncall@example.com"

sink_topics       = ["orders"]
plugin_bucket_arn = "arn:aws:s3:::example-msk-connect-plugins"
plugin_file_key   = "confluentinc-kafka-connect-s3-10.6.0.zip"
