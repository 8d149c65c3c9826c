environment = "prod"

cors_allow_origins = ["https://app.example.com"]
log_level          = "INFO"
log_retention_days = 365
tracing_enabled    = true

# Failure mode "cold start timeout": warm environments on the API alias. Reserved concurrency keeps
# the API from being starved by the worker (and bounds the bill).
api_function    = { memory_size = 1024, timeout = 10, reserved_concurrency = 100, provisioned_concurrency = 2 }
worker_function = { memory_size = 512, timeout = 120, reserved_concurrency = 20 }

api_throttle      = { rate_limit = 200, burst_limit = 400 }
api_quota         = { limit = 1000000, period = "MONTH" }
api_logging_level = "ERROR"
api_caching       = { enabled = false }

# Failure modes "DynamoDB throttling" and "disaster recovery": provisioned capacity with target
# tracking, a replica in a second region and daily backups kept 35 days.
table = {
  billing_mode    = "PROVISIONED"
  autoscaling     = { read_min = 5, read_max = 200, write_min = 5, write_max = 100, target_utilization = 70 }
  replica_regions = ["us-east-2"]
  backup          = { retention_days = 35 }
}

jobs = { max_receive_count = 5, batch_size = 10, maximum_concurrency = 10 }

log_bucket = { transition_days = 30, expiration_days = 400, abort_incomplete_multipart_days = 7 }

alarm_email_addresses = []

# `seawall deploy` shifts 10% of the API alias's traffic to a new version for 5 minutes, watching its
# alarms, before moving the alias (override with --canary, or --canary 0:0 for none).
deploy_canary = "10:5"
