locals {
  visibility_timeout = coalesce(var.visibility_timeout_seconds, 6 * var.worker_timeout)
  customer_key       = var.kms_key_arn != null
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = var.dlq_retention_seconds

  sqs_managed_sse_enabled           = local.customer_key ? null : true
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.customer_key ? 300 : null

  tags = var.tags
}

# Failure mode "asynchronous processing for long-running operations": the API answers 202 at once and
# the worker runs the job from this queue, with no API Gateway timeout on it.
resource "aws_sqs_queue" "this" {
  name                       = var.name
  visibility_timeout_seconds = local.visibility_timeout
  message_retention_seconds  = var.message_retention_seconds
  receive_wait_time_seconds  = 20

  sqs_managed_sse_enabled           = local.customer_key ? null : true
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.customer_key ? 300 : null

  lifecycle {
    # aws_sqs_queue_redrive_policy.this owns the attribute (and detects drift in it).
    ignore_changes = [redrive_policy]
  }

  tags = var.tags
}

# A resource of its own rather than the queue's redrive_policy argument, for two reasons: the queues
# are created in parallel (each queue create waits about 25 s for SQS to settle), and this resource
# compares the policy as JSON, where the queue's argument compares strings and sees the emulator's
# spacing as a change on every plan.
resource "aws_sqs_queue_redrive_policy" "this" {
  queue_url = aws_sqs_queue.this.id

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only the jobs queue may use the dead-letter queue. The emulator stores but never returns
# RedriveAllowPolicy, so the provider would wait for it forever: off in the local environment only.
resource "aws_sqs_queue_redrive_allow_policy" "this" {
  count = var.restrict_dead_letter_sources ? 1 : 0

  queue_url = aws_sqs_queue.dead_letter.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = aws_sqs_queue.this.arn
  function_name                      = var.worker_function_arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_seconds
  # The worker reports the messages that failed; the others are deleted instead of being retried with them.
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = var.mapping_enabled

  dynamic "scaling_config" {
    for_each = var.maximum_concurrency == null ? [] : [1]

    content {
      maximum_concurrency = var.maximum_concurrency
    }
  }

  tags = var.tags
}
