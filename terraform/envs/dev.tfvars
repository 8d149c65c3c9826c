environment = "dev"

cors_allow_origins = ["http://localhost:3000", "https://*.dev.example.com"]
log_level          = "DEBUG"
log_retention_days = 14
tracing_enabled    = true

api_throttle      = { rate_limit = 20, burst_limit = 40 }
api_quota         = { limit = 10000, period = "DAY" }
api_logging_level = "INFO"

table = { billing_mode = "PAY_PER_REQUEST" }
