"""The items domain: plain values in, plain values out, storage behind `ItemStore`."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from seawall_handler.domain.models import Item
from seawall_handler.errors import NotFound, PreconditionFailed

if TYPE_CHECKING:
    from seawall_handler.domain.validation import ItemInput


class VersionConflict(Exception):
    """A conditional write found another version (or no item): `current` is what is stored."""

    def __init__(self, current: Item | None) -> None:
        super().__init__("conditional write failed")
        self.current = current


#: The versions a conditional write accepts: None = any existing version (`If-Match: *`).
Expected = frozenset[int] | None


class ItemStore(Protocol):
    def put_new(self, item: Item) -> bool:
        """Store a new item; False (and nothing written) when its id exists already."""

    def get(self, item_id: str) -> Item | None: ...
    def update(
        self, item_id: str, name: str, data: dict[str, Any], updated_at: str, expected: Expected
    ) -> Item: ...
    def delete(self, item_id: str, expected: Expected) -> None: ...
    def page(
        self, limit: int, after: tuple[str, str] | None
    ) -> tuple[list[Item], tuple[str, str] | None]: ...


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_item_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None


def new_id() -> str:
    return str(uuid.uuid4())


def timestamp(epoch: float) -> str:
    """RFC 3339 UTC with milliseconds: sortable as text, which the listing index relies on."""
    seconds = int(epoch)
    millis = int((epoch - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


class Items:
    def __init__(
        self,
        store: ItemStore,
        clock: Callable[[], float] = time.time,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self._store = store
        self._clock = clock
        self._make_id = make_id

    def new_item(self, data: ItemInput, item_id: str | None = None) -> Item:
        """The item `data` becomes when created now (not stored yet)."""
        now = timestamp(self._clock())
        return Item(
            id=item_id or self._make_id(),
            name=data.name,
            data=data.data,
            version=1,
            created_at=now,
            updated_at=now,
        )

    def create(self, data: ItemInput, item_id: str | None = None) -> Item:
        """Store a new item. With an `item_id` that exists already (a retried idempotent
        create whose first attempt got as far as storing it), the stored item is the result."""
        item = self.new_item(data, item_id)
        if self._store.put_new(item):
            return item
        return self.get(item.id)

    def get(self, item_id: str) -> Item:
        item = self._store.get(item_id) if is_item_id(item_id) else None
        if item is None:
            raise NotFound(f"no item with id {item_id!r}")
        return item

    def replace(self, item_id: str, data: ItemInput, expected: Expected) -> Item:
        """Replace name and data if the stored version is one of `expected` (any, if None).

        One conditional UpdateItem: the check and the write cannot be split by another writer.
        """
        self._refuse_impossible(item_id, expected)
        try:
            return self._store.update(
                item_id, data.name, data.data, timestamp(self._clock()), expected
            )
        except VersionConflict as conflict:
            raise self._conflict(item_id, conflict) from conflict

    def delete(self, item_id: str, expected: Expected) -> None:
        self._refuse_impossible(item_id, expected)
        try:
            self._store.delete(item_id, expected)
        except VersionConflict as conflict:
            raise self._conflict(item_id, conflict) from conflict

    def page(
        self, limit: int, after: tuple[str, str] | None
    ) -> tuple[list[Item], tuple[str, str] | None]:
        return self._store.page(limit, after)

    def _refuse_impossible(self, item_id: str, expected: Expected) -> None:
        """404 for ids that cannot exist; 412 when `If-Match` named no version at all."""
        if not is_item_id(item_id):
            raise NotFound(f"no item with id {item_id!r}")
        if expected is not None and not expected:
            current = self.get(item_id)
            raise PreconditionFailed(
                f"If-Match names no version of item {item_id}; it is at {current.version}",
                current.version,
            )

    @staticmethod
    def _conflict(item_id: str, conflict: VersionConflict) -> Exception:
        if conflict.current is None:
            return NotFound(f"no item with id {item_id!r}")
        version = conflict.current.version
        return PreconditionFailed(f"item {item_id} is at version {version}", version)
