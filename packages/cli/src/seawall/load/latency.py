"""Where the time went, for the local stack: the gateway's access log (the stage's latency and the
integration's part of it, per request) and a probe timing one DynamoDB call to the emulator every
second. With Locust's client-side times they split a request into load generator + gateway +
function + emulator, which tells "which side saturated" when no CPU was at its limit."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _quantiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None, "count": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50": at(0.5), "p99": at(0.99), "count": len(ordered)}


class AccessLogWindow:
    """The access-log lines written between `start()` and `read()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def start(self) -> None:
        self._offset = self.path.stat().st_size if self.path.exists() else 0

    def read(self) -> dict[str, dict[str, float | None]]:
        stage, integration = [], []
        try:
            with self.path.open("rb") as file:
                file.seek(self._offset)
                lines = file.read().splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("latencyMs") is not None:
                stage.append(float(record["latencyMs"]))
            if record.get("integrationLatencyMs") is not None:
                integration.append(float(record["integrationLatencyMs"]))
        return {"gateway_ms": _quantiles(stage), "integration_ms": _quantiles(integration)}


class Probe:
    """Times `call()` every `interval_s` on a daemon thread until `stop()`."""

    def __init__(self, call: Callable[[], Any], interval_s: float = 1.0) -> None:
        self._call = call
        self._interval_s = interval_s
        self._samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emulator-probe", daemon=True)

    def start(self) -> Probe:
        self._thread.start()
        return self

    def stop(self) -> dict[str, float | None]:
        self._stop.set()
        self._thread.join(timeout=15)
        return _quantiles(self._samples)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            started = time.perf_counter()
            # A failed probe is a slow one: it took what it took.
            with contextlib.suppress(Exception):
                self._call()
            self._samples.append((time.perf_counter() - started) * 1000)
