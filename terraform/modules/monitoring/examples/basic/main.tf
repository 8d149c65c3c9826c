# Alarms and a dashboard for one function, the API, the table and the jobs queues.
module "monitoring" {
  source = "../.."

  name_prefix = "seawall-example"
  functions = {
    api = { name = "seawall-example-api", timeout = 10, reserved_concurrency = -1, log_group_name = "/aws/lambda/seawall-example-api" }
  }
  api                    = { name = "seawall-example", stage = "v1", integration_timeout_seconds = 29 }
  table                  = { name = "seawall-example-data", billing_mode = "PAY_PER_REQUEST", index_names = ["gsi1"] }
  queues                 = { jobs_name = "seawall-example-jobs", dead_letter_name = "seawall-example-jobs-dlq", dlq_retention_seconds = 1209600 }
  access_log_stream_name = "amazon-apigateway-seawall-example-access-logs"
}

output "alarm_names" {
  description = "The module's alarm_names."
  value       = module.monitoring.alarm_names
}
