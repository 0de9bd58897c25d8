"""The local MSK: real Apache Kafka brokers with Amazon MSK's shape, behind the AWS API."""
