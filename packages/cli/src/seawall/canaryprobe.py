"""Traffic for a canary to be judged on: GET /health at a steady pace while the canary runs.

A canary's alarms only fire on invocations. On AWS users usually provide them, but a quiet
environment would pass any canary; on the emulator there are no users at all. So while a canary
runs seawall sends its own requests (no API key needed for /health), which the alias splits
between the versions like any others, and counts the answers for the report.
"""

from __future__ import annotations

import threading
import urllib.error
from collections import Counter
from types import TracebackType

from seawall.smoke import http_json


class Probe:
    def __init__(self, api_url: str, *, interval_s: float = 0.25) -> None:
        self._url = f"{api_url}/health"
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="canary-probe", daemon=True)
        self.answers: Counter[int] = Counter()  # status -> count; 0 = could not connect

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                status = http_json("GET", self._url, timeout=10)[0]
            except (OSError, urllib.error.URLError):
                status = 0
            self.answers[status] += 1
            self._stop.wait(self._interval_s)

    def summary(self) -> str:
        total = sum(self.answers.values())
        failed = sum(
            count for status, count in self.answers.items() if status == 0 or status >= 500
        )
        return f"{total} probes, {failed} failed"

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
