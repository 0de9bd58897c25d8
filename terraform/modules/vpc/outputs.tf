output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability Zones used, in subnet order."
  value       = local.azs
}

output "private_subnet_ids" {
  description = "Private subnet IDs, one per AZ (for the MSK brokers and clients)."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Public subnet IDs (NAT gateways only); empty when enable_nat_gateway is false."
  value       = aws_subnet.public[*].id
}

output "private_route_table_ids" {
  description = "Private route table IDs, one per AZ."
  value       = aws_route_table.private[*].id
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs."
  value       = aws_nat_gateway.this[*].id
}

output "msk_security_group_id" {
  description = "Security group for the MSK brokers (attach to the cluster only)."
  value       = aws_security_group.msk.id
}

output "client_security_group_id" {
  description = "Security group for Kafka client applications (attach to producers, consumers, connectors)."
  value       = aws_security_group.client.id
}

output "endpoints_security_group_id" {
  description = "Security group of the interface VPC endpoints."
  value       = aws_security_group.endpoints.id
}

output "kafka_ports" {
  description = "Kafka listener ports opened from clients to the brokers (name -> port)."
  value       = local.kafka_ports
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint."
  value       = aws_vpc_endpoint.s3.id
}

output "interface_endpoint_ids" {
  description = "Interface endpoint IDs by service."
  value       = { for k, v in aws_vpc_endpoint.interface : k => v.id }
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs (null when disabled)."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].name, null)
}
