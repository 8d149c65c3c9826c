provider "aws" {
  region = var.region

  # The emulator is reached through AWS_ENDPOINT_URL, which the provider honours; the only setting it
  # also needs is path-style S3 addressing (bucket.localhost does not resolve). Set in envs/local.tfvars.
  s3_use_path_style = var.s3_use_path_style

  default_tags {
    tags = {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
