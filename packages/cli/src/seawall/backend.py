"""Terraform's S3 state backend: its settings, and creating the bucket and lock table it needs.

The same code bootstraps the backend on AWS and in the emulator, so the local stack exercises the
exact partial-backend path a real deployment uses. The bucket is versioned (a bad apply can be
undone by restoring the previous state), encrypted and closed to the public; the table holds locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BackendSettings:
    bucket: str
    key: str
    region: str
    lock_table: str
    path_style: bool = False  # the emulator serves S3 on one host, so bucket names go in the path

    def init_config(self) -> dict[str, str]:
        """The `-backend-config` pairs that complete `backend "s3" {}`."""
        config = {
            "bucket": self.bucket,
            "key": self.key,
            "region": self.region,
            "dynamodb_table": self.lock_table,
            "encrypt": "true",
        }
        if self.path_style:
            config["use_path_style"] = "true"
        return config


def local_backend(region: str) -> BackendSettings:
    return BackendSettings(
        bucket="seawall-local-tfstate",
        key="seawall/local.tfstate",
        region=region,
        lock_table="seawall-local-tflock",
        path_style=True,
    )


def ensure_backend(s3: Any, dynamodb: Any, settings: BackendSettings) -> None:
    """Create the state bucket and lock table if they are missing (idempotent)."""
    _ensure_bucket(s3, settings)
    _ensure_lock_table(dynamodb, settings)


def _ensure_bucket(s3: Any, settings: BackendSettings) -> None:
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if settings.bucket not in existing:
        arguments: dict[str, Any] = {"Bucket": settings.bucket}
        if settings.region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
        s3.create_bucket(**arguments)
    s3.put_bucket_versioning(Bucket=settings.bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=settings.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=settings.bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _ensure_lock_table(dynamodb: Any, settings: BackendSettings) -> None:
    try:
        dynamodb.describe_table(TableName=settings.lock_table)
        return
    except dynamodb.exceptions.ResourceNotFoundException:
        pass
    dynamodb.create_table(
        TableName=settings.lock_table,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True},
    )
    dynamodb.get_waiter("table_exists").wait(TableName=settings.lock_table)
