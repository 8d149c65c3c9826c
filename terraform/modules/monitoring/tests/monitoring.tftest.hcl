# Plan-level tests with a mocked provider: no network, no credentials.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name_prefix = "seawall-test"
  functions = {
    api    = { name = "seawall-test-api", timeout = 10, reserved_concurrency = -1, log_group_name = "/aws/lambda/seawall-test-api" }
    worker = { name = "seawall-test-worker", timeout = 60, reserved_concurrency = 20, log_group_name = "/aws/lambda/seawall-test-worker" }
  }
  api                    = { name = "seawall-test", stage = "v1", integration_timeout_seconds = 29 }
  table                  = { name = "seawall-test-data", billing_mode = "PAY_PER_REQUEST", index_names = ["gsi1"] }
  queues                 = { jobs_name = "seawall-test-jobs", dead_letter_name = "seawall-test-jobs-dlq", dlq_retention_seconds = 1209600 }
  access_log_stream_name = "amazon-apigateway-seawall-test-access-logs"
}

run "an_alarm_for_each_runtime_failure_mode" {
  command = plan

  assert {
    condition = alltrue([
      for k in [
        # Lambda execution: errors, throttles, duration close to the timeout, concurrency close to the limit, logged errors
        "api-errors", "api-throttles", "api-duration-near-timeout", "api-concurrency-near-limit", "api-logged-errors",
        "worker-errors", "worker-throttles", "worker-duration-near-timeout", "worker-concurrency-near-limit", "worker-logged-errors",
        # API Gateway integration and CORS/API keys
        "api-5xx-rate", "api-4xx-rate", "api-latency", "api-integration-latency",
        # DynamoDB throttling, table and index
        "table-read-throttles", "table-write-throttles", "table-gsi1-read-throttles", "table-gsi1-write-throttles",
        # asynchronous jobs
        "jobs-oldest-message", "dlq-not-empty", "dlq-oldest-message",
        # S3 access-log delivery
        "access-log-delivery",
      ] : contains(keys(aws_cloudwatch_metric_alarm.this), k)
    ])
    error_message = "Every runtime failure mode of the design document needs its alarm."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.system_errors.alarm_name == "seawall-test-table-system-errors"
    error_message = "DynamoDB system errors need an alarm."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.capacity) == 0
    error_message = "On-demand tables have no provisioned capacity to compare with."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.treat_missing_data == "notBreaching" && length(a.alarm_actions) == 1])
    error_message = "Every alarm must notify the topic and treat missing data as no failure."
  }
}

run "thresholds_follow_the_limits" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["api-duration-near-timeout"].threshold == 8000 && aws_cloudwatch_metric_alarm.this["worker-duration-near-timeout"].threshold == 48000
    error_message = "Duration alarms fire at 80% of each function's timeout."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["worker-concurrency-near-limit"].threshold == 16 && aws_cloudwatch_metric_alarm.this["api-concurrency-near-limit"].threshold == 800
    error_message = "Concurrency alarms fire at 80% of reserved concurrency, or of the account limit when unreserved."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["api-integration-latency"].threshold == 23200 && aws_cloudwatch_metric_alarm.this["api-integration-latency"].extended_statistic == "p99"
    error_message = "Integration latency alarms on p99 at 80% of the integration timeout."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["dlq-not-empty"].threshold == 1 && aws_cloudwatch_metric_alarm.this["dlq-not-empty"].comparison_operator == "GreaterThanOrEqualToThreshold"
    error_message = "One dead letter is enough to alarm."
  }
}

run "capacity_alarms_in_provisioned_mode" {
  command = plan

  variables {
    table = { name = "seawall-test-data", billing_mode = "PROVISIONED" }
  }

  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.capacity)) == toset(["table-read-capacity", "table-write-capacity"])
    error_message = "Provisioned tables need consumed-versus-provisioned alarms for reads and writes."
  }
}

run "the_dashboard_shows_every_alarm" {
  command = apply

  # Applied against the mock: alarm ARNs are known only after apply; alarm actions need an ARN.
  override_resource {
    target = aws_sns_topic.this
    values = { arn = "arn:aws:sns:us-west-2:123456789012:seawall-test-alarms" }
  }

  variables {
    table = { name = "seawall-test-data", billing_mode = "PROVISIONED" }
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[0].properties.alarms) == length(output.alarm_names)
    error_message = "The dashboard's alarm widget lists every alarm, the capacity alarms included."
  }

  assert {
    condition = alltrue(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [
        for row in try(w.properties.metrics, []) : can(row[0])
      ]
    ]))
    error_message = "Every metric widget's metrics are rows (lists), as CloudWatch requires."
  }
}

run "log_errors_become_a_metric" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_metric_filter.errors["worker"].log_group_name == "/aws/lambda/seawall-test-worker" && strcontains(aws_cloudwatch_log_metric_filter.errors["worker"].pattern, "ERROR")
    error_message = "Each function's log group needs an error metric filter."
  }
}

run "encrypted_topic_and_dashboard" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "The topic's key must rotate."
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "seawall-test"
    error_message = "The dashboard is named after the prefix."
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.key.statement : s.sid == "CloudWatchPublishes" && s.actions == toset(["kms:Decrypt", "kms:GenerateDataKey"])])
    error_message = "CloudWatch must be able to use the topic key, with two explicit actions."
  }
}

run "rejects_ratios_at_or_above_one" {
  command = plan

  variables {
    thresholds = { duration_ratio = 1 }
  }

  expect_failures = [var.thresholds]
}

run "rejects_error_rates_outside_zero_one" {
  command = plan

  variables {
    thresholds = { api_5xx_rate = 5 }
  }

  expect_failures = [var.thresholds]
}

run "rejects_invalid_prefix" {
  command = plan

  variables {
    name_prefix = "seawall test"
  }

  expect_failures = [var.name_prefix]
}
