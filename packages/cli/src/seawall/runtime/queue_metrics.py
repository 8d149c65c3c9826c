"""AWS/SQS's queue metrics, published locally: what SQS on AWS sends CloudWatch once a minute
per queue (dimension `QueueName`), sampled from the emulator's SQS.

The emulator's process answers each queue's counts and the age of its oldest message
(`GET /_seawall/sqs-queues`, `seawall.emulator_queues`); the sampler asks twice per (scaled)
minute and records the first answer of each minute, so that every alarm period holds exactly one
datapoint per metric, as on AWS, whatever the sampler's drift. With a time scale N
(SEAWALL_LOCAL_TIME_SCALE) the minute lasts 60/N seconds and an age is reported N times its
wall-clock value: a message that has waited one second has waited a scaled minute, as the alarm
periods, visibility timeouts and Firehose buffers of the same run count time.
"""

from __future__ import annotations

import json
import math
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from seawall.runtime.metrics import Metrics, dimensions
from seawall.runtime.periodic import Periodic

PERIOD_S = 60.0  # SQS publishes once a minute
QUEUES_PATH = "/_seawall/sqs-queues"
FETCH_TIMEOUT_S = 5.0

# The answer's field -> AWS/SQS's metric (all Count, except the age in Seconds).
_GAUGES = {
    "visible": "ApproximateNumberOfMessagesVisible",
    "not_visible": "ApproximateNumberOfMessagesNotVisible",
    "delayed": "ApproximateNumberOfMessagesDelayed",
}


def emulator_queue_stats(endpoint: str) -> Callable[[], list[dict[str, Any]]]:
    """A function fetching the emulator's per-queue statistics."""
    url = endpoint.rstrip("/") + QUEUES_PATH

    def fetch() -> list[dict[str, Any]]:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as answer:  # noqa: S310 - loopback
            return list(json.load(answer)["queues"])

    return fetch


def record_queue(metrics: Metrics, stats: dict[str, Any], *, time_scale: float, at: float) -> None:
    """One sample of one queue's AWS/SQS metrics."""
    dims = dimensions(QueueName=str(stats["name"]))
    for field, metric in _GAUGES.items():
        metrics.record("AWS/SQS", metric, stats[field], unit="Count", dims=dims, timestamp=at)
    # An empty queue's oldest message is 0 s old: SQS publishes 0 then, not nothing.
    age = stats.get("oldest_age_s") or 0.0
    metrics.record(
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        round(age * time_scale),
        unit="Seconds",
        dims=dims,
        timestamp=at,
    )


class QueueSampler:
    """Samples the queues of one account and region into `metrics`, once per (scaled) minute."""

    def __init__(
        self,
        fetch: Callable[[], list[dict[str, Any]]],
        metrics: Metrics,
        *,
        account: str,
        region: str,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._metrics = metrics
        self._account = account
        self._region = region
        self._time_scale = time_scale
        self._clock = clock
        self.period_s = PERIOD_S / time_scale
        self._last_period = -math.inf
        # Half a period apart: every period has a tick in it, even with the loop's drift.
        self._loop = Periodic("sqs-metrics", self.period_s / 2, self._tick)
        self.failures = 0

    def start(self) -> QueueSampler:
        self._loop.start()
        return self

    def stop(self) -> None:
        self._loop.stop()

    def sample_once(self) -> bool:
        """Record this period's sample unless it has one; True when it recorded."""
        now = self._clock()
        period = math.floor(now / self.period_s)
        if period == self._last_period:
            return False
        queues = [
            q
            for q in self._fetch()
            if q.get("account") == self._account and q.get("region") == self._region
        ]
        for stats in queues:
            record_queue(self._metrics, stats, time_scale=self._time_scale, at=now)
        self._last_period = period
        return True

    def _tick(self) -> None:
        try:
            self.sample_once()
        except Exception:  # the emulator going away must not kill the runtime
            self.failures += 1


__all__ = ["QueueSampler", "emulator_queue_stats", "record_queue"]
