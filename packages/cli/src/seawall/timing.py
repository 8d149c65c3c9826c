"""Phase timings, for the summary of `seawall up` and for benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Phases:
    def __init__(self, on_start: Callable[[str], None] | None = None) -> None:
        self.durations: dict[str, float] = {}
        self._on_start = on_start

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self._on_start:
            self._on_start(name)
        began = time.perf_counter()
        try:
            yield
        finally:
            self.durations[name] = time.perf_counter() - began

    def summary(self) -> str:
        return " | ".join(f"{name} {seconds:.1f}s" for name, seconds in self.durations.items())
