terraform {
  # 1.9: validation blocks may refer to other variables (used for the limits that involve two inputs).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70"
    }
  }
}
