"""Idempotent creates: the same `Idempotency-Key` and body give the same answer, once.

Record: `pk=IDEMPOTENCY#<api key id>#<route>#<key>  sk=IDEMPOTENCY`, with `status` (IN_PROGRESS or
COMPLETED), `fingerprint` (SHA-256 of the canonical JSON body), `resource_id` (the id the create
uses), `lock_until` (epoch s), `response` (the JSON of the answer) and `expires_at` (TTL, 24 h).

1. `begin` writes an IN_PROGRESS record with a fresh resource id, if none exists. Otherwise the
   stored record decides: another body -> 422; COMPLETED -> replay the stored answer; IN_PROGRESS
   with a live lock -> 409; IN_PROGRESS with an expired lock (its request died) -> take it over.
2. The create runs with the record's resource id. Its own write is conditional on the id being
   new, so a request that takes over from a dead one finds the resource the dead one may have
   written instead of writing a second one: a key never creates two items.
3. `complete` stores the answer; `release` (on failure) ends the lock early but keeps the resource
   id, so the client's retry can go ahead at once and still cannot create a second resource.

The lock lasts as long as the request can run (its deadline) plus a second, so a takeover can only
happen once the first request is certainly over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from seawall_handler._aws import Calls, condition_failed
from seawall_handler._record import Record
from seawall_handler.errors import (
    FieldError,
    IdempotencyInFlight,
    IdempotencyKeyMismatch,
    ValidationFailed,
)

TTL_SECONDS = 24 * 3600
KEY_MAX = 255


def check_key(key: str) -> str:
    if not 1 <= len(key) <= KEY_MAX or not all("!" <= ch <= "~" for ch in key):
        raise ValidationFailed(
            [FieldError("header.Idempotency-Key", "must be 1 to 255 visible ASCII characters")]
        )
    return key


def fingerprint(method: str, route: str, body: object) -> str:
    canonical = json.dumps([method, route, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class Claim(Record):
    """The right to run the create for a key: with this resource id, until `lock_until`."""

    __slots__ = ("lock_until", "pk", "resource_id")

    def __init__(self, pk: str, resource_id: str, lock_until: float) -> None:
        self.pk = pk
        self.resource_id = resource_id
        self.lock_until = lock_until


class Replay(Record):
    """The stored answer of the first request with this key."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class Idempotency:
    def __init__(self, calls: Calls, table: str, clock: Callable[[], float]) -> None:
        self._calls = calls
        self._table = table
        self._clock = clock

    def begin(
        self, scope: str, key: str, fingerprint: str, new_id: Callable[[], str]
    ) -> Claim | Replay:
        now = self._clock()
        pk = f"IDEMPOTENCY#{scope}#{key}"
        lock_until = round(now + max(0.0, self._calls.seconds_left()) + 1.0, 3)
        record = {
            "pk": {"S": pk},
            "sk": {"S": "IDEMPOTENCY"},
            "status": {"S": "IN_PROGRESS"},
            "fingerprint": {"S": fingerprint},
            "resource_id": {"S": new_id()},
            "lock_until": {"N": str(lock_until)},
            "expires_at": {"N": str(int(now) + TTL_SECONDS)},
        }
        try:
            self._calls.call(
                "dynamodb",
                "put_item",
                TableName=self._table,
                Item=record,
                # A record past its expiry counts as gone: TTL deletes lazily.
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            # A failed condition carries the stored record (ReturnValuesOnConditionCheckFailure).
            old = getattr(exc, "response", {}).get("Item") if condition_failed(exc) else None
            if old is None:
                raise
            return self._existing(pk, old, fingerprint, now, lock_until)
        return Claim(pk, record["resource_id"]["S"], lock_until)

    def _existing(
        self, pk: str, old: dict[str, Any], fingerprint: str, now: float, lock_until: float
    ) -> Claim | Replay:
        if old["fingerprint"]["S"] != fingerprint:
            raise IdempotencyKeyMismatch(
                "this Idempotency-Key was used with a different request body"
            )
        if old["status"]["S"] == "COMPLETED":
            stored = json.loads(old["response"]["S"])
            return Replay(stored["status"], stored["headers"], stored["body"])
        old_lock = old["lock_until"]["N"]
        if float(old_lock) >= now:
            raise IdempotencyInFlight(
                "a request with this Idempotency-Key is still in progress; retry later"
            )
        try:  # the first request died: take over its lock, keep its resource id
            self._calls.call(
                "dynamodb",
                "update_item",
                TableName=self._table,
                Key={"pk": {"S": pk}, "sk": {"S": "IDEMPOTENCY"}},
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
            raise IdempotencyInFlight(
                "a request with this Idempotency-Key is still in progress; retry later"
            ) from exc
        return Claim(pk, old["resource_id"]["S"], lock_until)

    def complete(self, claim: Claim, status: int, headers: dict[str, str], body: Any) -> None:
        response = json.dumps({"status": status, "headers": headers, "body": body})
        values = {":completed": {"S": "COMPLETED"}, ":response": {"S": response}}
        self._update_own(claim, "SET #s = :completed, #r = :response", values)

    def release(self, claim: Claim) -> None:
        """End the lock now (the request failed); the resource id stays for the retry."""
        self._update_own(claim, "SET lock_until = :zero", {":zero": {"N": "0"}})

    def _update_own(self, claim: Claim, update: str, values: dict[str, Any]) -> None:
        params: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": {"S": claim.pk}, "sk": {"S": "IDEMPOTENCY"}},
            "UpdateExpression": update,
            "ConditionExpression": "lock_until = :mine",
            "ExpressionAttributeValues": {**values, ":mine": {"N": str(claim.lock_until)}},
        }
        if "#s" in update:
            params["ExpressionAttributeNames"] = {"#s": "status", "#r": "response"}
        try:
            self._calls.call("dynamodb", "update_item", **params)
        except Exception as exc:
            # Someone took the record over (we outlived our lock): theirs is the answer now.
            if not condition_failed(exc):
                raise
