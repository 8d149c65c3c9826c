# terraform -chdir=terraform/stack init -backend-config=../envs/dev.backend.hcl
# (seawall up passes the same values; `seawall bootstrap` creates the bucket and the lock table.)
bucket         = "seawall-tfstate-123456789012-us-west-2"
key            = "seawall/dev/terraform.tfstate"
region         = "us-west-2"
dynamodb_table = "seawall-tfstate-lock"
encrypt        = true
