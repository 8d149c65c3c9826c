"""Where the objects are wired: the one place that builds stores, queues and domain services.

`Services` is built per invocation, on that invocation's `Calls` (its deadline and counters);
what only some routes need (jobs, idempotency, cursors) is built, and its modules imported, on
first use, so a cold `GET /items/{id}` loads none of them. `CursorKeys` lives as long as the
process: the cursor key is read (or created) once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from seawall_handler.config import Settings
from seawall_handler.domain.items import Items
from seawall_handler.store.aws_calls import Calls
from seawall_handler.store.item_store import DynamoItemStore

if TYPE_CHECKING:
    from seawall_handler.domain.cursor import CursorCodec
    from seawall_handler.domain.idempotency import Idempotency
    from seawall_handler.domain.jobs import Jobs


class CursorKeys:
    """The process's cursor codec, loaded or created on the first listing."""

    def __init__(self) -> None:
        self._codec: CursorCodec | None = None

    def codec(self, calls: Calls, table: str) -> CursorCodec:
        if self._codec is None:
            from seawall_handler.domain.cursor import CursorCodec  # noqa: PLC0415 - listings only
            from seawall_handler.store.cursor_key_store import load_or_create_key  # noqa: PLC0415

            self._codec = CursorCodec(load_or_create_key(calls, table))
        return self._codec


class Services:
    """The domain services of one invocation."""

    __slots__ = ("_cursor_keys", "calls", "clock", "items", "settings")

    def __init__(
        self,
        settings: Settings,
        calls: Calls,
        clock: Callable[[], float],
        cursor_keys: CursorKeys | None = None,
    ) -> None:
        self.settings = settings
        self.calls = calls
        self.clock = clock
        self._cursor_keys = cursor_keys
        self.items = Items(DynamoItemStore(calls, settings.table_name), clock)

    def jobs(self) -> Jobs:
        from seawall_handler.domain.jobs import Jobs  # noqa: PLC0415 - jobs routes only
        from seawall_handler.store.item_store import put_batch  # noqa: PLC0415
        from seawall_handler.store.job_store import DynamoJobStore, SqsQueue  # noqa: PLC0415

        calls, table = self.calls, self.settings.table_name
        return Jobs(
            DynamoJobStore(calls, table),
            SqsQueue(calls, self.settings.jobs_queue_url),
            self.clock,
            write_items=lambda items: put_batch(calls, table, items),
        )

    def idempotency(self) -> Idempotency:
        from seawall_handler.domain.idempotency import Idempotency  # noqa: PLC0415 - POST only
        from seawall_handler.store.idempotency_store import (  # noqa: PLC0415
            DynamoIdempotencyStore,
        )

        store = DynamoIdempotencyStore(self.calls, self.settings.table_name)
        return Idempotency(store, self.clock, self.calls.seconds_left)

    def cursor_codec(self) -> CursorCodec:
        assert self._cursor_keys is not None, "listings need the process's CursorKeys"
        return self._cursor_keys.codec(self.calls, self.settings.table_name)
