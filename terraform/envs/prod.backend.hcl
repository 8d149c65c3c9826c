# What the CLI passes to `terraform init` (`seawall bootstrap/plan/deploy --env prod`): the bucket is
# seawall-tfstate-<account>-<region>, from the credentials' account, and `seawall bootstrap` creates
# it. By hand: terraform -chdir=terraform/stack init -backend-config=../envs/prod.backend.hcl \
#   -backend-config=bucket=seawall-tfstate-$(aws sts get-caller-identity --query Account --output text)-us-west-2
key          = "seawall/prod/terraform.tfstate"
region       = "us-west-2"
use_lockfile = true
encrypt      = true
