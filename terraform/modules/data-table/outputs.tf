output "table_name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table."
  value       = aws_dynamodb_table.this.arn
}

output "index_names" {
  description = "Names of the table's global secondary indexes (for the monitoring module's throttle alarms)."
  value       = [local.index_name]
}

output "index_arns" {
  description = "ARNs of the table's global secondary indexes (for least-privilege Query permissions)."
  value       = ["${aws_dynamodb_table.this.arn}/index/${local.index_name}"]
}

output "billing_mode" {
  description = "Billing mode of the table, for the monitoring module's capacity alarms."
  value       = aws_dynamodb_table.this.billing_mode
}

output "kms_key_arn" {
  description = "Customer-managed KMS key of the table, or null when the AWS-managed key is used."
  value       = var.kms_key_arn
}

output "autoscaling_target_ids" {
  description = "Application Auto Scaling targets of the table and its index (empty when on-demand)."
  value       = [for t in aws_appautoscaling_target.this : t.resource_id]
}

output "deletion_protection" {
  description = "Whether DynamoDB refuses to delete the table."
  value       = aws_dynamodb_table.this.deletion_protection_enabled
}

output "backup_plan_id" {
  description = "ID of the AWS Backup plan, or null when there is none."
  value       = one(aws_backup_plan.this[*].id)
}
