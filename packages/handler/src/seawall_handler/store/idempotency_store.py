"""The idempotency records in DynamoDB (the domain's rules are in domain/idempotency.py).

Record: `pk=IDEMPOTENCY#<api key id>#<route>#<key>  sk=IDEMPOTENCY`, with `status`, `fingerprint`,
`resource_id`, `lock_until` (N), `response` (S, once completed) and `expires_at` (N, the TTL).
"""

from __future__ import annotations

from typing import Any

from seawall_handler.domain.idempotency import KeyRecord
from seawall_handler.store.aws_calls import Calls, condition_failed

SORT_KEY = {"S": "IDEMPOTENCY"}


def _key(key: str) -> dict[str, Any]:
    return {"pk": {"S": f"IDEMPOTENCY#{key}"}, "sk": SORT_KEY}


def _record(item: dict[str, Any]) -> KeyRecord:
    response = item.get("response")
    return KeyRecord(
        item["status"]["S"],
        item["fingerprint"]["S"],
        item["resource_id"]["S"],
        item["lock_until"]["N"],
        response["S"] if response else None,
    )


class DynamoIdempotencyStore:
    def __init__(self, calls: Calls, table: str) -> None:
        self._calls = calls
        self._table = table

    def claim_new(self, key: str, record: KeyRecord, expires_at: int, now: int) -> KeyRecord | None:
        item = {
            **_key(key),
            "status": {"S": record.status},
            "fingerprint": {"S": record.fingerprint},
            "resource_id": {"S": record.resource_id},
            "lock_until": {"N": record.lock_until},
            "expires_at": {"N": str(expires_at)},
        }
        try:
            self._calls.call(
                "dynamodb",
                "put_item",
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            # A failed condition carries the stored record (ReturnValuesOnConditionCheckFailure).
            old = getattr(exc, "response", {}).get("Item") if condition_failed(exc) else None
            if old is None:
                raise
            return _record(old)
        return None

    def take_over(self, key: str, old_lock: str, lock_until: float) -> bool:
        try:
            self._calls.call(
                "dynamodb",
                "update_item",
                TableName=self._table,
                Key=_key(key),
                UpdateExpression="SET lock_until = :new",
                ConditionExpression="lock_until = :old AND #s = :in_progress",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":new": {"N": str(lock_until)},
                    ":old": {"N": old_lock},
                    ":in_progress": {"S": "IN_PROGRESS"},
                },
            )
        except Exception as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def update_own(self, key: str, lock_until: float, response: str | None) -> None:
        params: dict[str, Any] = {
            "TableName": self._table,
            "Key": _key(key),
            "ConditionExpression": "lock_until = :mine",
        }
        if response is None:
            params["UpdateExpression"] = "SET lock_until = :zero"
            values: dict[str, Any] = {":zero": {"N": "0"}}
        else:
            params["UpdateExpression"] = "SET #s = :completed, #r = :response"
            params["ExpressionAttributeNames"] = {"#s": "status", "#r": "response"}
            values = {":completed": {"S": "COMPLETED"}, ":response": {"S": response}}
        params["ExpressionAttributeValues"] = {**values, ":mine": {"N": str(lock_until)}}
        try:
            self._calls.call("dynamodb", "update_item", **params)
        except Exception as exc:
            # Someone took the record over (we outlived our lock): theirs is the answer now.
            if not condition_failed(exc):
                raise
