data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name

  widget = {
    for title, metrics in {
      # Two rows per function; concat(...) joins them one level deep (flatten would dissolve the
      # rows themselves into one flat list, which CloudWatch rejects).
      "Lambda errors and throttles" = concat([], [
        for k, f in var.functions : [
          ["AWS/Lambda", "Errors", "FunctionName", f.name, { label = "${k} errors" }],
          ["AWS/Lambda", "Throttles", "FunctionName", f.name, { label = "${k} throttles" }],
        ]
      ]...)
      "Lambda p99 duration (ms)" = [
        for k, f in var.functions : ["AWS/Lambda", "Duration", "FunctionName", f.name, { stat = "p99", label = k }]
      ]
      "Lambda concurrency" = [
        for k, f in var.functions : ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", f.name, { stat = "Maximum", label = k }]
      ]
      "API requests and errors" = [
        for m in ["Count", "4XXError", "5XXError"] : ["AWS/ApiGateway", m, "ApiName", var.api.name, "Stage", var.api.stage, { stat = "Sum" }]
      ]
      "API p99 latency (ms)" = [
        for m in ["Latency", "IntegrationLatency"] : ["AWS/ApiGateway", m, "ApiName", var.api.name, "Stage", var.api.stage, { stat = "p99" }]
      ]
      "DynamoDB capacity and throttles" = [
        for m in ["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ReadThrottleEvents", "WriteThrottleEvents"] : ["AWS/DynamoDB", m, "TableName", var.table.name, { stat = "Sum" }]
      ]
      "Jobs queue" = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queues.jobs_name, { stat = "Maximum", label = "jobs waiting" }],
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.queues.jobs_name, { stat = "Maximum", label = "oldest job (s)", yAxis = "right" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queues.dead_letter_name, { stat = "Maximum", label = "dead letters" }],
      ]
      "Access-log delivery" = [
        ["AWS/Firehose", "DeliveryToS3.Success", "DeliveryStreamName", var.access_log_stream_name, { stat = "Minimum" }],
        ["AWS/Firehose", "DeliveryToS3.DataFreshness", "DeliveryStreamName", var.access_log_stream_name, { stat = "Maximum", yAxis = "right" }],
      ]
    } : title => metrics
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name_prefix

  dashboard_body = jsonencode({
    widgets = concat(
      [{
        type   = "alarm"
        x      = 0
        y      = 0
        width  = 24
        height = 6
        properties = {
          title  = "Alarms"
          alarms = [for a in local.all_alarms : a.arn]
        }
      }],
      [
        for i, title in sort(keys(local.widget)) : {
          type   = "metric"
          x      = (i % 2) * 12
          y      = 6 + floor(i / 2) * 6
          width  = 12
          height = 6
          properties = {
            title   = title
            region  = local.region
            period  = 60
            stat    = "Sum"
            view    = "timeSeries"
            metrics = local.widget[title]
          }
        }
      ],
    )
  })
}
