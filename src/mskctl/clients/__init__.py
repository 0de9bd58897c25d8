"""Configured confluent-kafka clients for an MSK cluster (no wrapper on the hot path)."""
