"""Putting a table back as it was: the keys present at a snapshot stay, every record written
since goes (items, idempotency records, jobs). For the emulator only, between test or benchmark
runs on one shared stack: moto answers a query in time proportional to the whole table, so
records left behind by one run would slow every run after it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

BATCH = 25  # BatchWriteItem's limit


def _keys(dynamodb: Any, table: str, key_names: list[str]) -> Iterator[tuple[str, ...]]:
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table,
        ProjectionExpression=", ".join(f"#{i}" for i in range(len(key_names))),
        ExpressionAttributeNames={f"#{i}": name for i, name in enumerate(key_names)},
    ):
        for item in page["Items"]:
            yield tuple(item[name]["S"] for name in key_names)


class TableSnapshot:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table
        schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
        self._key_names = [part["AttributeName"] for part in schema]
        self._kept = set(_keys(dynamodb, table, self._key_names))

    def restore(self) -> int:
        """Delete every record written since the snapshot; returns how many."""
        new = [
            k for k in _keys(self._dynamodb, self._table, self._key_names) if k not in self._kept
        ]
        for start in range(0, len(new), BATCH):
            requests = [
                {
                    "DeleteRequest": {
                        "Key": {n: {"S": v} for n, v in zip(self._key_names, key, strict=True)}
                    }
                }
                for key in new[start : start + BATCH]
            ]
            pending: dict[str, Any] = {self._table: requests}
            for _ in range(10):  # unprocessed items come back under load; bounded
                pending = self._dynamodb.batch_write_item(RequestItems=pending).get(
                    "UnprocessedItems", {}
                )
                if not pending:
                    break
        return len(new)
