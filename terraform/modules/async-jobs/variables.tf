variable "name" {
  description = "Name of the jobs queue; the dead-letter queue is named <name>-dlq."
  type        = string

  validation {
    # SQS queue names stop at 80 characters; "-dlq" is appended for the dead-letter queue.
    condition     = can(regex("^[a-zA-Z0-9_-]{1,76}$", var.name))
    error_message = "name must be 1-76 letters, digits, hyphens or underscores."
  }
}

variable "worker_function_arn" {
  description = "Qualified ARN of the worker (its live alias on AWS) that the queue invokes."
  type        = string
}

variable "worker_timeout" {
  description = "Timeout of the worker function in seconds (the visibility timeout is checked against it)."
  type        = number
}

variable "visibility_timeout_seconds" {
  description = "Queue visibility timeout; null means six times the worker timeout, as AWS recommends for Lambda."
  type        = number
  default     = null

  validation {
    condition     = var.visibility_timeout_seconds == null || try(var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200, false)
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (12 hours)."
  }

  validation {
    # Lambda refuses an SQS trigger whose visibility timeout is below the function timeout: messages
    # would reappear (and run twice) while the first attempt is still running.
    condition     = var.visibility_timeout_seconds == null || try(var.visibility_timeout_seconds >= var.worker_timeout, false)
    error_message = "visibility_timeout_seconds must be at least the worker's timeout."
  }
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "How long the jobs queue keeps a message."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "dlq_retention_seconds" {
  description = "How long the dead-letter queue keeps a message (longer than the queue, so failures can be inspected)."
  type        = number
  default     = 1209600

  validation {
    # A message's age is kept when it moves to the DLQ: a shorter DLQ retention would drop it at once.
    condition     = var.dlq_retention_seconds >= var.message_retention_seconds && var.dlq_retention_seconds <= 1209600
    error_message = "dlq_retention_seconds must be at least message_retention_seconds and at most 1209600 (14 days)."
  }
}

variable "batch_size" {
  description = "Messages per worker invocation."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000."
  }
}

variable "maximum_batching_window_seconds" {
  description = "How long Lambda gathers messages before invoking (needed for batches above 10)."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_seconds >= 0 && var.maximum_batching_window_seconds <= 300
    error_message = "maximum_batching_window_seconds must be between 0 and 300."
  }
}

variable "maximum_concurrency" {
  description = "Upper bound on concurrent worker invocations from this queue; null for no bound."
  type        = number
  default     = null

  validation {
    condition     = var.maximum_concurrency == null || try(var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000, false)
    error_message = "maximum_concurrency must be between 2 and 1000."
  }
}

variable "mapping_enabled" {
  description = "Whether Lambda polls the queue; false on the emulator, where seawall's local runtime polls it instead."
  type        = bool
  default     = true
}

variable "restrict_dead_letter_sources" {
  description = "Whether only the jobs queue may use the dead-letter queue (a redrive allow policy); false only on the emulator, which never reports the policy back."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the queues; null uses SQS-managed encryption (SSE-SQS)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
