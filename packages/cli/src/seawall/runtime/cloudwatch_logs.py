"""Function output into the emulator's CloudWatch Logs, as Lambda delivers it.

Each execution environment writes to its own stream of the function's log group
(`/aws/lambda/<name>`, stream `YYYY/MM/DD/[version]<id>`). Lines are queued by the writer and sent
by one thread every FLUSH_INTERVAL_S with PutLogEvents, so no invocation waits on the emulator. On
the way, each batch goes through what CloudWatch Logs derives from logs: EMF lines become metrics
and the group's metric filters (read from the emulator) publish theirs (see log_metrics.py).
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from seawall.runtime.log_metrics import (
    MetricFilter,
    emf_metrics,
    filter_metrics,
    load_metric_filters,
)
from seawall.runtime.metrics import Metrics
from seawall.runtime.periodic import Periodic

FLUSH_INTERVAL_S = 1.0
FILTER_RELOAD_S = 30.0  # metric filters applied after the runtime started are picked up
MAX_EVENTS_PER_PUT = 10_000  # PutLogEvents' limit
MAX_PENDING_EVENTS = 100_000  # beyond this, new lines are counted as dropped rather than kept


class LogShipper:
    def __init__(
        self,
        logs: Any,
        metrics: Metrics | None = None,
        *,
        interval_s: float = FLUSH_INTERVAL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._logs = logs
        self._metrics = metrics
        self._clock = clock
        self._pending: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        self._pending_count = 0
        self._lock = threading.Lock()
        self._created_groups: set[str] = set()
        self._created_streams: set[tuple[str, str]] = set()
        self._filters: dict[str, tuple[float, list[MetricFilter]]] = {}
        self._loop = Periodic("logs", interval_s, self.flush, on_stop=self.flush)
        self.dropped = 0
        self.failures = 0

    def start(self) -> LogShipper:
        self._loop.start()
        return self

    def emit(self, group: str, stream: str, message: str) -> None:
        """Queue one log event (the line without its newline); never blocks on the emulator."""
        with self._lock:
            if self._pending_count >= MAX_PENDING_EVENTS:
                self.dropped += 1
                return
            self._pending[(group, stream)].append((int(self._clock() * 1000), message))
            self._pending_count += 1

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(list)
            self._pending_count = 0
        for (group, stream), events in pending.items():
            try:
                self._ship(group, stream, events)
            except Exception as error:  # the emulator going away must not kill the runtime
                self.failures += 1
                print(f"seawall runtime: log delivery to {group} failed: {error}", file=sys.stderr)
            if self._metrics is not None:
                self._derive_metrics(group, events)

    def stop(self) -> None:
        self._loop.stop()

    def _ship(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        if group not in self._created_groups:
            with contextlib.suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                self._logs.create_log_group(logGroupName=group)  # Lambda creates it if missing
            self._created_groups.add(group)
        if (group, stream) not in self._created_streams:
            with contextlib.suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                self._logs.create_log_stream(logGroupName=group, logStreamName=stream)
            self._created_streams.add((group, stream))
        events.sort(key=lambda event: event[0])  # PutLogEvents wants them in time order
        for start in range(0, len(events), MAX_EVENTS_PER_PUT):
            self._logs.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[
                    {"timestamp": t, "message": m}
                    for t, m in events[start : start + MAX_EVENTS_PER_PUT]
                ],
            )

    def _derive_metrics(self, group: str, events: list[tuple[int, str]]) -> None:
        assert self._metrics is not None
        data = []
        for timestamp_ms, message in events:
            data += emf_metrics(message, timestamp_ms)
        try:
            filters = self._metric_filters(group)
        except Exception:
            filters = []
        data += filter_metrics(filters, [(t / 1000, m) for t, m in events])
        self._metrics.record_many(data)

    def _metric_filters(self, group: str) -> list[MetricFilter]:
        now = time.monotonic()
        loaded_at, filters = self._filters.get(group, (-math.inf, []))
        if now - loaded_at >= FILTER_RELOAD_S:
            filters, _skipped = load_metric_filters(self._logs, group)
            self._filters[group] = (now, filters)
        return filters
