"""Metrics the local runtime produces, kept for alarm evaluation and published to the emulator.

On AWS, Lambda and API Gateway publish their own metrics (AWS/Lambda, AWS/ApiGateway) and
CloudWatch Logs turns EMF lines and metric-filter matches into metrics. Locally the runtime does all
of that: every datapoint goes into a `MetricStore` (raw values, so percentiles such as p99 are
exact) that the alarm evaluator reads, and into a `MetricPublisher` that sends it to the emulator's
CloudWatch in batches from its own thread, so `aws cloudwatch get-metric-statistics` sees them and
no request waits on a CloudWatch call.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from seawall.runtime.periodic import Periodic
from seawall.runtime.records import RequestRecord

FLUSH_INTERVAL_S = 1.0
PUT_BATCH = 500  # PutMetricData takes at most 1000 datums per call
MAX_PENDING = 50_000  # beyond this the oldest unsent datapoints are dropped (the store keeps them)
# The store's memory: the stack's alarms look back 7 minutes (five one-minute periods and the two
# more CloudWatch retrieves); an alarm looking further back sees missing data beyond this.
RETENTION_S = 1800.0

Dimensions = tuple[tuple[str, str], ...]


def dimensions(**names: str) -> Dimensions:
    return tuple(sorted(names.items()))


@dataclass(frozen=True)
class MetricKey:
    namespace: str
    name: str
    dimensions: Dimensions  # sorted: CloudWatch matches the exact set, whatever its order


@dataclass(frozen=True)
class Datum:
    key: MetricKey
    value: float
    unit: str
    timestamp: float  # seconds since the epoch


class _Series:
    """One metric's datapoints: timestamps (sorted) and values, side by side."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.values: list[float] = []


class MetricStore:
    """Raw datapoints per metric, in time order, for the last RETENTION_S seconds. A window
    lookup is a binary search and a slice, whatever the series' length."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._series: dict[MetricKey, _Series] = defaultdict(_Series)
        self._lock = threading.Lock()

    def add(self, datum: Datum) -> None:
        self.add_many((datum,))

    def add_many(self, data: Iterable[Datum]) -> None:
        """Several datapoints under one acquisition of the lock (a request's dozen)."""
        with self._lock:
            horizon = self._clock() - RETENTION_S
            for datum in data:
                series = self._series[datum.key]
                if series.times and datum.timestamp < series.times[-1]:
                    # Rare (threads racing, an EMF line's own timestamp): keep the order.
                    at = bisect.bisect_right(series.times, datum.timestamp)
                    series.times.insert(at, datum.timestamp)
                    series.values.insert(at, datum.value)
                else:
                    series.times.append(datum.timestamp)
                    series.values.append(datum.value)
                if series.times[0] < horizon - RETENTION_S / 10:  # trimmed in steps, not per add
                    cut = bisect.bisect_left(series.times, horizon)
                    del series.times[:cut], series.values[:cut]

    def values(self, key: MetricKey, start: float, end: float) -> list[float]:
        """The values with start <= timestamp < end."""
        with self._lock:
            series = self._series.get(key)
            if series is None:
                return []
            first = bisect.bisect_left(series.times, start)
            last = bisect.bisect_left(series.times, end)
            return series.values[first:last]

    def keys(self) -> list[MetricKey]:
        with self._lock:
            return list(self._series)


class MetricPublisher:
    """Sends datapoints to the emulator's CloudWatch in batches, off the request path."""

    def __init__(self, cloudwatch: Any, *, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self._cloudwatch = cloudwatch
        self._pending: deque[Datum] = deque(maxlen=MAX_PENDING)
        self._lock = threading.Lock()
        self._loop = Periodic("metrics", interval_s, self.flush, on_stop=self.flush)
        self.failures = 0

    def start(self) -> MetricPublisher:
        self._loop.start()
        return self

    def put(self, datum: Datum) -> None:
        with self._lock:
            self._pending.append(datum)

    def put_many(self, data: Iterable[Datum]) -> None:
        with self._lock:
            self._pending.extend(data)

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = list(self._pending), deque(maxlen=MAX_PENDING)
        by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for key, datum in _aggregated(batch):
            by_namespace[key.namespace].append(datum)
        for namespace, data in by_namespace.items():
            for start in range(0, len(data), PUT_BATCH):
                try:
                    self._cloudwatch.put_metric_data(
                        Namespace=namespace, MetricData=data[start : start + PUT_BATCH]
                    )
                except Exception:  # the emulator going away must not kill the runtime
                    self.failures += 1

    def stop(self) -> None:
        self._loop.stop()


def _aggregated(batch: list[Datum]) -> list[tuple[MetricKey, dict[str, Any]]]:
    """One statistic set per metric, unit and second, as the CloudWatch agent and the SDKs'
    aggregators send them: under load a request makes ten datapoints, and the emulator's cost is
    per datum. (Percentiles are computed from the raw values the store keeps.)"""
    groups: dict[tuple[MetricKey, str, int], list[float]] = defaultdict(list)
    for datum in batch:
        groups[(datum.key, datum.unit, int(datum.timestamp))].append(datum.value)
    return [
        (
            key,
            {
                "MetricName": key.name,
                "Dimensions": [{"Name": name, "Value": value} for name, value in key.dimensions],
                "Timestamp": float(second),
                "Unit": unit,
                "StatisticValues": {
                    "SampleCount": float(len(values)),
                    "Sum": math.fsum(values),
                    "Minimum": min(values),
                    "Maximum": max(values),
                },
            },
        )
        for (key, unit, second), values in groups.items()
    ]


class Metrics:
    """Where the runtime records a metric: the store (for alarms) and the emulator (for people)."""

    def __init__(
        self,
        store: MetricStore,
        publisher: MetricPublisher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._publisher = publisher
        self._clock = clock

    def record(
        self,
        namespace: str,
        name: str,
        value: float,
        *,
        unit: str = "None",
        dims: Dimensions = (),
        timestamp: float | None = None,
    ) -> None:
        datum = Datum(
            MetricKey(namespace, name, dims),
            float(value),
            unit,
            self._clock() if timestamp is None else timestamp,
        )
        self.store.add(datum)
        if self._publisher is not None:
            self._publisher.put(datum)

    def record_many(self, data: Iterable[Datum]) -> None:
        batch = tuple(data)
        self.store.add_many(batch)
        if self._publisher is not None:
            self._publisher.put_many(batch)

    def now(self) -> float:
        return self._clock()


# -- what AWS services publish -----------------------------------------------------------------


def lambda_invocation(
    metrics: Metrics, function_name: str, *, ok: bool, duration_ms: float, resource: str = ""
) -> None:
    """AWS/Lambda's per-invocation metrics: Invocations, Errors (0 or 1, so the average is the
    error rate), Duration. Published per FunctionName, and per FunctionName+Resource for a
    qualified (alias) invocation, as Lambda does."""
    at = metrics.now()
    metrics.record_many(
        Datum(MetricKey("AWS/Lambda", name, dims), float(value), unit, at)
        for dims in _function_dimensions(function_name, resource)
        for name, value, unit in (
            ("Invocations", 1, "Count"),
            ("Errors", 0 if ok else 1, "Count"),
            ("Duration", duration_ms, "Milliseconds"),
        )
    )


def lambda_throttle(metrics: Metrics, function_name: str, resource: str = "") -> None:
    for dims in _function_dimensions(function_name, resource):
        metrics.record("AWS/Lambda", "Throttles", 1, unit="Count", dims=dims)


def lambda_concurrency(metrics: Metrics, function_name: str, running: int) -> None:
    metrics.record(
        "AWS/Lambda",
        "ConcurrentExecutions",
        running,
        unit="Count",
        dims=dimensions(FunctionName=function_name),
    )


def _function_dimensions(function_name: str, resource: str) -> list[Dimensions]:
    plain = dimensions(FunctionName=function_name)
    if resource and resource != function_name:
        return [plain, dimensions(FunctionName=function_name, Resource=resource)]
    return [plain]


def api_request(
    metrics: Metrics,
    api_name: str,
    stage: str,
    *,
    status: int,
    latency_ms: float,
    integration_latency_ms: float | None,
) -> None:
    """AWS/ApiGateway's per-request metrics with the ApiName and Stage dimensions (the ones the
    stack's alarms use): Count, 4XXError and 5XXError (0 or 1: the average is the rate), Latency
    and, when the integration was called, IntegrationLatency."""
    dims = dimensions(ApiName=api_name, Stage=stage)
    values = [
        ("Count", 1, "Count"),
        ("4XXError", int(400 <= status < 500), "Count"),
        ("5XXError", int(status >= 500), "Count"),
        ("Latency", latency_ms, "Milliseconds"),
    ]
    if integration_latency_ms is not None:
        values.append(("IntegrationLatency", integration_latency_ms, "Milliseconds"))
    at = metrics.now()
    metrics.record_many(
        Datum(MetricKey("AWS/ApiGateway", name, dims), float(value), unit, at)
        for name, value, unit in values
    )


def api_metrics_callback(
    metrics: Metrics, api_name: str, stage: str
) -> Callable[[RequestRecord], None]:
    """An `on_request_done` callback publishing each request's AWS/ApiGateway metrics."""

    def on_request_done(record: RequestRecord) -> None:
        api_request(
            metrics,
            api_name,
            stage,
            status=record.status,
            latency_ms=record.latency_ms,
            integration_latency_ms=record.integration_latency_ms,
        )

    return on_request_done
