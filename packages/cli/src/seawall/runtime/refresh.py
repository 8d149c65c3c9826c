"""Re-reading what changes on a live stage without a deployment (API keys, usage plans, throttling
settings), so that an update in the emulator takes effect within a second, as on AWS."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

from seawall.runtime.periodic import Periodic

T = TypeVar("T")
REFRESH_INTERVAL_S = 1.0


class Refresher(Generic[T]):
    """Calls `apply(load())` every `interval_s` seconds on a daemon thread until `stop()`.
    A failed load (the emulator busy or gone) keeps what was applied last."""

    def __init__(
        self,
        load: Callable[[], T],
        apply: Callable[[T], None],
        interval_s: float = REFRESH_INTERVAL_S,
    ) -> None:
        self._load = load
        self._apply = apply
        self._loop = Periodic("stage-refresh", interval_s, self._tick)

    def start(self) -> Refresher[T]:
        self._loop.start()
        return self

    def stop(self) -> None:
        self._loop.stop()

    def _tick(self) -> None:
        try:
            self._apply(self._load())
        except Exception:  # keep serving with the limits read last
            traceback.print_exc()
