"""Re-reading what changes on a live stage without a deployment (API keys, usage plans, throttling
settings), so that an update in the emulator takes effect within a second, as on AWS."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

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
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stage-refresh", daemon=True)

    def start(self) -> Refresher[T]:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._apply(self._load())
            except Exception:  # keep serving with the limits read last
                traceback.print_exc()
