variable "name" {
  description = "Name of the REST API; also names its usage plan, key and access-log stream."
  type        = string

  validation {
    # The Firehose stream is named amazon-apigateway-<name>-access-logs and stream names stop at 64 characters.
    condition     = can(regex("^[a-zA-Z0-9_-]{1,34}$", var.name))
    error_message = "name must be 1-34 letters, digits, hyphens or underscores (the access-log stream name adds 30 characters; Firehose allows 64)."
  }
}

variable "description" {
  description = "Description of the REST API."
  type        = string
  default     = ""
}

variable "stage_name" {
  description = "Name of the stage (the first path segment of the API URL)."
  type        = string
  default     = "v1"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, hyphens or underscores."
  }
}

variable "routes" {
  description = "Paths (at most two segments deep) and the HTTP methods the function handles on them; must match the handler's router."
  type        = map(list(string))
  default = {
    "/health"     = ["GET"]
    "/items"      = ["GET", "POST"]
    "/items/{id}" = ["GET", "PUT", "DELETE"]
    "/jobs"       = ["POST"]
    "/jobs/{id}"  = ["GET"]
  }

  validation {
    condition     = alltrue([for p in keys(var.routes) : can(regex("^/[a-zA-Z0-9._{}-]+(/[a-zA-Z0-9._{}-]+)?$", p))])
    error_message = "Each route path must start with '/' and have one or two segments, for example /items or /items/{id}."
  }

  validation {
    condition     = alltrue(flatten([for ms in values(var.routes) : [for m in ms : contains(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], m)]]))
    error_message = "Route methods must be GET, POST, PUT, PATCH, DELETE or HEAD (OPTIONS is added for every resource)."
  }
}

variable "public_paths" {
  description = "Paths that need no API key (health checks); every other route requires one."
  type        = list(string)
  default     = ["/health"]
}

variable "function_name" {
  description = "Name of the function that serves every route."
  type        = string
}

variable "function_alias" {
  description = "Alias of the function that API Gateway invokes."
  type        = string
  default     = "live"
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the function's alias."
  type        = string
}

variable "integration_timeout_seconds" {
  description = "How long API Gateway waits for the function; the function's timeout must be lower."
  type        = number
  default     = 29

  validation {
    # 50 ms to 29 s is what API Gateway accepts for REST integrations without a quota increase.
    condition     = var.integration_timeout_seconds >= 0.05 && var.integration_timeout_seconds <= 29
    error_message = "integration_timeout_seconds must be between 0.05 and 29 (API Gateway's maximum for REST APIs)."
  }
}

variable "cors" {
  description = "CORS settings answered by OPTIONS and by gateway error responses: exact origins or https://*.domain patterns."
  type = object({
    allow_origins     = list(string)
    allow_headers     = optional(list(string), ["Content-Type", "X-Api-Key", "Authorization", "Idempotency-Key"])
    expose_headers    = optional(list(string), ["X-Request-Id", "Retry-After"])
    max_age_seconds   = optional(number, 600)
    allow_credentials = optional(bool, false)
  })

  validation {
    condition     = length(var.cors.allow_origins) > 0
    error_message = "cors.allow_origins needs at least one origin."
  }

  validation {
    condition     = alltrue([for o in var.cors.allow_origins : o == "*" || can(regex("^https?://(\\*\\.)?[a-zA-Z0-9.-]+(:[0-9]+)?$", o))])
    error_message = "Each CORS origin must be *, scheme://host[:port] or scheme://*.domain, without a path."
  }

  validation {
    # Browsers reject "Access-Control-Allow-Origin: *" together with credentials.
    condition     = !(var.cors.allow_credentials && contains(var.cors.allow_origins, "*"))
    error_message = "cors.allow_credentials cannot be combined with the origin *."
  }

  validation {
    condition     = var.cors.max_age_seconds >= 0 && var.cors.max_age_seconds <= 7200
    error_message = "cors.max_age_seconds must be between 0 and 7200 (Chromium's cap)."
  }
}

variable "throttle" {
  description = "Steady-state requests per second and burst, for the stage and the usage plan."
  type = object({
    rate_limit  = optional(number, 100)
    burst_limit = optional(number, 200)
  })
  default = {}

  validation {
    condition     = var.throttle.rate_limit > 0 && var.throttle.burst_limit >= 1 && floor(var.throttle.burst_limit) == var.throttle.burst_limit
    error_message = "throttle.rate_limit must be positive and throttle.burst_limit a whole number of at least 1."
  }
}

variable "quota" {
  description = "Requests allowed per API key per period (DAY, WEEK or MONTH)."
  type = object({
    limit  = optional(number, 100000)
    period = optional(string, "DAY")
  })
  default = {}

  validation {
    condition     = contains(["DAY", "WEEK", "MONTH"], var.quota.period) && var.quota.limit >= 1
    error_message = "quota.period must be DAY, WEEK or MONTH and quota.limit at least 1."
  }
}

variable "logging_level" {
  description = "Execution logging level of every method (OFF, ERROR or INFO)."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.logging_level)
    error_message = "logging_level must be OFF, ERROR or INFO."
  }
}

variable "manage_account_logging_role" {
  description = "Whether to set the region-wide role API Gateway uses to write execution logs (one per account and region; off when something else, such as `seawall bootstrap`, sets it)."
  type        = bool
  default     = false
}

variable "caching" {
  description = "Optional stage cache for GET responses: cluster size in GB and TTL in seconds."
  type = object({
    enabled     = optional(bool, false)
    size        = optional(string, "0.5")
    ttl_seconds = optional(number, 60)
  })
  default = {}

  validation {
    condition     = contains(["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"], var.caching.size)
    error_message = "caching.size must be one of the API Gateway cache sizes: 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118 or 237."
  }

  validation {
    condition     = var.caching.ttl_seconds >= 0 && var.caching.ttl_seconds <= 3600
    error_message = "caching.ttl_seconds must be between 0 and 3600."
  }
}

variable "xray_tracing_enabled" {
  description = "Whether X-Ray tracing is on for the stage."
  type        = bool
  default     = false
}

variable "log_bucket_arn" {
  description = "ARN of the bucket that receives the access logs (through Firehose)."
  type        = string
}

variable "access_log_prefix" {
  description = "Key prefix of the access logs in the log bucket."
  type        = string
  default     = "api-access-logs/"

  validation {
    condition     = endswith(var.access_log_prefix, "/") && !startswith(var.access_log_prefix, "/")
    error_message = "access_log_prefix must end with '/' and not start with one."
  }
}

variable "firehose_buffering" {
  description = "Firehose buffering before an object is written: size in MB and interval in seconds."
  type = object({
    size_mb          = optional(number, 5)
    interval_seconds = optional(number, 300)
  })
  default = {}

  validation {
    condition     = var.firehose_buffering.size_mb >= 1 && var.firehose_buffering.size_mb <= 128 && var.firehose_buffering.interval_seconds >= 0 && var.firehose_buffering.interval_seconds <= 900
    error_message = "firehose_buffering.size_mb must be 1-128 and interval_seconds 0-900."
  }
}

variable "log_retention_days" {
  description = "Retention of the Firehose delivery-error log group in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "iam_name_suffix" {
  description = "Appended to the names of the IAM roles this module creates: IAM names are account-wide, so a second region of the same stack needs its own (empty in the first region)."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^(-[a-z0-9-]{1,20})?$", var.iam_name_suffix))
    error_message = "iam_name_suffix must be empty or a hyphen and up to 20 lowercase letters, digits or hyphens."
  }
}
