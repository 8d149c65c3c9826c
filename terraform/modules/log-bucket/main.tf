data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  # Failure mode "resource naming conflicts": bucket names are global, so the account id and region make
  # the name ours; the suffix is the CLI's retry when even that name is taken.
  bucket_name = join("-", compact([
    var.name_prefix,
    data.aws_caller_identity.current.account_id,
    data.aws_region.current.name,
    var.name_suffix,
  ]))
}

resource "aws_s3_bucket" "this" {
  bucket        = local.bucket_name
  force_destroy = var.force_destroy

  lifecycle {
    precondition {
      condition     = length(local.bucket_name) <= 63
      error_message = "The bucket name ${local.bucket_name} is longer than S3's 63 characters: shorten name_prefix or name_suffix."
    }
  }

  #checkov:skip=CKV_AWS_18:This is the log bucket; logging its own accesses into itself would loop, and into another bucket would need a second log bucket.
  #checkov:skip=CKV_AWS_144:Access logs are reproducible history, not primary data; cross-region replication would double cost for no recovery gain.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events for access-log objects; notifications would have no target.
  tags = var.tags
}

# ACLs are disabled: the bucket owner owns every object, so access is decided by policies alone.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # S3 Bucket Keys cut the KMS requests (and their cost and throttling) for many small log objects.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    # An empty filter applies the rule to every object.
    filter {}

    transition {
      days          = var.transition_days
      storage_class = "STANDARD_IA"
    }

    expiration {
      days = var.expiration_days
    }

    # With versioning on, deleting a log only adds a delete marker: expire the old versions too, or the
    # bucket grows forever.
    noncurrent_version_expiration {
      noncurrent_days = var.expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }

  # A lifecycle rule on a versioned bucket must be applied after versioning is enabled.
  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "this" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = length(var.writer_role_arns) > 0 ? [1] : []

    content {
      sid    = "AllowLogDelivery"
      effect = "Allow"
      actions = [
        "s3:AbortMultipartUpload",
        "s3:GetBucketLocation",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:PutObject",
      ]
      resources = [
        aws_s3_bucket.this.arn,
        "${aws_s3_bucket.this.arn}/*",
      ]

      principals {
        type        = "AWS"
        identifiers = var.writer_role_arns
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  # Putting a policy while the public access block is being created races with it on AWS.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
