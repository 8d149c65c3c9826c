locals {
  # API Gateway only delivers access logs to Firehose streams whose name starts with amazon-apigateway-.
  access_log_stream_name = "amazon-apigateway-${var.name}-access-logs"
}

data "aws_iam_policy_document" "firehose_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "firehose" {
  name               = "${var.name}-access-logs-firehose${var.iam_name_suffix}"
  assume_role_policy = data.aws_iam_policy_document.firehose_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "firehose" {
  statement {
    sid = "WriteAccessLogs"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:PutObject",
    ]
    resources = [var.log_bucket_arn, "${var.log_bucket_arn}/*"]
  }

  statement {
    sid       = "LogDeliveryErrors"
    actions   = ["logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.firehose.arn}:*"]
  }
}

resource "aws_iam_role_policy" "firehose" {
  name   = "write-access-logs"
  role   = aws_iam_role.firehose.id
  policy = data.aws_iam_policy_document.firehose.json
}

# Failure mode "S3 logging configuration": when Firehose cannot write to the bucket, it says why here.
resource "aws_cloudwatch_log_group" "firehose" {
  name              = "/aws/kinesisfirehose/${local.access_log_stream_name}"
  retention_in_days = var.log_retention_days

  #checkov:skip=CKV_AWS_158:Delivery-error messages hold no request data; CloudWatch Logs encrypts them at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is an input (log_retention_days, validated) chosen per environment.
  tags = var.tags
}

resource "aws_cloudwatch_log_stream" "firehose" {
  name           = "S3Delivery"
  log_group_name = aws_cloudwatch_log_group.firehose.name
}

resource "aws_kinesis_firehose_delivery_stream" "access_logs" {
  name        = local.access_log_stream_name
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "AWS_OWNED_CMK"
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.firehose.arn
    bucket_arn          = var.log_bucket_arn
    prefix              = "${var.access_log_prefix}!{timestamp:yyyy/MM/dd}/"
    error_output_prefix = "${var.access_log_prefix}errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    buffering_size      = var.firehose_buffering.size_mb
    buffering_interval  = var.firehose_buffering.interval_seconds
    compression_format  = "GZIP"

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.firehose.name
      log_stream_name = aws_cloudwatch_log_stream.firehose.name
    }
  }

  # The role's policy must exist before Firehose first tries to write.
  depends_on = [aws_iam_role_policy.firehose]

  #checkov:skip=CKV_AWS_241:Access-log records are encrypted in the stream with an AWS-owned key and at rest in the bucket with SSE-KMS; a customer key here adds a key policy to get wrong and nothing to audit.

  tags = var.tags
}

# Execution logs (logging_level) need a region-wide role that lets API Gateway write to CloudWatch Logs.
data "aws_iam_policy_document" "apigateway_assume" {
  count = var.manage_account_logging_role ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "apigateway_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  name               = "${var.name}-apigateway-logging${var.iam_name_suffix}"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume[0].json

  tags = var.tags
}

# The actions of the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, but only on the log groups
# API Gateway writes execution logs to, instead of every log group of the account.
data "aws_iam_policy_document" "apigateway_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  statement {
    sid = "WriteExecutionLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
      "logs:PutLogEvents",
    ]
    resources = [
      "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:API-Gateway-Execution-Logs_*",
    ]
  }
}

resource "aws_iam_role_policy" "apigateway_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  name   = "write-execution-logs"
  role   = aws_iam_role.apigateway_logging[0].id
  policy = data.aws_iam_policy_document.apigateway_logging[0].json
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_account_logging_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.apigateway_logging[0].arn

  depends_on = [aws_iam_role_policy.apigateway_logging]
}
