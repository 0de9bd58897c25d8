region = "eu-west-1"
name   = "mskctl-serverless"

tags = {
  Owner = "platform-team"
}

cidr_block         = "10.30.0.0/16"
az_count           = 2
single_nat_gateway = true

topics          = ["demo-events"]
consumer_groups = ["demo-consumer"]
