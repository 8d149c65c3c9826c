"""The runtime's recurring work (alarm evaluation, log and metric shipping, access-log buffers,
stage settings): one daemon thread per job, calling its tick every interval until stopped.

The thread lives as long as the runtime and no longer: `stop()` ends it (a tick in progress may
take up to the join's timeout to finish) and then runs `on_stop`, where a shipper delivers what it
still holds. A tick handles its own errors: the emulator going away must not end the loop.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

STOP_TIMEOUT_S = 5.0


class Periodic:
    def __init__(
        self,
        name: str,
        interval_s: float,
        tick: Callable[[], object],
        *,
        on_stop: Callable[[], object] | None = None,
    ) -> None:
        self._interval_s = interval_s
        self._tick = tick
        self._on_stop = on_stop
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=STOP_TIMEOUT_S)
        if self._on_stop is not None:
            with contextlib.suppress(Exception):
                self._on_stop()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval_s):
            self._tick()
