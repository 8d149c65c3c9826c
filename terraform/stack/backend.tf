# Partial configuration: the CLI supplies bucket, key and region with -backend-config (the bucket is
# named from the account and region: `seawall bootstrap` creates it). Locks are S3 native
# (use_lockfile): no DynamoDB table. On the emulator the same bucket lives in the emulator, so the
# state lives and dies with the resources it describes.
terraform {
  backend "s3" {}
}
