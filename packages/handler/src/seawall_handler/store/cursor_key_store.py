"""The cursor key in the table: record `pk=CONFIG sk=CURSOR_KEY`, 32 random bytes.

Created by the first function instance that needs it, with a conditional put, so that every
instance of every function agrees on it (domain/cursor.py signs with it).
"""

from __future__ import annotations

import os
from typing import Any

from seawall_handler.store.aws_calls import Calls, condition_failed

KEY_RECORD = {"pk": {"S": "CONFIG"}, "sk": {"S": "CURSOR_KEY"}}


def load_or_create_key(calls: Calls, table: str) -> bytes:
    found = _read(calls, table)
    if found is not None:
        return found
    try:
        calls.call(
            "dynamodb",
            "put_item",
            TableName=table,
            Item={**KEY_RECORD, "key": {"B": os.urandom(32)}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except Exception as exc:
        if not condition_failed(exc):
            raise
        # Another instance created it between our read and our write: use theirs.
    found = _read(calls, table)
    assert found is not None, "the cursor key was just written"
    return found


def _read(calls: Calls, table: str) -> bytes | None:
    found: dict[str, Any] = calls.call(
        "dynamodb", "get_item", TableName=table, Key=KEY_RECORD, ConsistentRead=True
    )
    return bytes(found["Item"]["key"]["B"]) if "Item" in found else None
