mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }
}

override_resource {
  target = aws_kms_key.this
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

variables {
  name        = "orders"
  cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0f0e0d0c-0b0a-0908-0706-050403020100-2"
  users       = ["alice", "orders-app"]
  tags        = { Team = "platform" }
}

run "secrets_are_named_for_msk_and_encrypted_with_the_cmk" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret.this["alice"].name == "AmazonMSK_alice" && aws_secretsmanager_secret.this["orders-app"].name == "AmazonMSK_orders-app"
    error_message = "Secret names must be AmazonMSK_<user>."
  }
  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.this : s.kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"])
    error_message = "Every secret must use the module's customer-managed key."
  }
  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && aws_kms_alias.this[0].name == "alias/orders-msk-scram"
    error_message = "The CMK rotates and has an alias."
  }
  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Condition.StringEquals["kms:ViaService"] == "secretsmanager.eu-west-1.amazonaws.com" && jsondecode(aws_kms_key.this[0].policy).Statement[1].Condition.StringEquals["kms:CallerAccount"] == "123456789012"
    error_message = "The key is usable through Secrets Manager, from this account, only."
  }
  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.this : s.recovery_window_in_days == 7 && s.tags["Team"] == "platform"])
    error_message = "Recovery window 7 days; tags merged."
  }
}

run "passwords_are_write_only_never_planned" {
  command = plan

  assert {
    condition     = alltrue([for v in aws_secretsmanager_secret_version.this : v.secret_string == null && v.secret_binary == null])
    error_message = "No password in secret_string: the value goes through the write-only secret_string_wo."
  }
  assert {
    condition     = alltrue([for v in aws_secretsmanager_secret_version.this : v.secret_string_wo == null && v.secret_string_wo_version == 1])
    error_message = "secret_string_wo is planned as null (write-only), written at version 1."
  }
  assert {
    condition     = aws_secretsmanager_secret_version.this["alice"].secret_id == aws_secretsmanager_secret.this["alice"].id
    error_message = "Each user's value goes to its own secret."
  }
}

run "no_password_in_state_after_apply" {
  # apply with the mocked provider: the state OpenTofu keeps holds no password either
  command = apply

  assert {
    condition     = alltrue([for v in aws_secretsmanager_secret_version.this : v.secret_string == null && v.secret_string_wo == null])
    error_message = "The applied secret versions hold no password."
  }
}

run "password_version_rewrites_the_passwords" {
  command = plan

  variables {
    password_version = 2
  }

  assert {
    condition     = alltrue([for v in aws_secretsmanager_secret_version.this : v.secret_string_wo_version == 2])
    error_message = "Raising password_version makes the next apply store new passwords."
  }
}

run "fractional_password_version_is_refused" {
  command = plan

  variables {
    password_version = 1.5
  }

  expect_failures = [var.password_version]
}

run "one_non_exclusive_association_per_secret" {
  command = plan

  assert {
    condition     = length(aws_msk_single_scram_secret_association.this) == 2 && alltrue([for a in aws_msk_single_scram_secret_association.this : a.cluster_arn == var.cluster_arn])
    error_message = "Each secret gets its own association with the cluster."
  }
}

# Which outputs exist, and that none carries a password, is checked on outputs.tf itself by
# tests/unit/test_terraform_outputs.py (a tftest cannot list outputs); here, that each is wired.
run "outputs_are_the_secret_names_arns_and_key_of_the_resources" {
  command = plan

  assert {
    condition     = length(output.secret_names) == 2 && output.secret_names["alice"] == "AmazonMSK_alice" && output.secret_names["orders-app"] == "AmazonMSK_orders-app"
    error_message = "secret_names maps each user to its AmazonMSK_ secret name."
  }
  assert {
    condition     = toset(keys(output.secret_arns)) == toset(var.users) && output.kms_key_arn == aws_kms_key.this[0].arn
    error_message = "secret_arns has one entry per user; kms_key_arn is the module's CMK."
  }
}

run "given_key_is_used" {
  command = plan

  variables {
    kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    secret_name_prefix = "AmazonMSK_prod_"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_secretsmanager_secret.this["alice"].kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555" && aws_secretsmanager_secret.this["alice"].name == "AmazonMSK_prod_alice"
    error_message = "A given key replaces the module's CMK; the prefix may carry an environment."
  }
}

run "secret_name_without_the_prefix_is_refused" {
  command = plan

  variables {
    secret_name_prefix = "msk_"
  }

  expect_failures = [var.secret_name_prefix]
}

run "alias_instead_of_key_arn_is_refused" {
  command = plan

  variables {
    kms_key_arn = "alias/aws/secretsmanager"
  }

  expect_failures = [var.kms_key_arn]
}
