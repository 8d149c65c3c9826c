# Plan-level tests with a mocked provider: no network, no credentials.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name_prefix = "seawall-test-logs"
}

run "name_is_ours_and_global" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket == "seawall-test-logs-123456789012-us-west-2"
    error_message = "The bucket name must be <prefix>-<account id>-<region>."
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy == false
    error_message = "force_destroy must default to false."
  }
}

run "suffix_is_appended" {
  command = plan

  variables {
    name_suffix = "a1b2"
  }

  assert {
    condition     = aws_s3_bucket.this.bucket == "seawall-test-logs-123456789012-us-west-2-a1b2"
    error_message = "The suffix must be appended after the region."
  }
}

run "encrypted_private_versioned" {
  command = plan

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "Objects must be encrypted with SSE-KMS by default."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All four public access blocks must be on."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled"
    error_message = "Versioning must be enabled."
  }
}

run "lifecycle_present" {
  command = plan

  variables {
    transition_days                 = 45
    expiration_days                 = 400
    abort_incomplete_multipart_days = 3
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this.rule).status == "Enabled"
    error_message = "The lifecycle rule must be enabled."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).transition).days == 45 && one(one(aws_s3_bucket_lifecycle_configuration.this.rule).transition).storage_class == "STANDARD_IA"
    error_message = "Logs must move to STANDARD_IA after transition_days."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).expiration).days == 400
    error_message = "Logs must expire after expiration_days."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).noncurrent_version_expiration).noncurrent_days == 400
    error_message = "Noncurrent versions must expire too, or the versioned bucket grows forever."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).abort_incomplete_multipart_upload).days_after_initiation == 3
    error_message = "Incomplete multipart uploads must be aborted."
  }
}

run "tls_only_and_only_the_writer" {
  command = plan

  variables {
    writer_role_arns = ["arn:aws:iam::123456789012:role/firehose"]
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement : s.effect == "Deny" && anytrue([
        for c in s.condition : c.variable == "aws:SecureTransport" && c.values == tolist(["false"])
      ])
    ])
    error_message = "The bucket policy must deny every request that is not over TLS."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.this.statement : s.effect == "Deny" || alltrue([for a in s.actions : !strcontains(a, "*")])
    ])
    error_message = "No Allow statement may use a wildcard action."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.this.statement : s.effect == "Deny" || alltrue([
        for p in s.principals : p.identifiers == toset(["arn:aws:iam::123456789012:role/firehose"])
      ])
    ])
    error_message = "Only the writer roles may be granted anything."
  }
}

run "no_writer_no_grant" {
  command = plan

  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if s.effect == "Allow"]) == 0
    error_message = "Without writer roles the policy must grant nothing."
  }
}

run "rejects_invalid_prefix" {
  command = plan

  variables {
    name_prefix = "Seawall_Logs"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_invalid_suffix" {
  command = plan

  variables {
    name_suffix = "-toolongsuffix"
  }

  expect_failures = [var.name_suffix]
}

run "rejects_early_transition" {
  command = plan

  variables {
    transition_days = 7
  }

  expect_failures = [var.transition_days]
}

run "rejects_expiry_before_transition" {
  command = plan

  variables {
    transition_days = 90
    expiration_days = 60
  }

  expect_failures = [var.expiration_days]
}

run "rejects_zero_abort_days" {
  command = plan

  variables {
    abort_incomplete_multipart_days = 0
  }

  expect_failures = [var.abort_incomplete_multipart_days]
}

run "rejects_names_longer_than_s3_allows" {
  command = plan

  variables {
    name_prefix = "a-very-long-project-name-for-logs-x"
    name_suffix = "abcdefgh"
  }

  override_data {
    target = data.aws_region.current
    values = { name = "ap-southeast-3" }
  }

  expect_failures = [aws_s3_bucket.this]
}
