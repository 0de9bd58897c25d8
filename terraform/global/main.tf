# Remote state for every other root (environments/*, examples/*): one S3 bucket, encrypted with
# its own CMK, versioned, private, TLS-only. Locking is S3-native (`use_lockfile = true`): a
# conditional write of <key>.tflock next to the state, so no DynamoDB table is created.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"

  key_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      # The account administers the key; who may use it is decided by IAM policies (the roles
      # running plan/apply need kms:Encrypt/Decrypt/GenerateDataKey on it).
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = local.account_root }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  bucket_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
      {
        # An upload asking for another encryption than SSE-KMS (e.g. the backend's `encrypt = true`
        # without `kms_key_id`, which asks for AES256) is refused; one asking for none gets the
        # bucket default (SSE-KMS with the CMK).
        Sid       = "DenyUnencryptedOrNonKmsUploads"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.state.arn}/*"
        Condition = {
          Null            = { "s3:x-amz-server-side-encryption" = "false" }
          StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
        }
      },
      {
        Sid       = "DenyOtherKmsKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.state.arn}/*"
        Condition = {
          Null            = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "false" }
          StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = aws_kms_key.state.arn }
        }
      },
    ]
  })
}

################################################################################
# KMS key
################################################################################

resource "aws_kms_key" "state" {
  description             = "${var.name}: Terraform/OpenTofu remote state"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  policy                  = local.key_policy
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.name}/terraform-state"
  target_key_id = aws_kms_key.state.key_id
}

################################################################################
# State bucket
################################################################################

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:Cross-region replication of state is a DR decision per organisation; versioning already protects against overwrite and deletion.
  #checkov:skip=CKV2_AWS_62:Event notifications are not needed for a state bucket.
  bucket = var.bucket_name

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-noncurrent-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = var.noncurrent_version_expiration_days
      newer_noncurrent_versions = var.noncurrent_versions_to_keep > 0 ? var.noncurrent_versions_to_keep : null
    }

    # Lock files (<key>.tflock) are written and deleted on every run: clear their delete markers.
    expiration {
      expired_object_delete_marker = true
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_logging" "state" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.state.id
  target_bucket = var.access_log_bucket
  target_prefix = var.access_log_prefix
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = local.bucket_policy

  depends_on = [aws_s3_bucket_public_access_block.state]
}
