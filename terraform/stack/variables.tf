# Inputs the CLI passes (docs/function-contract.md).

variable "function_zip_path" {
  description = "Path of the Lambda zip built by `seawall build` (both functions use it)."
  type        = string
}

variable "function_zip_sha256" {
  description = "Base64 SHA-256 of the zip, as Lambda reports CodeSha256."
  type        = string
}

variable "function_runtime" {
  description = "Lambda Python runtime of both functions: the one whose Python built the zip (its .pyc files are that Python's)."
  type        = string
  default     = "python3.12"
}

variable "log_bucket_suffix" {
  description = "Suffix for the log bucket name; empty unless the CLI retries after a bucket-name conflict."
  type        = string
  default     = ""
}

# Settings per environment (terraform/envs/<environment>.tfvars).

variable "environment" {
  description = "Deployment environment: local (the emulator), dev or prod."
  type        = string

  validation {
    condition     = contains(["local", "dev", "prod"], var.environment)
    error_message = "environment must be local, dev or prod."
  }
}

variable "name" {
  description = "Project name, the first part of every resource name."
  type        = string
  default     = "seawall"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.name))
    error_message = "name must be 2-15 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-west-2"
}

variable "s3_use_path_style" {
  description = "Whether S3 is addressed path-style (needed by the local emulator, not by AWS)."
  type        = bool
  default     = false
}

variable "api_function" {
  description = "Size and concurrency of the API function: memory (MB), timeout (s), reserved and provisioned concurrency."
  type = object({
    memory_size             = optional(number, 512)
    timeout                 = optional(number, 10)
    reserved_concurrency    = optional(number, -1)
    provisioned_concurrency = optional(number, 0)
  })
  default = {}

  validation {
    # docs/function-contract.md: the handler answers 503 when less than 2 s remain, so it needs at
    # least 3 s to make one DynamoDB attempt at all.
    condition     = var.api_function.timeout >= 3
    error_message = "api_function.timeout must be at least 3 s (the handler keeps 2 s for one DynamoDB attempt and its answer)."
  }
}

variable "worker_function" {
  description = "Size and concurrency of the jobs worker: memory (MB), timeout (s), reserved and provisioned concurrency."
  type = object({
    memory_size             = optional(number, 512)
    timeout                 = optional(number, 60)
    reserved_concurrency    = optional(number, -1)
    provisioned_concurrency = optional(number, 0)
  })
  default = {}

  validation {
    # docs/function-contract.md: the worker keeps 3 s for bookkeeping plus 4.5 s per attempt.
    condition     = var.worker_function.timeout >= 10
    error_message = "worker_function.timeout must be at least 10 s (3 s of bookkeeping plus one 4.5 s DynamoDB attempt, with margin)."
  }
}

variable "log_level" {
  description = "Log level of the functions (SEAWALL_LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "fault_injection" {
  description = "Fault-injection setting passed to the functions as JSON; empty disables it."
  type        = string
  default     = ""

  validation {
    condition     = var.fault_injection == "" || can(jsondecode(var.fault_injection))
    error_message = "fault_injection must be empty or valid JSON."
  }
}

variable "allow_fault_injection_in_prod" {
  description = "Whether the functions may inject faults when the environment is prod."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of every log group in days."
  type        = number
  default     = 30
}

variable "tracing_enabled" {
  description = "Whether X-Ray tracing is on for the functions and the API stage."
  type        = bool
  default     = false
}

variable "cors_allow_origins" {
  description = "Origins allowed to call the API from a browser: exact, or https://*.domain."
  type        = list(string)
}

variable "api_integration_timeout_seconds" {
  description = "How long API Gateway waits for the API function (at most 29 s, above the function's timeout)."
  type        = number
  default     = 29
}

variable "api_throttle" {
  description = "Stage and usage-plan throttling: steady requests per second and burst."
  type = object({
    rate_limit  = optional(number, 100)
    burst_limit = optional(number, 200)
  })
  default = {}
}

variable "api_quota" {
  description = "Requests allowed per API key per period (DAY, WEEK or MONTH)."
  type = object({
    limit  = optional(number, 100000)
    period = optional(string, "DAY")
  })
  default = {}
}

variable "api_logging_level" {
  description = "API Gateway execution logging level (OFF, ERROR or INFO)."
  type        = string
  default     = "ERROR"
}

variable "api_function_extra_policy_statements" {
  description = "Named statements an environment adds to the API function's role (explicit actions on explicit resources), for calls beyond the stack's own resources."
  type = map(object({
    actions   = list(string)
    resources = list(string)
  }))
  default = {}
}

variable "manage_account_logging_role" {
  description = "Whether this stack sets the region-wide API Gateway logging role; `seawall bootstrap` sets it once per account and region instead."
  type        = bool
  default     = false
}

variable "api_caching" {
  description = "Optional stage cache for GET responses: enabled, size (GB) and TTL (s)."
  type = object({
    enabled     = optional(bool, false)
    size        = optional(string, "0.5")
    ttl_seconds = optional(number, 60)
  })
  default = {}
}

variable "table" {
  description = "Table settings: billing mode, auto scaling bounds, customer KMS key, replica regions and backup plan."
  type = object({
    billing_mode       = optional(string, "PAY_PER_REQUEST")
    enable_autoscaling = optional(bool, true)
    autoscaling = optional(object({
      read_min           = optional(number, 5)
      read_max           = optional(number, 100)
      write_min          = optional(number, 5)
      write_max          = optional(number, 100)
      target_utilization = optional(number, 70)
    }), {})
    kms_key_arn     = optional(string)
    replica_regions = optional(list(string), [])
    backup = optional(object({
      schedule       = optional(string, "cron(0 5 * * ? *)")
      retention_days = optional(number, 35)
    }))
  })
  default = {}
}

variable "jobs" {
  description = "Jobs queue settings: receives before dead-lettering, batch size, concurrency, and the switches the emulator needs."
  type = object({
    max_receive_count   = optional(number, 5)
    batch_size          = optional(number, 10)
    maximum_concurrency = optional(number)
    mapping_enabled     = optional(bool, true)
    # The emulator never reports a redrive allow policy back, so the provider would wait forever.
    restrict_dead_letter_sources = optional(bool, true)
    # The emulator records a mapping to an alias as a mapping to the alias's version, so a mapping to
    # the alias would show as changed on every plan there; it subscribes the same version directly.
    subscribe_alias = optional(bool, true)
  })
  default = {}
}

variable "log_bucket" {
  description = "Log bucket lifecycle: days to STANDARD_IA, days to expiry, days before incomplete uploads are aborted."
  type = object({
    transition_days                 = optional(number, 30)
    expiration_days                 = optional(number, 365)
    abort_incomplete_multipart_days = optional(number, 7)
  })
  default = {}
}

variable "firehose_buffering" {
  description = "Access-log buffering in Firehose: size (MB) and interval (s)."
  type = object({
    size_mb          = optional(number, 5)
    interval_seconds = optional(number, 300)
  })
  default = {}
}

variable "alarm_email_addresses" {
  description = "Addresses that receive alarm notifications."
  type        = list(string)
  default     = []
}

variable "api_canary" {
  description = "Set only by `seawall deploy --canary` while a canary runs: the API alias's stable version and the new version's traffic share (0-1)."
  type = object({
    stable_version = string
    weight         = number
  })
  default = null
}

variable "deploy_canary" {
  description = "The canary `seawall deploy` runs by default in this environment, as PERCENT:MINUTES (empty: none). Read by the CLI, not by any resource."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([0-9]{1,2}:[0-9]+)?$", var.deploy_canary))
    error_message = "deploy_canary must be PERCENT:MINUTES, such as 10:5, or empty."
  }
}

variable "aws_max_retries" {
  description = "Attempts the AWS provider makes per API call before it fails the apply (null: its default, 25)."
  type        = number
  default     = null

  validation {
    condition     = var.aws_max_retries == null || try(var.aws_max_retries >= 1, false)
    error_message = "aws_max_retries must be at least 1."
  }
}

variable "iam_name_suffix" {
  description = "Appended to the stack's IAM role names; `seawall deploy --region` sets it (the region) outside the environment's home region, since IAM names are account-wide."
  type        = string
  default     = ""
}
