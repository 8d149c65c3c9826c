# What the CLI and the tests read (docs/function-contract.md).

output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

output "environment" {
  description = "Environment of the stack."
  value       = var.environment
}

output "api_id" {
  description = "ID of the REST API."
  value       = module.rest_api.api_id
}

output "api_stage" {
  description = "Stage of the REST API."
  value       = module.rest_api.stage_name
}

output "api_url" {
  description = "Base URL of the API stage, without a trailing slash."
  value       = module.rest_api.invoke_url
}

output "api_key" {
  description = "API key to send as X-Api-Key."
  value       = module.rest_api.api_key
  sensitive   = true
}

output "table_name" {
  description = "DynamoDB table for items, jobs and idempotency records."
  value       = module.data_table.table_name
}

output "api_function_name" {
  description = "Name of the API function."
  value       = module.api_function.function_name
}

output "worker_function_name" {
  description = "Name of the jobs worker function."
  value       = module.worker_function.function_name
}

output "jobs_queue_url" {
  description = "URL of the jobs queue."
  value       = module.async_jobs.queue_url
}

output "dead_letter_queue_url" {
  description = "URL of the jobs dead-letter queue."
  value       = module.async_jobs.dead_letter_queue_url
}

output "log_bucket_name" {
  description = "Name of the log bucket (API access logs)."
  value       = module.log_bucket.bucket_name
}

output "alarm_names" {
  description = "Names of every CloudWatch alarm of the stack."
  value       = module.monitoring.alarm_names
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.monitoring.topic_arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = module.monitoring.dashboard_name
}

output "access_log_stream_name" {
  description = "Firehose stream that delivers API access logs to the log bucket."
  value       = module.rest_api.access_log_stream_name
}

output "jobs_event_source_mapping_uuid" {
  description = "UUID of the jobs queue's event source mapping (the local runtime polls the queue on its behalf)."
  value       = module.async_jobs.event_source_mapping_uuid
}
