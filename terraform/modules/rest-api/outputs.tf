output "api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "api_name" {
  description = "Name of the REST API (the ApiName dimension of its metrics)."
  value       = aws_api_gateway_rest_api.this.name
}

output "execution_arn" {
  description = "Execution ARN of the REST API."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "invoke_url" {
  description = "Base URL of the stage, without a trailing slash."
  value       = trimsuffix(aws_api_gateway_stage.this.invoke_url, "/")
}

output "api_key" {
  description = "Value of the API key (send it as X-Api-Key)."
  value       = aws_api_gateway_api_key.this.value
  sensitive   = true
}

output "api_key_id" {
  description = "ID of the API key."
  value       = aws_api_gateway_api_key.this.id
}

output "usage_plan_id" {
  description = "ID of the usage plan."
  value       = aws_api_gateway_usage_plan.this.id
}

output "access_log_stream_name" {
  description = "Name of the Firehose stream that delivers access logs."
  value       = aws_kinesis_firehose_delivery_stream.access_logs.name
}

output "access_log_stream_arn" {
  description = "ARN of the Firehose stream that delivers access logs."
  value       = aws_kinesis_firehose_delivery_stream.access_logs.arn
}

output "firehose_role_arn" {
  description = "ARN of the role Firehose writes to the log bucket with."
  value       = aws_iam_role.firehose.arn
}
