"""Pagination cursors that a client can carry but not forge.

A cursor is `<payload>.<tag>`: the payload (base64url JSON of the last item's `created_at` and
`id`) and an HMAC-SHA256 tag over it, truncated to 128 bits. The key is 32 random bytes kept in
the table itself (store/cursor_key_store.py), created by the first function instance that needs
it with a conditional put, so every instance of every function agrees on it without a
secret in the function's configuration. Anyone who can read that record can read every item
anyway, so it protects nothing the table does not already protect.

Any change to a cursor (or a cursor from another table) fails the tag check: 400, never a
DynamoDB error and never a page from somewhere else. The decoded position is validated again
after the tag check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re

from seawall_handler.domain.items import is_item_id
from seawall_handler.errors import MalformedRequest

MAX_CURSOR = 512
_TAG_BYTES = 16
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Decode unpadded base64url, accepting only the one canonical spelling: otherwise a changed
    last character whose bits base64 ignores would still decode to the same bytes."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not canonical base64url")
    return data


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, position: tuple[str, str]) -> str:
        created_at, item_id = position
        payload = json.dumps({"c": created_at, "i": item_id}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._tag(payload))}"

    def decode(self, cursor: str) -> tuple[str, str]:
        """The position in `cursor`, or MalformedRequest (400) for anything not made by encode."""
        invalid = MalformedRequest("the cursor is not valid (was it changed or truncated?)")
        if len(cursor) > MAX_CURSOR or cursor.count(".") != 1 or not cursor.isascii():
            raise invalid
        payload_text, tag_text = cursor.split(".")
        try:
            payload, tag = _unb64(payload_text), _unb64(tag_text)
        except (binascii.Error, ValueError) as exc:
            raise invalid from exc
        if not hmac.compare_digest(tag, self._tag(payload)):
            raise invalid
        try:
            position = json.loads(payload)
            created_at, item_id = position["c"], position["i"]
        except (ValueError, TypeError, KeyError) as exc:
            raise invalid from exc
        if not (
            isinstance(created_at, str)
            and isinstance(item_id, str)
            and _TIMESTAMP.fullmatch(created_at)
            and is_item_id(item_id)
        ):
            raise invalid
        return created_at, item_id
