data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# A customer key, because CloudWatch cannot publish to a topic encrypted with the AWS-managed
# aws/sns key: that key's policy cannot grant cloudwatch.amazonaws.com the use of it.
data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:kms:* for the account root is the standard key-administrator statement; IAM policies then decide who administers.
  #checkov:skip=CKV_AWS_111:Same statement: in a key policy the account root statement delegates to IAM.
  #checkov:skip=CKV_AWS_356:In a key policy, resource "*" means the key the policy is attached to, nothing else.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchPublishes"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "Encrypts the ${var.name_prefix} alarm topic."
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.key.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}-alarms"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_sns_topic" "this" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

# Failure modes "Lambda execution" and "CloudWatch logs delivery": errors the function logs (and
# timeouts, which Lambda writes to the same group) become a metric of their own.
resource "aws_cloudwatch_log_metric_filter" "errors" {
  for_each = var.functions

  name           = "${each.value.name}-logged-errors"
  log_group_name = each.value.log_group_name
  pattern        = "?ERROR ?\"Task timed out\""

  metric_transformation {
    name          = "${each.key}-logged-errors"
    namespace     = "seawall/${var.name_prefix}"
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}
