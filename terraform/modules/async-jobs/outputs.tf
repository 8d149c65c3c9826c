output "queue_url" {
  description = "URL of the jobs queue."
  value       = aws_sqs_queue.this.url
}

output "queue_arn" {
  description = "ARN of the jobs queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_name" {
  description = "Name of the jobs queue."
  value       = aws_sqs_queue.this.name
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dead_letter_queue_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.name
}

output "event_source_mapping_uuid" {
  description = "UUID of the queue's event source mapping (seawall's local runtime reads it)."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the jobs queue."
  value       = aws_sqs_queue.this.visibility_timeout_seconds
}

output "dead_letter_retention_seconds" {
  description = "Message retention of the dead-letter queue in seconds."
  value       = aws_sqs_queue.dead_letter.message_retention_seconds
}

output "event_source_mapping_enabled" {
  description = "Whether Lambda polls the queue (false on the emulator, where seawall's runtime does)."
  value       = aws_lambda_event_source_mapping.this.enabled
}
