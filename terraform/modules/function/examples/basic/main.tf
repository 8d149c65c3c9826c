# A function from a zip built by `seawall build` (its path and base64 SHA-256 are inputs).
variable "zip_path" {
  description = "Path of the zip `seawall build` wrote."
  type        = string
  default     = "function.zip"
}

variable "zip_sha256" {
  description = "Base64 SHA-256 of the zip (Lambda's CodeSha256)."
  type        = string
  default     = "XEzlCuSO1e/gQJgGXKJZRJilVwm3PQdIXveOnfknoko="
}

module "function" {
  source = "../.."

  name       = "seawall-example-api"
  handler    = "seawall_handler.api.handler"
  zip_path   = var.zip_path
  zip_sha256 = var.zip_sha256
}

output "alias_arn" {
  description = "The module's alias_arn."
  value       = module.function.alias_arn
}
