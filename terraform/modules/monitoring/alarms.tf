locals {
  t = var.thresholds

  function_alarms = merge([
    for key, f in var.functions : {
      "${key}-errors" = {
        description = "Failure mode Lambda execution: the ${key} function raised errors."
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        dimensions  = { FunctionName = f.name }
        statistic   = "Sum"
        threshold   = 1
        comparison  = "GreaterThanOrEqualToThreshold"
      }
      "${key}-throttles" = {
        description = "Failure mode regional service limits: ${key} invocations were throttled (concurrency exhausted)."
        namespace   = "AWS/Lambda"
        metric      = "Throttles"
        dimensions  = { FunctionName = f.name }
        statistic   = "Sum"
        threshold   = 1
        comparison  = "GreaterThanOrEqualToThreshold"
      }
      "${key}-duration-near-timeout" = {
        description = "Failure mode cold start timeout: p99 duration of ${key} is above ${local.t.duration_ratio * 100}% of its ${f.timeout} s timeout."
        namespace   = "AWS/Lambda"
        metric      = "Duration"
        dimensions  = { FunctionName = f.name }
        statistic   = "p99"
        threshold   = floor(f.timeout * 1000 * local.t.duration_ratio)
        comparison  = "GreaterThanThreshold"
      }
      "${key}-concurrency-near-limit" = {
        description = "Failure mode regional service limits: ${key} concurrency is above ${local.t.concurrency_ratio * 100}% of its limit."
        namespace   = "AWS/Lambda"
        metric      = "ConcurrentExecutions"
        dimensions  = { FunctionName = f.name }
        statistic   = "Maximum"
        threshold   = floor((f.reserved_concurrency >= 0 ? f.reserved_concurrency : var.account_concurrency_limit) * local.t.concurrency_ratio)
        comparison  = "GreaterThanThreshold"
      }
      "${key}-logged-errors" = {
        description = "Failure mode CloudWatch logs: ${key} logged errors or timed out."
        # The metric the log filter publishes, read from it so the two cannot drift apart.
        namespace  = aws_cloudwatch_log_metric_filter.errors[key].metric_transformation[0].namespace
        metric     = aws_cloudwatch_log_metric_filter.errors[key].metric_transformation[0].name
        dimensions = {}
        statistic  = "Sum"
        threshold  = 1
        comparison = "GreaterThanOrEqualToThreshold"
      }
    }
  ]...)

  api_dimensions = { ApiName = var.api.name, Stage = var.api.stage }

  api_alarms = {
    "api-5xx-rate" = {
      description = "Failure mode API Gateway integration: more than ${local.t.api_5xx_rate * 100}% of requests answered 5XX."
      namespace   = "AWS/ApiGateway"
      metric      = "5XXError"
      dimensions  = local.api_dimensions
      # 5XXError is 0 or 1 per request: its average is the error rate.
      statistic  = "Average"
      threshold  = local.t.api_5xx_rate
      comparison = "GreaterThanThreshold"
    }
    "api-4xx-rate" = {
      description = "Failure modes CORS and API keys: more than ${local.t.api_4xx_rate * 100}% of requests answered 4XX."
      namespace   = "AWS/ApiGateway"
      metric      = "4XXError"
      dimensions  = local.api_dimensions
      statistic   = "Average"
      threshold   = local.t.api_4xx_rate
      comparison  = "GreaterThanThreshold"
    }
    "api-latency" = {
      description = "Failure mode API Gateway integration: p99 latency is above ${local.t.api_latency_ratio * 100}% of the integration timeout."
      namespace   = "AWS/ApiGateway"
      metric      = "Latency"
      dimensions  = local.api_dimensions
      statistic   = "p99"
      threshold   = floor(var.api.integration_timeout_seconds * 1000 * local.t.api_latency_ratio)
      comparison  = "GreaterThanThreshold"
    }
    "api-integration-latency" = {
      description = "Failure mode API Gateway integration: p99 integration latency is above ${local.t.api_latency_ratio * 100}% of the integration timeout."
      namespace   = "AWS/ApiGateway"
      metric      = "IntegrationLatency"
      dimensions  = local.api_dimensions
      statistic   = "p99"
      threshold   = floor(var.api.integration_timeout_seconds * 1000 * local.t.api_latency_ratio)
      comparison  = "GreaterThanThreshold"
    }
  }

  table_alarms = merge(
    {
      for kind in ["Read", "Write"] : "table-${lower(kind)}-throttles" => {
        description = "Failure mode DynamoDB throttling: ${lower(kind)} requests on the table were throttled."
        namespace   = "AWS/DynamoDB"
        metric      = "${kind}ThrottleEvents"
        dimensions  = { TableName = var.table.name }
        statistic   = "Sum"
        threshold   = 1
        comparison  = "GreaterThanOrEqualToThreshold"
      }
    },
    merge([
      for index in var.table.index_names : {
        for kind in ["Read", "Write"] : "table-${index}-${lower(kind)}-throttles" => {
          description = "Failure mode DynamoDB throttling: ${lower(kind)} requests on index ${index} were throttled (index throttling also throttles table writes)."
          namespace   = "AWS/DynamoDB"
          metric      = "${kind}ThrottleEvents"
          dimensions  = { TableName = var.table.name, GlobalSecondaryIndexName = index }
          statistic   = "Sum"
          threshold   = 1
          comparison  = "GreaterThanOrEqualToThreshold"
        }
      }
    ]...),
  )

  queue_alarms = {
    "jobs-oldest-message" = {
      description = "Asynchronous processing: the oldest job has waited more than ${local.t.queue_oldest_age_seconds} s (worker failing, throttled or disabled)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = var.queues.jobs_name }
      statistic   = "Maximum"
      threshold   = local.t.queue_oldest_age_seconds
      comparison  = "GreaterThanThreshold"
    }
    "dlq-not-empty" = {
      description = "Asynchronous processing: jobs failed every attempt and are in the dead-letter queue."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.queues.dead_letter_name }
      statistic   = "Maximum"
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
    }
    "dlq-oldest-message" = {
      description = "Asynchronous processing: failed jobs in the dead-letter queue will soon expire unseen."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = var.queues.dead_letter_name }
      statistic   = "Maximum"
      threshold   = floor(var.queues.dlq_retention_seconds * local.t.dlq_age_ratio)
      comparison  = "GreaterThanThreshold"
    }
  }

  log_delivery_alarms = {
    # Failure mode "S3 logging configuration": the stream reports each delivery attempt's success
    # ratio; below 1 means objects are not reaching the bucket (bucket policy, key or role).
    "access-log-delivery" = {
      description = "Failure mode S3 logging: Firehose failed to deliver API access logs to the log bucket."
      namespace   = "AWS/Firehose"
      metric      = "DeliveryToS3.Success"
      dimensions  = { DeliveryStreamName = var.access_log_stream_name }
      statistic   = "Minimum"
      threshold   = 1
      comparison  = "LessThanThreshold"
    }
  }

  alarms = merge(local.function_alarms, local.api_alarms, local.table_alarms, local.queue_alarms, local.log_delivery_alarms)
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = startswith(each.value.statistic, "p") ? null : each.value.statistic
  extended_statistic  = startswith(each.value.statistic, "p") ? each.value.statistic : null
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  period              = 60
  evaluation_periods  = 5
  # Three bad minutes out of five: one slow request does not page anyone, a sustained problem does.
  datapoints_to_alarm = 3
  # No traffic is not a failure: metrics such as Errors are only published when something happens.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.this.arn]
  ok_actions         = [aws_sns_topic.this.arn]

  tags = var.tags
}

locals {
  # Failure mode "DynamoDB throttling" in PROVISIONED mode: consumed capacity per second against what
  # is provisioned, before auto scaling has caught up and requests are throttled.
  capacity_alarms = var.table.billing_mode == "PROVISIONED" ? {
    for kind in ["Read", "Write"] : "table-${lower(kind)}-capacity" => kind
  } : {}

  # The operations the handler uses: SystemErrors is only published per operation.
  table_operations = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "TransactWriteItems", "BatchWriteItem"]
}

resource "aws_cloudwatch_metric_alarm" "capacity" {
  for_each = local.capacity_alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = "Failure mode DynamoDB throttling: consumed ${lower(each.value)} capacity is above ${local.t.capacity_ratio * 100}% of the provisioned capacity."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.capacity_ratio
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]

  metric_query {
    id          = "utilization"
    expression  = "consumed / 60 / provisioned"
    label       = "${each.value} capacity utilization"
    return_data = true
  }

  metric_query {
    id = "consumed"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "Consumed${each.value}CapacityUnits"
      dimensions  = { TableName = var.table.name }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id = "provisioned"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "Provisioned${each.value}CapacityUnits"
      dimensions  = { TableName = var.table.name }
      stat        = "Average"
      period      = 60
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "system_errors" {
  alarm_name          = "${var.name_prefix}-table-system-errors"
  alarm_description   = "Failure mode DynamoDB: the service returned internal errors (HTTP 500) to the functions."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 5
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]

  metric_query {
    id          = "errors"
    expression  = "SUM(METRICS())"
    label       = "SystemErrors, all operations"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.table_operations

    content {
      id = "op${metric_query.key}"

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "SystemErrors"
        dimensions  = { TableName = var.table.name, Operation = metric_query.value }
        stat        = "Sum"
        period      = 60
      }
    }
  }

  tags = var.tags
}

locals {
  # Every alarm of the module, listed once: the outputs and the dashboard show the same set.
  all_alarms = concat(
    values(aws_cloudwatch_metric_alarm.this),
    values(aws_cloudwatch_metric_alarm.capacity),
    [aws_cloudwatch_metric_alarm.system_errors],
  )
}
