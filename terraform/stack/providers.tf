provider "aws" {
  region = var.region

  # The emulator is reached through AWS_ENDPOINT_URL, which the provider honours; the only setting it
  # also needs is path-style S3 addressing (bucket.localhost does not resolve). Set in envs/local.tfvars.
  s3_use_path_style = var.s3_use_path_style

  # Attempts per API call (null: the provider's 25). `seawall deploy` also retries a whole apply that
  # failed on throttling; the deploy drills set 1 here, so injected throttling reaches that layer.
  max_retries = var.aws_max_retries

  default_tags {
    tags = {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
