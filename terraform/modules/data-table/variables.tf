variable "name" {
  description = "Name of the DynamoDB table."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "A DynamoDB table name is 3-255 characters from a-z, A-Z, 0-9, '_', '-' and '.'."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on-demand) or PROVISIONED (with application auto scaling on reads and writes)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "autoscaling" {
  description = "Capacity bounds and target utilisation (percent) for the table and its index when billing_mode is PROVISIONED."
  type = object({
    read_min           = optional(number, 5)
    read_max           = optional(number, 100)
    write_min          = optional(number, 5)
    write_max          = optional(number, 100)
    target_utilization = optional(number, 70)
  })
  default = {}

  validation {
    condition = (
      var.autoscaling.read_min >= 1 && var.autoscaling.read_min <= var.autoscaling.read_max &&
      var.autoscaling.write_min >= 1 && var.autoscaling.write_min <= var.autoscaling.write_max
    )
    error_message = "Auto scaling needs 1 <= read_min <= read_max and 1 <= write_min <= write_max."
  }

  validation {
    # Application Auto Scaling accepts a DynamoDB target utilisation between 20 and 90 percent.
    condition     = var.autoscaling.target_utilization >= 20 && var.autoscaling.target_utilization <= 90
    error_message = "autoscaling.target_utilization must be between 20 and 90 (the Application Auto Scaling range for DynamoDB)."
  }
}

variable "enable_autoscaling" {
  description = "Whether to create the auto scaling targets and policies in PROVISIONED mode (off only where the emulator lacks the API)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key; null uses the AWS-managed key alias/aws/dynamodb."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (aliases are not accepted by DynamoDB here)."
  }
}

variable "deletion_protection" {
  description = "Whether DynamoDB refuses to delete the table (set in prod)."
  type        = bool
  default     = false
}

variable "replica_regions" {
  description = "Regions holding a replica of the table (global table version 2019.11.21) for disaster recovery."
  type        = list(string)
  default     = []
}

variable "backup" {
  description = "Optional AWS Backup plan: a schedule (cron, UTC) and a retention in days; null disables it."
  type = object({
    schedule       = optional(string, "cron(0 5 * * ? *)")
    retention_days = optional(number, 35)
  })
  default = null

  validation {
    condition     = var.backup == null || try(var.backup.retention_days >= 1, false)
    error_message = "backup.retention_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
