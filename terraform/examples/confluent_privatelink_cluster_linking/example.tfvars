# confluent_cloud_api_key and confluent_cloud_api_secret: pass them as environment variables
# (TF_VAR_confluent_cloud_api_key, TF_VAR_confluent_cloud_api_secret), never in this file.

region = "us-east-1"
name   = "mskctl-cc"

tags = {
  Owner = "platform-team"
}

vpc_id     = "vpc-0123456789abcdef0"
subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]

# The workload VPC, the client VPN and the Terraform runners' VPC (seed 003's TFC agents).
client_cidr_blocks = ["10.0.0.0/20", "10.100.0.0/22", "10.2.0.0/16"]

cluster_availability    = "HIGH"
source_topic            = "dev-stock_trades"
source_topic_partitions = 6
consumer_group_prefix   = "stock-trades-"
link_name               = "source-to-destination"
