"""Fill a table in a new region from the old region's latest backup or point-in-time recovery.

DynamoDB restores a backup (or a point in time) only into a new table of the backup's own
region. So the snapshot is restored in the old region into a scratch table, copied item by item
into the new region's table (BatchWriteItem through retrylib, which resends what DynamoDB left
unprocessed), and the scratch table is deleted. When the old table already has a replica in the
new region (a global table, as prod configures), there is nothing to copy, and it says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from retrylib import aws as retry_aws
from seawall.errors import SeawallError


class RestoreError(SeawallError):
    """There is nothing to restore from, or the copy did not complete."""


@dataclass(frozen=True)
class RestoreResult:
    source: str  # "backup <name> of <time>", "point in time <time>", or "replica"
    items: int
    detail: str


def restore_table(
    source: Any,
    target: Any,
    table: str,
    *,
    source_table: str | None = None,
    target_region: str,
    clock: Callable[[], float] = time.time,
) -> RestoreResult:
    """Copy `source_table` (old region's client `source`) into `table` (new region's `target`)."""
    source_table = source_table or table
    described = source.describe_table(TableName=source_table)["Table"]
    replicas = {replica.get("RegionName") for replica in described.get("Replicas") or []}
    if target_region in replicas:
        return RestoreResult(
            "replica",
            0,
            f"{source_table} already has a replica in {target_region}: nothing to copy",
        )
    scratch = f"{source_table}-restore-{int(clock())}"
    origin = _restore_snapshot(source, source_table, scratch)
    try:
        source.get_waiter("table_exists").wait(
            TableName=scratch, WaiterConfig={"Delay": 1, "MaxAttempts": 600}
        )
        copied = _copy(source, scratch, target, table)
    finally:
        source.delete_table(TableName=scratch)
    return RestoreResult(origin, copied, f"{copied} items from {origin} into {table}")


def _restore_snapshot(client: Any, table: str, scratch: str) -> str:
    backups = [
        backup
        for page in client.get_paginator("list_backups").paginate(TableName=table)
        for backup in page.get("BackupSummaries", [])
        if backup.get("BackupStatus") == "AVAILABLE"
    ]
    if backups:
        latest = max(backups, key=lambda backup: backup["BackupCreationDateTime"])
        client.restore_table_from_backup(TargetTableName=scratch, BackupArn=latest["BackupArn"])
        return f"backup {latest['BackupName']} of {latest['BackupCreationDateTime']:%Y-%m-%d %H:%M}"
    recovery = client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    point = recovery.get("PointInTimeRecoveryDescription") or {}
    if point.get("PointInTimeRecoveryStatus") == "ENABLED":
        client.restore_table_to_point_in_time(
            SourceTableName=table, TargetTableName=scratch, UseLatestRestorableTime=True
        )
        return f"point in time {point.get('LatestRestorableDateTime'):%Y-%m-%d %H:%M:%S}"
    raise RestoreError(
        f"{table} has no backup and no point-in-time recovery: nothing to restore from",
        hint="create an on-demand backup (aws dynamodb create-backup) or enable PITR first",
    )


def _copy(source: Any, scratch: str, target: Any, table: str) -> int:
    copied = 0
    for page in source.get_paginator("scan").paginate(TableName=scratch):
        items = page.get("Items", [])
        if not items:
            continue
        result = retry_aws.batch_write_all(target, table, items)
        if result.unprocessed:
            raise RestoreError(f"DynamoDB did not accept every item into {table}; run it again")
        copied += len(items)
    return copied
