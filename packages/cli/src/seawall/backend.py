"""Terraform's S3 state backend: its settings, and the bucket that holds every environment's state.

One bucket per account and region (`seawall-tfstate-<account>-<region>`), created by
`seawall bootstrap` (see `seawall.bootstrap`) on AWS and in the emulator alike, so the local stack
exercises the exact partial-backend path a real deployment uses. The bucket is versioned (a bad
apply can be undone by restoring the previous state), encrypted, closed to the public and, on AWS,
to plain HTTP (the emulator speaks only HTTP). Locks are S3 native (`use_lockfile`, Terraform >=
1.10): a `.tflock` object written with `If-None-Match: *`, which the emulator honours too, so no
DynamoDB lock table exists anywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

STATE_BUCKET_PREFIX = "seawall-tfstate"


def state_bucket_name(account_id: str, region: str) -> str:
    """The state bucket of an account and region (12 + 14 + 16 characters: always <= 63)."""
    return f"{STATE_BUCKET_PREFIX}-{account_id}-{region}"


def environment_prefix(env: str) -> str:
    """Where an environment's objects live in the state bucket: state, settings, releases."""
    return f"seawall/{env}/"


def state_key(env: str) -> str:
    return f"{environment_prefix(env)}terraform.tfstate"


@dataclass(frozen=True)
class BackendSettings:
    bucket: str
    key: str
    region: str
    use_lockfile: bool = True
    path_style: bool = False  # the emulator serves S3 on one host, so bucket names go in the path

    def init_config(self) -> dict[str, str]:
        """The `-backend-config` pairs that complete `backend "s3" {}`."""
        config = {
            "bucket": self.bucket,
            "key": self.key,
            "region": self.region,
            "encrypt": "true",
            "use_lockfile": "true" if self.use_lockfile else "false",
        }
        if self.path_style:
            config["use_path_style"] = "true"
        return config

    @property
    def lock_key(self) -> str:
        """The object Terraform holds while it changes the state (`use_lockfile`)."""
        return f"{self.key}.tflock"


def ensure_state_bucket(s3: Any, settings: BackendSettings, *, tls_only: bool = True) -> list[str]:
    """Create the state bucket if it is missing and (re)apply its settings; idempotent.

    Returns what changed, in words ("created bucket ...", "versioning enabled", ...): empty when
    the bucket already had every setting. `tls_only=False` is for the emulator, which serves plain
    HTTP on loopback and enforces bucket policies: the TLS-only policy would lock everyone out.
    """
    changes: list[str] = []
    bucket = settings.bucket
    if not _bucket_exists(s3, bucket):
        arguments: dict[str, Any] = {"Bucket": bucket}
        if settings.region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
        s3.create_bucket(**arguments)
        changes.append(f"created bucket {bucket}")
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        changes.append("versioning enabled")
    if _encryption(s3, bucket) != ENCRYPTION:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=ENCRYPTION)
        changes.append("default encryption set")
    if _public_access_block(s3, bucket) != PUBLIC_ACCESS_BLOCK:
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK
        )
        changes.append("public access blocked")
    policy = tls_only_policy(bucket)
    if tls_only and _bucket_policy(s3, bucket) != policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        changes.append("TLS-only bucket policy set")
    return changes


ENCRYPTION = {
    "Rules": [
        {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": False,
        }
    ]
}
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def tls_only_policy(bucket: str) -> dict[str, Any]:
    """Deny every request that does not come over TLS (AWS Security Hub control S3.5)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def _encryption(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        config = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except s3.exceptions.ClientError:
        return None
    rules = [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
            },
            "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled", False)),
        }
        for rule in config.get("Rules", [])
    ]
    return {"Rules": rules}


def _public_access_block(s3: Any, bucket: str) -> dict[str, bool] | None:
    try:
        return s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError:
        return None


def _bucket_policy(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError:
        return None
