variable "name_prefix" {
  description = "First part of the bucket name; the module appends the account id, the region and name_suffix."
  type        = string

  validation {
    # S3 bucket names: 3-63 lowercase letters, digits and hyphens. The account id (12) and the longest
    # region name (14) plus two hyphens leave 35 characters, minus whatever suffix is added.
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,34}$", var.name_prefix))
    error_message = "name_prefix must be 2-35 lowercase letters, digits or hyphens, starting with a letter or digit."
  }
}

variable "name_suffix" {
  description = "Optional suffix appended (with a hyphen) when the default name is already taken in S3's global namespace."
  type        = string
  default     = ""

  validation {
    condition     = var.name_suffix == "" || can(regex("^[a-z0-9]{1,8}$", var.name_suffix))
    error_message = "name_suffix must be empty or 1-8 lowercase letters or digits."
  }
}

variable "force_destroy" {
  description = "Whether terraform destroy may delete a bucket that still holds logs (never true in prod)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for SSE-KMS; null uses the AWS-managed key aws/s3."
  type        = string
  default     = null
}

variable "transition_days" {
  description = "Days after which log objects move to STANDARD_IA."
  type        = number
  default     = 30

  validation {
    # S3 refuses a transition to STANDARD_IA earlier than 30 days after creation.
    condition     = var.transition_days >= 30 && floor(var.transition_days) == var.transition_days
    error_message = "transition_days must be a whole number of at least 30 (the S3 minimum for STANDARD_IA)."
  }
}

variable "expiration_days" {
  description = "Days after which log objects (and noncurrent versions) are deleted."
  type        = number
  default     = 365

  validation {
    # STANDARD_IA bills at least 30 days of storage, and S3 rejects an expiry that is not after the transition.
    condition     = var.expiration_days > var.transition_days && floor(var.expiration_days) == var.expiration_days
    error_message = "expiration_days must be a whole number greater than transition_days."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which incomplete multipart uploads are aborted (their parts are billed until then)."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1 && floor(var.abort_incomplete_multipart_days) == var.abort_incomplete_multipart_days
    error_message = "abort_incomplete_multipart_days must be a whole number of at least 1."
  }
}

variable "writer_role_arns" {
  description = "IAM roles allowed to write log objects (the Firehose delivery role); nobody else gets a grant."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
