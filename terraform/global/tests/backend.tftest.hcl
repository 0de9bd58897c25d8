mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  region      = "eu-west-1"
  bucket_name = "example-mskctl-tfstate"
}

run "state_bucket_is_encrypted_versioned_and_private" {
  command = plan

  assert {
    condition     = aws_kms_key.state.enable_key_rotation == true
    error_message = "The state CMK must rotate."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.state.arn
    error_message = "The bucket must default to SSE-KMS with the state CMK."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State must be versioned."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.state.block_public_acls,
      aws_s3_bucket_public_access_block.state.block_public_policy,
      aws_s3_bucket_public_access_block.state.ignore_public_acls,
      aws_s3_bucket_public_access_block.state.restrict_public_buckets,
    ])
    error_message = "All four public access blocks must be on."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.state.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.state.rule).noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "Noncurrent state versions expire after 90 days by default."
  }

  assert {
    condition     = length(aws_s3_bucket_logging.state) == 0
    error_message = "Access logging is opt-in."
  }
}

run "bucket_policy_denies_plaintext_and_non_kms_uploads" {
  command = plan

  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s.Condition.Bool["aws:SecureTransport"] if s.Sid == "DenyInsecureTransport"][0] == "false"
    error_message = "Requests without TLS must be denied."
  }

  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s.Condition.StringNotEquals["s3:x-amz-server-side-encryption"] if s.Sid == "DenyUnencryptedOrNonKmsUploads"][0] == "aws:kms"
    error_message = "Uploads asking for non-KMS encryption must be denied."
  }

  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s.Condition.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"] if s.Sid == "DenyOtherKmsKeys"][0] == aws_kms_key.state.arn
    error_message = "Uploads with another KMS key must be denied."
  }

  assert {
    condition     = jsondecode(aws_kms_key.state.policy).Statement[0].Principal.AWS == "arn:aws:iam::123456789012:root"
    error_message = "The key policy must delegate to the account's IAM."
  }
}

run "backend_config_uses_native_locking" {
  command = plan

  assert {
    condition     = strcontains(output.backend_config, "use_lockfile = true") && !strcontains(output.backend_config, "dynamodb_table")
    error_message = "The documented backend must lock with use_lockfile, without DynamoDB."
  }
}

run "optional_access_logging" {
  command = plan

  variables {
    access_log_bucket = "example-s3-access-logs"
  }

  assert {
    condition     = aws_s3_bucket_logging.state[0].target_bucket == "example-s3-access-logs"
    error_message = "Access logs must go to the given bucket."
  }
}

run "rejects_a_bucket_name_with_dots" {
  command = plan

  variables {
    bucket_name = "example.tfstate"
  }

  expect_failures = [var.bucket_name]
}

run "rejects_a_short_kms_deletion_window" {
  command = plan

  variables {
    kms_deletion_window_in_days = 3
  }

  expect_failures = [var.kms_deletion_window_in_days]
}
