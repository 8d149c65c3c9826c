variable "name" {
  description = "Name of the Lambda function (also names its role and log group)."
  type        = string

  validation {
    # The role name gets "-role" appended and IAM role names stop at 64 characters.
    condition     = can(regex("^[a-zA-Z0-9_-]{1,59}$", var.name))
    error_message = "name must be 1-59 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Description shown in the Lambda console."
  type        = string
  default     = ""
}

variable "handler" {
  description = "Handler in module.function form, for example seawall_handler.api.handler."
  type        = string
}

variable "runtime" {
  description = "Lambda Python runtime. The CLI passes the one whose Python built the zip, so that the zip's .pyc files are the runtime's own."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.11, python3.12 or python3.13."
  }
}

variable "zip_path" {
  description = "Path of the deployment zip built by the CLI."
  type        = string
}

variable "zip_sha256" {
  description = "Base64 SHA-256 of the zip (Lambda's CodeSha256); a change redeploys the code."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.zip_sha256))
    error_message = "zip_sha256 must be the base64 SHA-256 of the zip (44 characters ending in '='), as `openssl dgst -sha256 -binary | base64` prints it."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "Lambda memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Function timeout in seconds."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "A Lambda timeout must be between 1 and 900 seconds."
  }

  validation {
    # Failure mode "API Gateway integration timeout": if the function may run as long as API Gateway
    # waits, the client gets a bare 504/500 instead of the function's own timeout response.
    condition     = var.api_integration_timeout_seconds == null || var.timeout < coalesce(var.api_integration_timeout_seconds, 29)
    error_message = "timeout must be below the API's integration timeout (api_integration_timeout_seconds), so the function fails before API Gateway gives up."
  }
}

variable "api_integration_timeout_seconds" {
  description = "Integration timeout of the API in front of this function; null when no API calls it synchronously."
  type        = number
  default     = null

  validation {
    condition     = var.api_integration_timeout_seconds == null || try(var.api_integration_timeout_seconds > 0 && var.api_integration_timeout_seconds <= 29, false)
    error_message = "api_integration_timeout_seconds must be at most 29 (API Gateway's default maximum)."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function (the contract in docs/function-contract.md)."
  type        = map(string)
  default     = {}
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function on the unreserved account pool."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrency >= -1
    error_message = "reserved_concurrency must be -1 (unreserved) or a non-negative number."
  }
}

variable "provisioned_concurrency" {
  description = "Provisioned concurrent executions on the live alias (against cold starts); 0 disables it."
  type        = number
  default     = 0

  validation {
    condition     = var.provisioned_concurrency >= 0
    error_message = "provisioned_concurrency must be 0 or more."
  }

  validation {
    # Lambda rejects provisioned concurrency above the function's reserved concurrency.
    condition     = var.reserved_concurrency < 0 || var.provisioned_concurrency <= var.reserved_concurrency
    error_message = "provisioned_concurrency cannot exceed reserved_concurrency."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days."
  type        = number
  default     = 30

  validation {
    # The only values CloudWatch Logs accepts (0, never expire, is not allowed here on purpose).
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "log_kms_key_arn" {
  description = "Customer-managed KMS key encrypting the log group; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "tracing_enabled" {
  description = "Whether X-Ray active tracing is on."
  type        = bool
  default     = false
}

variable "policy_statements" {
  description = "The only permissions the code needs, beyond writing its own logs: named statements of explicit actions on explicit resources."
  type = map(object({
    actions   = list(string)
    resources = list(string)
  }))
  default = {}

  validation {
    # Failure mode "IAM role creation issues" and least privilege: no wildcard actions, ever.
    condition     = alltrue([for s in values(var.policy_statements) : alltrue([for a in s.actions : !strcontains(a, "*")])])
    error_message = "policy_statements must list explicit actions: wildcards such as dynamodb:* are not allowed."
  }

  validation {
    condition     = alltrue([for s in values(var.policy_statements) : alltrue([for r in s.resources : r != "*"])])
    error_message = "policy_statements must name their resources: \"*\" is not allowed."
  }
}

variable "kms_key_arns" {
  description = "Customer-managed KMS keys the code must use (table, queue); empty when only AWS-managed keys are used."
  type        = list(string)
  default     = []
}

variable "canary" {
  description = "While a canary runs: the stable version the live alias keeps, and the share of traffic (0-1) the new version gets; null otherwise."
  type = object({
    stable_version = string
    weight         = number
  })
  default = null

  validation {
    condition     = var.canary == null || (try(var.canary.weight, 0) > 0 && try(var.canary.weight, 1) < 1)
    error_message = "canary.weight must be between 0 and 1 (exclusive): Lambda alias routing weights are fractions."
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
