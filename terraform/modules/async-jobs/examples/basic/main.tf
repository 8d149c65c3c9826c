# A jobs queue (and its dead-letter queue) feeding an existing worker function's alias.
module "async_jobs" {
  source = "../.."

  name                = "seawall-example-jobs"
  worker_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:seawall-example-worker:live"
  worker_timeout      = 60
}

output "queue_url" {
  description = "The module's queue_url."
  value       = module.async_jobs.queue_url
}
