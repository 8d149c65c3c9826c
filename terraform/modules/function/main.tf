data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  log_group_name = "/aws/lambda/${var.name}"
  log_group_arn  = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${local.log_group_name}"
}

# Created before the function (see depends_on below): otherwise Lambda creates the group itself on the
# first invocation, without retention or encryption, and Terraform then fails to create it ("already
# exists"). Failure mode "CloudWatch logs delivery": the group and the role's right to write to it exist
# before any code runs.
resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  #checkov:skip=CKV_AWS_158:A customer key is optional (log_kms_key_arn); CloudWatch Logs encrypts every log group at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is an input (log_retention_days, validated); a year of debug logs is a cost choice per environment.
  tags = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    # Only this account's Lambda service may assume the role (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-role${var.iam_name_suffix}"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

# One inline policy with only what the code uses. Failure mode "IAM role creation issues": a single
# generated document stays far below the 10,240-character inline policy limit and carries no managed
# policies that grant more than the code needs.
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  dynamic "statement" {
    for_each = var.policy_statements

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "UseCustomerKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = var.kms_key_arns
    }
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []

    content {
      sid = "WriteTraces"
      # X-Ray's write actions do not support resource-level permissions: "*" is the only valid resource.
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  function_name    = var.name
  description      = var.description
  role             = aws_iam_role.this.arn
  runtime          = var.runtime
  handler          = var.handler
  filename         = var.zip_path
  source_code_hash = var.zip_sha256
  memory_size      = var.memory_size
  timeout          = var.timeout
  architectures    = ["x86_64"]

  # The alias points at a published version, so a deploy is an atomic switch and provisioned
  # concurrency (which needs a version, not $LATEST) can be attached to the alias.
  publish = true

  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = var.environment_variables
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
  ]

  #checkov:skip=CKV_AWS_116:Synchronous (API) and SQS-triggered invocations do not use a function DLQ; failed jobs go to the queue's dead-letter queue.
  #checkov:skip=CKV_AWS_117:The function only calls AWS APIs over TLS; a VPC would add NAT cost and cold-start latency without a private resource to reach.
  #checkov:skip=CKV_AWS_173:The environment holds names and settings, no secrets; Lambda encrypts it at rest with an AWS-managed key.
  #checkov:skip=CKV_AWS_272:The zip is built reproducibly by the CLI and pinned by source_code_hash; code signing needs a Signer profile outside this stack.
  tags = var.tags
}

# Normally the alias follows the version just published. During a canary (`seawall deploy --canary`)
# it stays on the stable version and sends `canary.weight` of the traffic to the new one; the CLI then
# moves the alias itself (to the new version, or back), to exactly what the next plan without a
# canary asks for, so no drift is left behind.
resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "The version that serves traffic."
  function_name    = aws_lambda_function.this.function_name
  function_version = var.canary == null ? aws_lambda_function.this.version : var.canary.stable_version

  dynamic "routing_config" {
    for_each = var.canary == null ? [] : [var.canary]

    content {
      additional_version_weights = { (aws_lambda_function.this.version) = routing_config.value.weight }
    }
  }
}

# Failure mode "cold start timeout": pre-initialised execution environments on the alias.
resource "aws_lambda_provisioned_concurrency_config" "this" {
  count = var.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = var.provisioned_concurrency
}
