"""Token buckets and quotas as API Gateway applies them, over all request timings (hypothesis), with
a clock the tests move: nothing sleeps."""

from __future__ import annotations

import calendar

from fake_clock import FakeClock
from hypothesis import given
from hypothesis import strategies as st

from seawall.runtime.restapi import ApiKey, Quota, Resource, RestApi, Throttle, UsagePlan
from seawall.runtime.throttle import QuotaCounter, Throttler, TokenBucket, period_start

throttles = st.builds(Throttle, rate=st.floats(0.5, 200, allow_nan=False), burst=st.integers(1, 50))
gaps = st.lists(st.floats(0, 2, allow_nan=False), min_size=1, max_size=300)


@given(throttles, gaps)
def test_a_bucket_never_grants_more_than_burst_plus_rate_times_elapsed(throttle, arrivals) -> None:
    clock = FakeClock(1000.0)
    bucket = TokenBucket(throttle, clock)
    start, granted = clock.now, 0
    for gap in arrivals:
        clock.now += gap
        granted += bucket.take()
        assert granted <= throttle.burst + throttle.rate * (clock.now - start) + 1e-6


@given(throttles, st.integers(1, 100))
def test_a_client_within_the_rate_is_never_throttled(throttle, count) -> None:
    clock = FakeClock(1000.0)
    bucket = TokenBucket(throttle, clock)
    for _ in range(count):
        assert bucket.take()
        clock.now += 1 / throttle.rate


@given(throttles)
def test_a_full_bucket_takes_a_burst_at_once_and_refuses_the_next(throttle) -> None:
    clock = FakeClock(1000.0)
    bucket = TokenBucket(throttle, clock)
    assert all(bucket.take() for _ in range(throttle.burst))
    assert not bucket.take()
    clock.now += 1 / throttle.rate
    assert bucket.take()  # one token back after 1/rate seconds


@given(st.sampled_from(["DAY", "WEEK", "MONTH"]), st.integers(1, 20), st.integers(0, 5))
def test_a_quota_allows_its_limit_per_period_less_the_offset_at_first(
    period, limit, offset
) -> None:
    clock = FakeClock(calendar.timegm((2026, 11, 30, 12, 0, 0)))
    counter = QuotaCounter(clock)
    quota = Quota(limit, period, offset)
    granted = sum(counter.take(quota) for _ in range(limit + 3))
    assert granted == max(limit - offset, 0)
    clock.now = calendar.timegm((2027, 1, 1, 0, 0, 0))  # a new day, week and month
    assert sum(counter.take(quota) for _ in range(limit + 3)) == limit


def test_periods_start_at_utc_midnight_monday_and_the_first() -> None:
    now = calendar.timegm((2026, 11, 26, 15, 30, 0))  # a Thursday
    assert period_start("DAY", now) == calendar.timegm((2026, 11, 26, 0, 0, 0))
    assert period_start("WEEK", now) == calendar.timegm((2026, 11, 23, 0, 0, 0))
    assert period_start("MONTH", now) == calendar.timegm((2026, 11, 1, 0, 0, 0))


def api(**changes) -> RestApi:
    plan = UsagePlan(
        "plan1",
        Throttle(1, 2),
        Quota(100, "DAY"),
        method_throttles={("/slow", "GET"): Throttle(1, 1)},
    )
    values = {
        "id": "a",
        "name": "a",
        "stage": "s",
        "resources": (Resource("r", "/items", {}),),
        "api_keys": {},
        "usage_plans": {"plan1": plan},
        "stage_throttles": {("*", "*"): Throttle(1, 3), ("/hot", "GET"): Throttle(1, 5)},
    }
    return RestApi(**{**values, **changes})


KEY_A = ApiKey("ka", "value-a", "plan1")
KEY_B = ApiKey("kb", "value-b", "plan1")


def admitted(throttler: Throttler, count: int, *args) -> list[str | None]:
    return [throttler.admit(*args) for _ in range(count)]


def test_each_api_key_has_its_own_bucket() -> None:
    throttler = Throttler(clock=FakeClock(1000.0), wall_clock=FakeClock(1000.0))
    assert admitted(throttler, 3, api(), "/items", "GET", KEY_A) == [None, None, "THROTTLED"]
    assert throttler.admit(api(), "/items", "POST", KEY_B) is None  # B is not A


def test_a_plans_method_limit_replaces_its_key_limit_for_that_method() -> None:
    throttler = Throttler(clock=FakeClock(1000.0), wall_clock=FakeClock(1000.0))
    assert admitted(throttler, 2, api(), "/slow", "GET", KEY_A) == [None, "THROTTLED"]


def test_the_stage_limit_is_per_method_and_a_method_setting_overrides_it() -> None:
    throttler = Throttler(clock=FakeClock(1000.0), wall_clock=FakeClock(1000.0))
    assert admitted(throttler, 4, api(), "/items", "GET", None) == [None] * 3 + ["THROTTLED"]
    assert throttler.admit(api(), "/items", "DELETE", None) is None  # another method's bucket
    assert admitted(throttler, 6, api(), "/hot", "GET", None) == [None] * 5 + ["THROTTLED"]


def test_changed_limits_take_effect_on_the_next_request() -> None:
    throttler = Throttler(clock=FakeClock(1000.0), wall_clock=FakeClock(1000.0))
    tight = {("*", "*"): Throttle(1, 1)}
    assert admitted(throttler, 2, api(stage_throttles=tight), "/items", "GET", None) == [
        None,
        "THROTTLED",
    ]
    assert throttler.admit(api(), "/items", "GET", None) is None  # the new limits, a new bucket


def test_quota_is_counted_per_key_and_throttled_requests_do_not_count() -> None:
    plan = UsagePlan("plan1", Throttle(1, 1), Quota(2, "DAY"))
    limited = api(usage_plans={"plan1": plan}, stage_throttles={})
    clock = FakeClock(1000.0)
    throttler = Throttler(clock=clock, wall_clock=FakeClock(1000.0))
    outcomes = []
    for _ in range(3):
        outcomes += admitted(throttler, 2, limited, "/items", "GET", KEY_A)
        clock.now += 1  # one token back
    assert outcomes == [None, "THROTTLED", None, "THROTTLED", "QUOTA_EXCEEDED", "THROTTLED"]
    assert throttler.admit(limited, "/items", "GET", KEY_B) is None
