"""Metrics kept for alarms and sent to the emulator's CloudWatch as statistic sets."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seawall.runtime.metrics import (
    RETENTION_S,
    MetricKey,
    MetricPublisher,
    Metrics,
    MetricStore,
    api_request,
    dimensions,
    lambda_invocation,
)


def test_the_store_returns_a_windows_values_in_time_order() -> None:
    store = MetricStore(clock=lambda: 1_000.0)
    metrics = Metrics(store, clock=lambda: 1_000.0)
    for timestamp, value in [(990, 1), (995, 2), (992, 3), (1_000, 4)]:
        metrics.record("ns", "m", value, timestamp=timestamp)
    key = MetricKey("ns", "m", ())
    assert store.values(key, 990, 1_000) == [1.0, 3.0, 2.0]
    assert store.values(key, 0, 2_000) == [1.0, 3.0, 2.0, 4.0]


@given(
    points=st.lists(st.tuples(st.floats(0, 1_000), st.floats(-1e6, 1e6)), max_size=60),
    window=st.tuples(st.floats(0, 1_000), st.floats(0, 1_000)),
)
def test_a_window_holds_exactly_the_points_inside_it_in_time_order(
    points: list[tuple[float, float]], window: tuple[float, float]
) -> None:
    store = MetricStore(clock=lambda: 1_000.0)
    metrics = Metrics(store, clock=lambda: 1_000.0)
    for timestamp, value in points:
        metrics.record("ns", "m", value, timestamp=timestamp)
    start, end = sorted(window)
    inside = sorted(
        ((t, i, v) for i, (t, v) in enumerate(points) if start <= t < end),
        key=lambda p: (p[0], p[1]),
    )
    assert store.values(MetricKey("ns", "m", ()), start, end) == [v for _, _, v in inside]


def test_datapoints_older_than_the_retention_are_dropped() -> None:
    clock = [0.0]
    store = MetricStore(clock=lambda: clock[0])
    metrics = Metrics(store, clock=lambda: clock[0])
    metrics.record("ns", "m", 1)
    clock[0] = RETENTION_S * 2
    metrics.record("ns", "m", 2)
    assert store.values(MetricKey("ns", "m", ()), -1, clock[0] + 1) == [2.0]


def test_api_metrics_count_errors_as_zero_or_one_with_the_alarms_dimensions() -> None:
    store = MetricStore()
    metrics = Metrics(store)
    api_request(
        metrics, "seawall-local", "v1", status=503, latency_ms=5, integration_latency_ms=None
    )
    api_request(metrics, "seawall-local", "v1", status=404, latency_ms=3, integration_latency_ms=2)
    dims = dimensions(ApiName="seawall-local", Stage="v1")

    def values(name: str) -> list[float]:
        return store.values(MetricKey("AWS/ApiGateway", name, dims), 0, time.time() + 1)

    assert values("Count") == [1.0, 1.0]
    assert values("5XXError") == [1.0, 0.0]
    assert values("4XXError") == [0.0, 1.0]
    assert values("IntegrationLatency") == [2.0]  # only when the integration ran


@pytest.mark.emulator
def test_datapoints_reach_the_emulator_aggregated_per_second(aws_emulator: Any) -> None:
    cloudwatch = aws_emulator.client("cloudwatch")
    publisher = MetricPublisher(cloudwatch)
    metrics = Metrics(MetricStore(), publisher)
    name = f"fn-{uuid.uuid4().hex[:8]}"
    now = float(int(time.time()))
    for ok, duration in [(True, 10.0), (False, 30.0), (True, 20.0)]:
        lambda_invocation(metrics, name, ok=ok, duration_ms=duration)
    publisher.flush()

    def stats(metric: str) -> dict[str, float]:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            StartTime=now - 120,
            EndTime=now + 120,
            Period=60,
            Statistics=["Sum", "SampleCount", "Maximum", "Minimum"],
        )["Datapoints"]
        return {
            "Sum": sum(point["Sum"] for point in points),
            "SampleCount": sum(point["SampleCount"] for point in points),
            "Maximum": max(point["Maximum"] for point in points),
            "Minimum": min(point["Minimum"] for point in points),
        }

    assert stats("Invocations")["Sum"] == 3
    assert stats("Errors")["Sum"] == 1
    duration = stats("Duration")
    assert duration["SampleCount"] == 3
    assert duration["Maximum"] == 30
    assert duration["Minimum"] == 10
