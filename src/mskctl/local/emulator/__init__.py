"""The local AWS API: moto, plus the Amazon MSK operations moto lacks, answered from the real brokers."""
