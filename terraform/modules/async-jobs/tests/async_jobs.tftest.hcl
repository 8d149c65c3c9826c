# Plan-level tests with a mocked provider: no network, no credentials.

mock_provider "aws" {}

variables {
  name                = "seawall-test-jobs"
  worker_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:seawall-test-worker:live"
  worker_timeout      = 60
}

run "encrypted_queues_with_dead_letters" {
  # apply (against the mock) so that the dead-letter queue's ARN is known inside the redrive policy.
  command = apply

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled && aws_sqs_queue.dead_letter.sqs_managed_sse_enabled
    error_message = "Both queues must be encrypted (SSE-SQS by default)."
  }

  assert {
    condition     = aws_sqs_queue.dead_letter.name == "seawall-test-jobs-dlq"
    error_message = "The dead-letter queue is named <name>-dlq."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_policy.this.redrive_policy).maxReceiveCount == 5
    error_message = "Messages must move to the dead-letter queue after max_receive_count receives."
  }

  assert {
    condition     = aws_sqs_queue.dead_letter.message_retention_seconds >= aws_sqs_queue.this.message_retention_seconds
    error_message = "Dead letters must outlive the messages they come from."
  }

  assert {
    condition     = length(aws_sqs_queue_redrive_allow_policy.this) == 1
    error_message = "Only the jobs queue may use the dead-letter queue by default."
  }
}

run "visibility_timeout_follows_the_worker" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds == 360
    error_message = "The visibility timeout defaults to six times the worker timeout."
  }
}

run "worker_reports_partial_batch_failures" {
  command = plan

  variables {
    batch_size          = 5
    maximum_concurrency = 10
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "The worker must report partial batch failures."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.function_name == var.worker_function_arn && aws_lambda_event_source_mapping.this.enabled
    error_message = "The mapping must invoke the worker's alias and be enabled by default."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 5 && one(aws_lambda_event_source_mapping.this.scaling_config).maximum_concurrency == 10
    error_message = "Batch size and maximum concurrency must follow the variables."
  }
}

run "emulator_switches" {
  command = plan

  variables {
    mapping_enabled              = false
    restrict_dead_letter_sources = false
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.enabled == false
    error_message = "mapping_enabled = false must create a disabled mapping."
  }

  assert {
    condition     = length(aws_sqs_queue_redrive_allow_policy.this) == 0
    error_message = "restrict_dead_letter_sources = false must leave the allow policy out."
  }
}

run "customer_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-west-2:123456789012:key/abc"
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dead_letter.kms_master_key_id == var.kms_key_arn
    error_message = "Both queues must use the customer key when given."
  }
}

run "rejects_visibility_below_worker_timeout" {
  command = plan

  variables {
    visibility_timeout_seconds = 30
  }

  expect_failures = [var.visibility_timeout_seconds]
}

run "rejects_zero_receives" {
  command = plan

  variables {
    max_receive_count = 0
  }

  expect_failures = [var.max_receive_count]
}

run "rejects_dead_letters_expiring_first" {
  command = plan

  variables {
    message_retention_seconds = 1209600
    dlq_retention_seconds     = 86400
  }

  expect_failures = [var.dlq_retention_seconds]
}

run "rejects_oversized_batches" {
  command = plan

  variables {
    batch_size = 20000
  }

  expect_failures = [var.batch_size]
}

run "rejects_maximum_concurrency_below_two" {
  command = plan

  variables {
    maximum_concurrency = 1
  }

  expect_failures = [var.maximum_concurrency]
}

run "rejects_queue_names_sqs_refuses" {
  command = plan

  variables {
    name = "jobs.fifo"
  }

  expect_failures = [var.name]
}

run "rejects_batching_window_above_five_minutes" {
  command = plan

  variables {
    maximum_batching_window_seconds = 301
  }

  expect_failures = [var.maximum_batching_window_seconds]
}
