# Partial configuration: the CLI supplies bucket, key, region and dynamodb_table with -backend-config
# (terraform/envs/<environment>.backend.hcl shows the AWS values). On the emulator the same bucket and
# lock table live in the emulator, so the state lives and dies with the resources it describes.
terraform {
  backend "s3" {}
}
