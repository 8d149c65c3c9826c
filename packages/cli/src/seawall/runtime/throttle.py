"""API Gateway's request throttling and usage-plan quotas.

Throttling is a token bucket per scope: a bucket holds at most `burst` tokens, refills at `rate`
tokens per second, and each request takes one; an empty bucket is a 429 "Too Many Requests"
(THROTTLED). The scopes, checked in API Gateway's order: the API key's per-method limit of its usage
plan (else the plan's limit for the key), then the stage's limit for the method (else the stage's
`*/*` default). A quota counts one API key's requests per DAY, WEEK or MONTH (UTC periods; the
first period allows `limit - offset`); past it a 429 "Limit Exceeded" (QUOTA_EXCEEDED). A
throttled request does not count against the quota. Clocks are injectable: tests never sleep.
"""

from __future__ import annotations

import calendar
import datetime
import threading
import time
from collections.abc import Callable

from seawall.runtime.restapi import ApiKey, Quota, RestApi, Throttle

Clock = Callable[[], float]


class TokenBucket:
    """`burst` tokens at most, refilled continuously at `rate` per second; starts full."""

    def __init__(self, throttle: Throttle, clock: Clock) -> None:
        self.throttle = throttle
        self._clock = clock
        self._tokens = float(throttle.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Take one token if there is one."""
        with self._lock:
            now = self._clock()
            elapsed = max(now - self._last, 0.0)  # a clock that steps back refills nothing
            self._last = now
            burst = float(self.throttle.burst)
            self._tokens = min(burst, self._tokens + elapsed * self.throttle.rate)
            if self._tokens >= 1.0 - _EPSILON:  # a client exactly at the rate is within it
                self._tokens = max(self._tokens - 1.0, 0.0)
                return True
            return False


_EPSILON = 1e-9


class QuotaCounter:
    """Requests of one API key in the current quota period."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._period: int | None = None  # start of the counted period (epoch seconds)
        self._first_period: int | None = None
        self._used = 0
        self._lock = threading.Lock()

    def take(self, quota: Quota) -> bool:
        """Count one request if the quota allows it."""
        with self._lock:
            period = period_start(quota.period, self._clock())
            if period != self._period:
                self._period, self._used = period, 0
                self._first_period = period if self._first_period is None else self._first_period
            allowed = quota.limit - (quota.offset if period == self._first_period else 0)
            if self._used >= allowed:
                return False
            self._used += 1
            return True


def period_start(period: str, now: float) -> int:
    """The UTC start of the DAY, WEEK (from Monday) or MONTH containing `now`."""
    day = datetime.datetime.fromtimestamp(now, tz=datetime.UTC).date()
    if period == "WEEK":
        day -= datetime.timedelta(days=day.weekday())
    elif period == "MONTH":
        day = day.replace(day=1)
    return calendar.timegm(day.timetuple())


class Throttler:
    """The buckets and quota counters of one stage, created as requests need them; a bucket is
    replaced when its configured limits change (the runtime re-reads them from the emulator)."""

    def __init__(self, *, clock: Clock = time.monotonic, wall_clock: Clock = time.time) -> None:
        self._clock = clock
        self._wall_clock = wall_clock
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}
        self._quotas: dict[tuple[str, str], QuotaCounter] = {}
        self._lock = threading.Lock()

    def admit(
        self, api: RestApi, resource_path: str, http_method: str, key: ApiKey | None
    ) -> str | None:
        """None if the request may run, else the gateway response type that refuses it."""
        for scope, throttle in self._throttles(api, resource_path, http_method, key):
            if not self._bucket(scope, throttle).take():
                return "THROTTLED"
        plan = api.usage_plans.get(key.usage_plan_id) if key else None
        quota = plan.quota if plan is not None else None
        if key is not None and quota is not None and not self._quota(key).take(quota):
            return "QUOTA_EXCEEDED"
        return None

    def _throttles(
        self, api: RestApi, resource_path: str, http_method: str, key: ApiKey | None
    ) -> list[tuple[tuple[str, ...], Throttle]]:
        scopes: list[tuple[tuple[str, ...], Throttle]] = []
        plan = api.usage_plans.get(key.usage_plan_id) if key else None
        if key is not None and plan is not None:
            method_limit = plan.method_throttles.get((resource_path, http_method))
            if method_limit is not None:
                scopes.append((("key", key.id, resource_path, http_method), method_limit))
            elif plan.throttle is not None:
                scopes.append((("key", key.id), plan.throttle))
        stage_limit = api.stage_throttles.get((resource_path, http_method))
        if stage_limit is not None:
            scopes.append((("stage", resource_path, http_method), stage_limit))
        elif (default := api.stage_throttles.get(("*", "*"))) is not None:
            # The stage default is a limit per method, as API Gateway applies it.
            scopes.append((("stage-default", resource_path, http_method), default))
        return scopes

    def _bucket(self, scope: tuple[str, ...], throttle: Throttle) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(scope)
            if bucket is None or bucket.throttle != throttle:
                bucket = self._buckets[scope] = TokenBucket(throttle, self._clock)
            return bucket

    def _quota(self, key: ApiKey) -> QuotaCounter:
        with self._lock:
            counter = self._quotas.get((key.usage_plan_id, key.id))
            if counter is None:
                counter = QuotaCounter(self._wall_clock)
                self._quotas[(key.usage_plan_id, key.id)] = counter
            return counter
