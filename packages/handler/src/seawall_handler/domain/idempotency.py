"""Idempotent creates: the same `Idempotency-Key` and body give the same answer, once.

Each key has a record (kept by an `IdempotencyStore`; DynamoDB's in store/idempotency_store.py)
with `status` (IN_PROGRESS or COMPLETED), `fingerprint` (SHA-256 of the canonical JSON body),
`resource_id` (the id the create uses), `lock_until` (epoch s), `response` (the JSON of the
answer) and an expiry (24 h).

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
from typing import Any, NamedTuple, Protocol

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


class KeyRecord(NamedTuple):
    """What is stored for a key. `lock_until` is kept as the stored text, so that a takeover's
    condition compares exactly what was read."""

    status: str
    fingerprint: str
    resource_id: str
    lock_until: str
    response: str | None


class IdempotencyStore(Protocol):
    def claim_new(self, key: str, record: KeyRecord, expires_at: int, now: int) -> KeyRecord | None:
        """Store `record` unless an unexpired one exists: None when stored, else the stored one."""

    def take_over(self, key: str, old_lock: str, lock_until: float) -> bool:
        """Move an IN_PROGRESS record's lock from `old_lock` to `lock_until`; False when the
        record changed meanwhile."""

    def update_own(self, key: str, lock_until: float, response: str | None) -> None:
        """While our lock holds: store the answer (COMPLETED), or end the lock (`response`
        None). A record someone took over is theirs: nothing is written."""


class Claim(Record):
    """The right to run the create for a key: with this resource id, until `lock_until`."""

    __slots__ = ("key", "lock_until", "resource_id")

    def __init__(self, key: str, resource_id: str, lock_until: float) -> None:
        self.key = key
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
    def __init__(
        self,
        store: IdempotencyStore,
        clock: Callable[[], float],
        seconds_left: Callable[[], float],
    ) -> None:
        self._store = store
        self._clock = clock
        self._seconds_left = seconds_left

    def begin(
        self, scope: str, key: str, fingerprint: str, new_id: Callable[[], str]
    ) -> Claim | Replay:
        now = self._clock()
        record_key = f"{scope}#{key}"
        lock_until = round(now + max(0.0, self._seconds_left()) + 1.0, 3)
        mine = KeyRecord("IN_PROGRESS", fingerprint, new_id(), str(lock_until), None)
        # A record past its expiry counts as gone: TTL deletes lazily.
        old = self._store.claim_new(record_key, mine, int(now) + TTL_SECONDS, int(now))
        if old is None:
            return Claim(record_key, mine.resource_id, lock_until)
        return self._existing(record_key, old, fingerprint, now, lock_until)

    def _existing(
        self, key: str, old: KeyRecord, fingerprint: str, now: float, lock_until: float
    ) -> Claim | Replay:
        if old.fingerprint != fingerprint:
            raise IdempotencyKeyMismatch(
                "this Idempotency-Key was used with a different request body"
            )
        if old.status == "COMPLETED" and old.response is not None:
            stored = json.loads(old.response)
            return Replay(stored["status"], stored["headers"], stored["body"])
        # The first request died: take over its lock, keep its resource id.
        if float(old.lock_until) >= now or not self._store.take_over(
            key, old.lock_until, lock_until
        ):
            raise IdempotencyInFlight(
                "a request with this Idempotency-Key is still in progress; retry later"
            )
        return Claim(key, old.resource_id, lock_until)

    def complete(self, claim: Claim, status: int, headers: dict[str, str], body: Any) -> None:
        response = json.dumps({"status": status, "headers": headers, "body": body})
        self._store.update_own(claim.key, claim.lock_until, response)

    def release(self, claim: Claim) -> None:
        """End the lock now (the request failed); the resource id stays for the retry."""
        self._store.update_own(claim.key, claim.lock_until, None)
