# A log bucket named <prefix>-<account>-<region>, with no writer yet.
module "log_bucket" {
  source = "../.."

  name_prefix = "seawall-example-logs"
}

output "bucket_name" {
  description = "The module's bucket_name."
  value       = module.log_bucket.bucket_name
}
