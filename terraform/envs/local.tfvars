# The local emulator (moto in server mode), reached through AWS_ENDPOINT_URL.
environment       = "local"
s3_use_path_style = true

# Several origins and a wildcard subdomain pattern, as in dev: preflights then run the origin-checking
# Velocity template (rest-api/cors.tf), which the local gateway evaluates.
cors_allow_origins = ["http://localhost:3000", "http://127.0.0.1:3000", "https://*.seawall.localhost"]
log_level          = "DEBUG"
log_retention_days = 7

# The emulator has no provisioned concurrency and no Application Auto Scaling tags: both stay off here
# and are proven by the modules' plan-level tests instead.
api_function    = { provisioned_concurrency = 0 }
worker_function = { provisioned_concurrency = 0 }
table           = { billing_mode = "PAY_PER_REQUEST" }

# The emulator's SQS trigger tries to run the function itself when a message arrives; seawall's local
# runtime polls the queue instead, reading this (disabled) mapping from the emulator.
# It also stores but never returns a redrive allow policy (the provider would wait forever), and it
# records a mapping to the live alias as a mapping to the alias's version (a change on every plan).
jobs = {
  mapping_enabled              = false
  restrict_dead_letter_sources = false
  subscribe_alias              = false
}

# Short buffering so access logs show up quickly if the emulator delivers them.
firehose_buffering = { size_mb = 1, interval_seconds = 60 }
