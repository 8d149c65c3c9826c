output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "alias_name" {
  description = "Name of the alias that serves traffic (live)."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the live alias (what API Gateway and SQS invoke)."
  value       = aws_lambda_alias.live.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the live alias, for API Gateway integrations."
  value       = aws_lambda_alias.live.invoke_arn
}

output "timeout" {
  description = "Timeout of the function in seconds."
  value       = aws_lambda_function.this.timeout
}

output "reserved_concurrency" {
  description = "Reserved concurrency of the function (-1 when unreserved)."
  value       = var.reserved_concurrency
}

output "role_name" {
  description = "Name of the execution role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "version" {
  description = "Published version the live alias points at."
  value       = aws_lambda_function.this.version
}

output "version_arn" {
  description = "ARN of the published version the live alias points at."
  value       = aws_lambda_function.this.qualified_arn
}

output "provisioned_concurrency" {
  description = "Provisioned concurrent executions on the live alias (0 when off)."
  value       = one(aws_lambda_provisioned_concurrency_config.this[*].provisioned_concurrent_executions) == null ? 0 : one(aws_lambda_provisioned_concurrency_config.this[*].provisioned_concurrent_executions)
}
