"""Phase timings, for the summary of `seawall up` and for benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Phases:
    def __init__(self, on_start: Callable[[str], None] | None = None) -> None:
        self.durations: dict[str, float] = {}
        self._on_start = on_start
        self._running: tuple[str, float] | None = None  # the phase `mark` started

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self._on_start:
            self._on_start(name)
        began = time.perf_counter()
        try:
            yield
        finally:
            self.durations[name] = time.perf_counter() - began

    def mark(self, name: str) -> None:
        """End the phase `mark` started last (if any) and start `name`: for steps that follow
        one another without a block around each (a deploy's progress). A name seen again adds
        to its time."""
        now = time.perf_counter()
        self.stop(now)
        if self._on_start:
            self._on_start(name)
        self._running = (name, now)

    def stop(self, now: float | None = None) -> None:
        """End the phase `mark` started last."""
        if self._running is not None:
            name, began = self._running
            ended = time.perf_counter() if now is None else now
            self.durations[name] = self.durations.get(name, 0.0) + ended - began
            self._running = None

    def summary(self) -> str:
        return " | ".join(f"{name} {seconds:.1f}s" for name, seconds in self.durations.items())
