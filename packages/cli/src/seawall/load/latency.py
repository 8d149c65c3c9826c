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


def pool_figures(cloudwatch: Any, function_name: str, start: float, end: float) -> dict[str, Any]:
    """The function's AWS/Lambda metrics over the run, as the local runtime publishes them to the
    emulator: invocations throttled because every execution environment was busy, the most
    environments busy at once, and the mean duration of an invocation."""
    from datetime import UTC, datetime  # noqa: PLC0415 - only for this one query

    def dimension_sets(metric: str) -> list[list[dict[str, str]]]:
        # An invocation through an alias is counted per function and per function+alias. Ask
        # for the alias-qualified series when there are any, so that nothing is counted twice
        # (the emulator matches a dimension filter that is a subset, AWS only an exact one).
        plain = [{"Name": "FunctionName", "Value": function_name}]
        listed = cloudwatch.list_metrics(
            Namespace="AWS/Lambda", MetricName=metric, Dimensions=plain
        )
        qualified = {
            tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))
            for m in listed.get("Metrics", [])
            if any(d["Name"] == "Resource" for d in m["Dimensions"])
        }
        return [[{"Name": n, "Value": v} for n, v in dims] for dims in qualified] or [plain]

    def statistic(metric: str, kind: str) -> list[float]:
        points = []
        for dims in dimension_sets(metric):
            answer = cloudwatch.get_metric_statistics(
                Namespace="AWS/Lambda",
                MetricName=metric,
                Dimensions=dims,
                StartTime=datetime.fromtimestamp(start - 60, UTC),
                EndTime=datetime.fromtimestamp(end + 60, UTC),
                Period=60,
                Statistics=[kind],
            )
            points += [float(point[kind]) for point in answer.get("Datapoints", [])]
        return points

    durations = statistic("Duration", "Average")
    return {
        "throttles": int(sum(statistic("Throttles", "Sum"))),
        "max_concurrency": int(max(statistic("ConcurrentExecutions", "Maximum"), default=0)),
        "mean_duration_ms": round(sum(durations) / len(durations), 1) if durations else None,
    }
