variable "name_prefix" {
  description = "Prefix of every alarm, the topic, the key alias and the dashboard (for example seawall-dev)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 letters, digits, hyphens or underscores."
  }
}

variable "functions" {
  description = "The functions to watch, by short name: name, timeout (s), reserved concurrency (-1 when unreserved) and log group."
  type = map(object({
    name                 = string
    timeout              = number
    reserved_concurrency = number
    log_group_name       = string
  }))
}

variable "account_concurrency_limit" {
  description = "The account's Lambda concurrency limit in the region, used for unreserved functions."
  type        = number
  default     = 1000
}

variable "api" {
  description = "The REST API to watch: its name, stage and integration timeout in seconds."
  type = object({
    name                        = string
    stage                       = string
    integration_timeout_seconds = number
  })
}

variable "table" {
  description = "The DynamoDB table to watch and its billing mode (capacity alarms only in PROVISIONED mode)."
  type = object({
    name         = string
    billing_mode = string
    index_names  = optional(list(string), [])
  })
}

variable "queues" {
  description = "The jobs queue and its dead-letter queue (names), and the dead-letter queue's retention in seconds."
  type = object({
    jobs_name             = string
    dead_letter_name      = string
    dlq_retention_seconds = number
  })
}

variable "access_log_stream_name" {
  description = "Name of the Firehose stream that delivers the API's access logs."
  type        = string
}

variable "thresholds" {
  description = "Alarm thresholds; the defaults suit a small production API."
  type = object({
    duration_ratio           = optional(number, 0.8)
    concurrency_ratio        = optional(number, 0.8)
    api_5xx_rate             = optional(number, 0.01)
    api_4xx_rate             = optional(number, 0.1)
    api_latency_ratio        = optional(number, 0.8)
    capacity_ratio           = optional(number, 0.8)
    queue_oldest_age_seconds = optional(number, 900)
    dlq_age_ratio            = optional(number, 0.75)
  })
  default = {}

  validation {
    condition = alltrue([
      for r in [var.thresholds.duration_ratio, var.thresholds.concurrency_ratio, var.thresholds.api_latency_ratio, var.thresholds.capacity_ratio, var.thresholds.dlq_age_ratio] : r > 0 && r < 1
    ])
    error_message = "Every *_ratio threshold must be strictly between 0 and 1: an alarm at 100% fires only after the limit is hit."
  }

  validation {
    condition     = var.thresholds.api_5xx_rate > 0 && var.thresholds.api_5xx_rate < 1 && var.thresholds.api_4xx_rate > 0 && var.thresholds.api_4xx_rate < 1
    error_message = "api_5xx_rate and api_4xx_rate are fractions of requests, strictly between 0 and 1."
  }
}

variable "alarm_email_addresses" {
  description = "Addresses subscribed to the alarm topic (each must confirm by e-mail)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
