output "topic_arn" {
  description = "ARN of the SNS topic every alarm notifies."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of every alarm, sorted."
  value       = sort([for a in local.all_alarms : a.alarm_name])
}

output "alarm_failure_modes" {
  description = "Each alarm's name with the description that names the failure mode it watches."
  value       = { for a in local.all_alarms : a.alarm_name => a.alarm_description }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
