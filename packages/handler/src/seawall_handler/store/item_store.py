"""Persistence of items behind a small interface, and its DynamoDB implementation.

Record layout (the table of docs/function-contract.md; the README has the full picture):

    item    pk=ITEM#<id>  sk=ITEM  gsi1pk=ITEMS  gsi1sk=<created_at>#<id>
            id, name, data (the JSON text of the object), version (N), created_at, updated_at

`data` is stored as JSON text, not as a DynamoDB map: a map would change what clients sent
(DynamoDB normalises numbers, `1.0` comes back as `1`, and refuses magnitudes above 1e125), and
the API promises that items round-trip unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from seawall_handler import _json
from seawall_handler.domain.items import Expected, VersionConflict
from seawall_handler.domain.models import Item
from seawall_handler.errors import Unavailable
from seawall_handler.store.aws_calls import Calls, condition_failed

ITEMS_PARTITION = "ITEMS"


def item_key(item_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"ITEM#{item_id}"}, "sk": {"S": "ITEM"}}


def item_record(item: Item) -> dict[str, Any]:
    return {
        **item_key(item.id),
        "gsi1pk": {"S": ITEMS_PARTITION},
        "gsi1sk": {"S": f"{item.created_at}#{item.id}"},
        "id": {"S": item.id},
        "name": {"S": item.name},
        "data": {"S": _data_text(item.data)},
        "version": {"N": str(item.version)},
        "created_at": {"S": item.created_at},
        "updated_at": {"S": item.updated_at},
    }


def _data_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def item_from_record(record: dict[str, Any]) -> Item:
    return Item(
        record["id"]["S"],
        record["name"]["S"],
        _json.loads(record["data"]["S"]),
        int(record["version"]["N"]),
        record["created_at"]["S"],
        record["updated_at"]["S"],
    )


def _conflict(exc: Exception) -> VersionConflict | None:
    """The VersionConflict a ConditionalCheckFailed error stands for, or None for other errors."""
    if not condition_failed(exc):
        return None
    old = getattr(exc, "response", {}).get("Item")
    return VersionConflict(item_from_record(old) if old else None)


class DynamoItemStore:
    def __init__(self, calls: Calls, table: str) -> None:
        self._calls = calls
        self._table = table

    def put_new(self, item: Item) -> bool:
        try:
            self._calls.call(
                "dynamodb",
                "put_item",
                TableName=self._table,
                Item=item_record(item),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def get(self, item_id: str) -> Item | None:
        key = item_key(item_id)
        response = self._calls.call("dynamodb", "get_item", TableName=self._table, Key=key)
        record = response.get("Item")
        return item_from_record(record) if record else None

    def update(
        self, item_id: str, name: str, data: dict[str, Any], updated_at: str, expected: Expected
    ) -> Item:
        condition, values = _version_condition(expected)
        values[":name"] = {"S": name}
        values[":data"] = {"S": _data_text(data)}
        values[":updated"] = {"S": updated_at}
        values[":one"] = {"N": "1"}
        try:
            response = self._calls.call(
                "dynamodb",
                "update_item",
                TableName=self._table,
                Key=item_key(item_id),
                UpdateExpression=(
                    "SET #name = :name, #data = :data, updated_at = :updated ADD version :one"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#name": "name", "#data": "data"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            if (conflict := _conflict(exc)) is not None:
                raise conflict from exc
            raise
        return item_from_record(response["Attributes"])

    def delete(self, item_id: str, expected: Expected) -> None:
        condition, values = _version_condition(expected)
        try:
            self._calls.call(
                "dynamodb",
                "delete_item",
                TableName=self._table,
                Key=item_key(item_id),
                ConditionExpression=condition,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except Exception as exc:
            if (conflict := _conflict(exc)) is not None:
                raise conflict from exc
            raise

    def page(
        self, limit: int, after: tuple[str, str] | None
    ) -> tuple[list[Item], tuple[str, str] | None]:
        """Up to `limit` items in creation order after `after` = (created_at, id).

        Asks for one item more than the page: when it exists there is a next page, so the last
        page never carries a cursor that leads to an empty one.
        """
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": ITEMS_PARTITION}},
            "Limit": limit + 1,
        }
        if after is not None:
            created_at, item_id = after
            params["ExclusiveStartKey"] = {
                **item_key(item_id),
                "gsi1pk": {"S": ITEMS_PARTITION},
                "gsi1sk": {"S": f"{created_at}#{item_id}"},
            }
        response = self._calls.call("dynamodb", "query", **params)
        items = [item_from_record(record) for record in response.get("Items", [])]
        if len(items) > limit:
            items = items[:limit]
        elif not (response.get("LastEvaluatedKey") and items):
            return items, None
        # More items remain (or DynamoDB's 1 MB page limit cut the page short).
        return items, (items[-1].created_at, items[-1].id)


def _version_condition(expected: Expected) -> tuple[str, dict[str, Any]]:
    """The condition "the item exists (and is at one of the `expected` versions)"."""
    if expected is None:
        return "attribute_exists(pk)", {}
    values = {f":v{i}": {"N": str(v)} for i, v in enumerate(sorted(expected))}
    return f"attribute_exists(pk) AND version IN ({', '.join(values)})", values


def put_batch(calls: Calls, table: str, items: list[Item]) -> None:
    """Put `items` with BatchWriteItem (unconditional: imports use deterministic ids, so a
    repeated import rewrites the same records), retrying only UnprocessedItems (retrylib);
    `Unavailable` when some are still unwritten at the end."""
    result = calls.batch_write(table, [item_record(item) for item in items])
    if not result.complete:
        raise Unavailable(f"{result.unprocessed_count} of {len(items)} items could not be written")
