output "bucket_name" {
  description = "Name of the log bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.this.arn
}

output "force_destroy" {
  description = "Whether terraform destroy deletes the bucket with the logs in it."
  value       = aws_s3_bucket.this.force_destroy
}
