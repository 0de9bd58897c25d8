"""Turning credentials into Kafka client settings, one module per MSK auth mode."""
