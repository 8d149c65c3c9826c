"""AdaptiveRateLimiter: botocore's adaptive-mode rate, and callers that wait their turn without
ever sleeping past their timeout. Time is injected everywhere; nothing sleeps."""

from __future__ import annotations

import asyncio
import itertools
import math
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from retrylib_doubles import FakeTime, VirtualLoop

from retrylib import AdaptiveRateLimiter


class Throttled(Exception):
    """Shaped like botocore's ClientError for a throttled DynamoDB call (duck typing)."""

    def __init__(self, code: str = "ProvisionedThroughputExceededException") -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": 400}}


THROTTLED = Throttled()
CONDITION_FAILED = Throttled("ConditionalCheckFailedException")  # a 400 that is not throttling


def on(time: FakeTime | VirtualLoop, **settings) -> AdaptiveRateLimiter:
    """A limiter on fake time: a FakeTime (one caller at a time) or a VirtualLoop (many)."""
    if isinstance(time, VirtualLoop):
        return AdaptiveRateLimiter(
            clock=time.clock, sleep=_no_sync_sleep, asleep=time.sleep, **settings
        )
    return AdaptiveRateLimiter(clock=time.clock, sleep=time.sleep, asleep=time.asleep, **settings)


def _no_sync_sleep(seconds: float) -> None:
    raise AssertionError("a virtual-loop test must use aacquire")


def measure(limiter: AdaptiveRateLimiter, time, responses: int) -> None:
    """``responses`` successes in the half second from a whole second on, the last one closing
    that window: the measured rate becomes 0.8 * responses / 0.5 (smoothed from 0)."""
    start = time.now
    assert start == math.floor(start)
    for index in range(responses - 1):
        time.now = start + index * 0.5 / responses
        limiter.record()
    time.now = start + 0.5
    limiter.record()


def throttled_at(time, rate: float, **settings) -> AdaptiveRateLimiter:
    """A limiter that has just been throttled and now allows ``rate`` (its floor), one token."""
    limiter = on(time, min_rate=rate, **settings)
    limiter.record(THROTTLED)  # nothing measured yet: the cut lands on the floor
    assert limiter.limiting
    assert limiter.rate == rate
    return limiter


# The rate: botocore's numbers.


def test_lets_everything_through_until_the_first_throttling_response(fake_time):
    limiter = on(fake_time)
    for _ in range(1000):
        assert limiter.acquire(timeout=0.0)
        limiter.record()
    limiter.record(CONDITION_FAILED)
    assert limiter.acquire(timeout=0.0)
    assert not limiter.limiting
    assert limiter.rate == math.inf
    assert limiter.wait_time() == 0.0
    assert fake_time.sleeps == []


def test_a_throttling_response_cuts_the_rate_to_beta_times_the_measured_rate():
    time = FakeTime(start=1000.0)
    limiter = on(time)
    measure(limiter, time, responses=100)
    assert limiter.measured_rate == pytest.approx(160.0)  # 0.8 * 200/s
    limiter.record(THROTTLED)
    assert limiter.limiting
    assert limiter.rate == pytest.approx(112.0)  # 0.7 * 160


def test_successes_climb_back_along_the_cubic_curve():
    time = FakeTime(start=1000.0)
    limiter = on(time)
    measure(limiter, time, responses=100)
    w_max = limiter.measured_rate
    limiter.record(THROTTLED)
    cut_at = time.now
    k = (w_max * 0.3 / 0.4) ** (1 / 3)
    seen = []
    while time.now < cut_at + k + 2:
        time.now += 1 / 200  # responses keep coming at 200/s, so the measured rate stays high
        limiter.record()
        cubic = 0.4 * (time.now - cut_at - k) ** 3 + w_max
        assert limiter.rate == pytest.approx(min(cubic, 2 * limiter.measured_rate))
        seen.append(limiter.rate)
    assert seen[0] < 0.75 * w_max  # just after the cut
    assert seen == sorted(seen)  # back up...
    assert seen[-1] > w_max  # ...and past w_max, probing for more


def test_the_rate_never_goes_below_its_floor(fake_time):
    limiter = on(fake_time, min_rate=2.0)
    for _ in range(50):
        limiter.record(THROTTLED)
        fake_time.now += 0.01
    assert limiter.rate == 2.0


def test_non_throttling_errors_move_the_rate_like_successes(fake_time):
    limiter = on(fake_time)
    limiter.record(CONDITION_FAILED)
    limiter.record(ConnectionError())
    assert not limiter.limiting
    limiter.record(THROTTLED)
    before = limiter.rate
    fake_time.now += 10.0
    limiter.record(ConnectionError())
    assert limiter.rate > before


def test_what_counts_as_throttling_can_be_changed(fake_time):
    limiter = on(fake_time, is_throttling=lambda error: isinstance(error, TimeoutError))
    limiter.record(THROTTLED)
    assert not limiter.limiting
    limiter.record(TimeoutError())
    assert limiter.limiting


EVENTS = st.lists(
    st.tuples(st.floats(min_value=0.0, max_value=1.5), st.booleans()), min_size=1, max_size=120
)


@given(events=EVENTS, min_rate=st.sampled_from([0.5, 1.0, 5.0]))
def test_the_rate_stays_between_its_floor_and_twice_the_measured_rate(events, min_rate):
    time = FakeTime(start=1000.0)
    limiter = on(time, min_rate=min_rate)
    for gap, throttled in events:
        time.now += gap
        limiter.record(THROTTLED if throttled else None)
        assert limiter.measured_rate >= 0.0
        if limiter.limiting:
            assert min_rate <= limiter.rate <= max(min_rate, 2.0 * limiter.measured_rate)


@given(events=EVENTS, start=st.floats(min_value=0.0, max_value=1e6))
def test_the_rate_is_botocores_adaptive_mode_rate(events, start):
    from botocore.retries import adaptive, bucket, throttling

    time = FakeTime(start=start)

    class Clock:
        def current_time(self):
            return time.now

    class Detector:
        def is_throttling_error(self, throttled, **kwargs):
            return throttled

    clock = Clock()
    theirs = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=start),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=Detector(),
        clock=clock,
    )
    ours = on(time)
    for gap, throttled in events:
        time.now += gap
        theirs.on_receiving_response(throttled=throttled)
        ours.record(THROTTLED if throttled else None)
        assert ours.limiting == theirs._enabled
        if ours.limiting:
            assert ours.rate == pytest.approx(theirs._token_bucket.max_rate, rel=1e-9)


# Waiting: turns in order, never past the timeout.


def test_callers_wait_their_turn_in_the_order_they_came():
    loop = VirtualLoop()
    limiter = throttled_at(loop, rate=10.0)  # one token in the bucket, then one every 0.1 s
    sent = []

    async def caller(name):
        assert await limiter.aacquire()
        sent.append((name, round(loop.now - 1000.0, 9)))

    for name in "abcde":
        loop.spawn(caller(name))
    loop.run()
    assert sent == [("a", 0.0), ("b", 0.1), ("c", 0.2), ("d", 0.3), ("e", 0.4)]


def test_the_bucket_holds_one_second_of_tokens_as_botocores_does():
    loop = VirtualLoop()
    limiter = on(loop)
    measure(limiter, loop, responses=100)
    limiter.record(THROTTLED)  # 112/s, and a bucket of 112 tokens, full
    sent = []

    async def caller():
        assert await limiter.aacquire()
        sent.append(loop.now - 1000.5)

    for _ in range(114):
        loop.spawn(caller())
    loop.run()
    assert sent[:112] == [0.0] * 112
    assert sent[112:] == [pytest.approx(1 / 112), pytest.approx(2 / 112)]


def test_a_turn_at_or_past_the_timeout_takes_nothing_and_does_not_sleep(fake_time):
    limiter = throttled_at(fake_time, rate=10.0)
    assert limiter.acquire(timeout=0.0)  # the token in the bucket
    assert limiter.wait_time() == pytest.approx(0.1)
    assert not limiter.acquire(timeout=0.1)
    assert not limiter.acquire(timeout=0.05)
    assert fake_time.sleeps == []
    assert limiter.wait_time() == pytest.approx(0.1)  # the refusals took nothing
    assert limiter.acquire(timeout=0.11)
    assert fake_time.sleeps == [pytest.approx(0.1)]


def test_a_long_line_costs_a_few_wake_ups_per_caller_not_one_per_token():
    loop = VirtualLoop()
    limiter = throttled_at(loop, rate=100.0)
    sent = []

    async def caller():
        assert await limiter.aacquire()
        sent.append(loop.now)

    for _ in range(200):
        loop.spawn(caller())
    loop.run()
    assert [round(t - 1000.0, 6) for t in sent] == [round(i / 100, 6) for i in range(200)]
    # Halving: about log2(turns away) + 1 sleeps each; polling would wake everyone per token.
    assert len(loop.sleeps) <= 200 * (math.log2(200) + 2)


def _cut_from_240_per_second(time, **settings) -> AdaptiveRateLimiter:
    limiter = on(time, **settings)
    measure(limiter, time, responses=150)  # measured 0.8 * 300 = 240/s
    limiter.record(THROTTLED)
    assert limiter.rate == pytest.approx(limiter.beta * 240)
    return limiter


def test_a_cut_slows_the_callers_already_waiting():
    loop = VirtualLoop()
    limiter = _cut_from_240_per_second(loop, burst=0.0)  # 168/s; burst 0: even pacing
    before = limiter.rate
    sent = []

    async def caller():
        assert await limiter.aacquire()
        sent.append(loop.now)

    async def throttle_later():
        await loop.sleep(0.1)
        limiter.record(THROTTLED)

    start = loop.now
    for _ in range(60):
        loop.spawn(caller())
    loop.spawn(throttle_later())
    loop.run()
    after = limiter.rate
    assert after == pytest.approx(0.7 * before)
    cut = start + 0.1
    gaps_before = [b - a for a, b in itertools.pairwise(sent) if b <= cut]
    gaps_after = [b - a for a, b in itertools.pairwise(sent) if a > cut]
    assert gaps_before
    assert gaps_after
    assert all(gap == pytest.approx(1 / before) for gap in gaps_before)
    assert all(gap == pytest.approx(1 / after) for gap in gaps_after)


def test_callers_already_waiting_go_sooner_when_the_rate_rises():
    loop = VirtualLoop()
    limiter = _cut_from_240_per_second(loop, beta=0.2, burst=0.0)  # 48/s, climbing back
    first_rate = limiter.rate
    sent = []

    async def caller():
        assert await limiter.aacquire()
        sent.append(loop.now - 1000.5)

    async def successes():
        for _ in range(500):  # responses from elsewhere keep moving the rate up the curve
            await loop.sleep(0.01)
            limiter.record()

    for _ in range(150):
        loop.spawn(caller())
    loop.spawn(successes())
    loop.run()
    assert limiter.rate > 2 * first_rate
    # At the first rate the last of them would have gone at 149 / 48 = 3.1 s.
    assert sent[-1] < 0.8 * 150 / first_rate


def test_a_waiter_whose_turn_moves_past_its_timeout_gives_up_and_the_line_moves_up():
    loop = VirtualLoop()
    limiter = _cut_from_240_per_second(loop, burst=0.0, beta=0.2)  # 48/s
    first_rate = limiter.rate
    outcomes: dict[int, tuple[bool, float]] = {}
    sent: list[float] = []

    async def caller(index):
        started = loop.now
        ok = await limiter.aacquire(timeout=0.5)
        outcomes[index] = (ok, loop.now - started)
        if ok:
            sent.append(loop.now)

    async def throttle_later():
        await loop.sleep(0.05)
        limiter.record(THROTTLED)  # 48/s -> 9.6/s: many turns move past 0.5 s

    for index in range(40):
        loop.spawn(caller(index))
    loop.spawn(throttle_later())
    loop.run()
    waited = [seconds for ok, seconds in outcomes.values()]
    assert max(waited) < 0.5  # nobody slept to or past the timeout
    assert any(not ok and seconds > 0 for ok, seconds in outcomes.values())  # gave up waiting
    served = [index for index, (ok, _) in sorted(outcomes.items()) if ok]
    refused = [index for index, (ok, _) in sorted(outcomes.items()) if not ok]
    assert refused
    assert served
    assert served == list(range(len(served)))  # the front of the line was served, in order
    assert limiter.wait_time() < 0.5  # and the tickets given back are not counted any more
    # Those who gave up handed nobody ahead of them an early turn: the pacing held.
    cut = 1000.5 + 0.05
    for a, b in itertools.pairwise(sent):
        assert b - a >= (1 / limiter.rate if a >= cut else 1 / first_rate) - 1e-9


@settings(max_examples=60, deadline=None)
@given(
    beta=st.sampled_from([0.2, 0.5, 0.7]),
    callers=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=2.0), st.floats(min_value=0.0, max_value=2.0)),
        min_size=1,
        max_size=60,
    ),
    cut_after=st.one_of(st.none(), st.floats(min_value=0.0, max_value=2.0)),
)
def test_sends_never_exceed_the_bucket_and_nobody_sleeps_past_its_timeout(beta, callers, cut_after):
    loop = VirtualLoop()
    limiter = _cut_from_240_per_second(loop, beta=beta, burst=0.0)  # a bucket of one token
    start = loop.now
    sends: list[float] = []
    rates = [limiter.rate]

    async def caller(timeout):
        began = loop.now
        ok = await limiter.aacquire(timeout=timeout)
        assert loop.now - began < timeout or loop.now == began
        assert limiter.tokens >= 0.0
        if ok:
            sends.append(loop.now)

    async def cut():
        limiter.record(THROTTLED)  # turns move: some callers give up while they wait
        rates.append(limiter.rate)

    for arrival, timeout in callers:
        loop.spawn(caller(timeout), at=start + arrival)
    if cut_after is not None:
        loop.spawn(cut(), at=start + cut_after)
    loop.run()
    assert limiter.tokens >= 0.0
    # A bucket of one token refilled at `rate` or less: any n sends span (n - 1) / rate or more.
    for i, j in itertools.combinations(range(len(sends)), 2):
        assert j - i <= (sends[j] - sends[i]) * max(rates) + 1e-6


@settings(deadline=None)  # up to 40 event loops per example: slow on a busy machine
@given(
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0.0, max_value=0.5),
            st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)),
            st.sampled_from(["success", "throttled", "other error", "no answer"]),
        ),
        max_size=40,
    )
)
def test_sync_and_async_acquire_behave_the_same(steps):
    def run(use_async: bool):
        time = FakeTime()
        limiter = on(time, min_rate=4.0)
        results = []
        for gap, timeout, outcome in steps:
            time.now += gap
            if use_async:
                results.append(asyncio.run(limiter.aacquire(timeout)))
            else:
                results.append(limiter.acquire(timeout))
            if outcome != "no answer":
                error = {"success": None, "throttled": THROTTLED, "other error": ValueError()}
                limiter.record(error[outcome])
            results.append((limiter.limiting, limiter.rate, limiter.tokens))
        return results, time.sleeps, time.now

    assert run(use_async=True) == run(use_async=False)


def test_threads_share_one_limiter():
    lock = threading.Lock()
    time = FakeTime()

    def sleep(seconds):  # a shared fake clock: every sleep moves it on
        with lock:
            time.now += seconds

    def clock():
        with lock:
            return time.now

    limiter = AdaptiveRateLimiter(min_rate=20.0, clock=clock, sleep=sleep)
    limiter.record(THROTTLED)
    sends: list[float] = []
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(25):
                assert limiter.acquire()
                sends.append(clock())
        except BaseException as error:  # reported below, from the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(sends) == 200
    # 200 turns from one token and 20 per second: the last comes 199 / 20 seconds on at least.
    assert max(sends) - 1000.0 >= 199 / 20 - 1e-6
    assert limiter.tokens >= 0.0


def test_refuses_nonsense_settings():
    for bad in ({"min_rate": 0}, {"beta": 1.0}, {"beta": 0.0}, {"scale": -1}, {"burst": -0.1}):
        with pytest.raises(ValueError, match="must be"):
            AdaptiveRateLimiter(**bad)


def test_repr_says_whether_it_limits(fake_time):
    limiter = on(fake_time)
    assert "not limiting" in repr(limiter)
    limiter.record(THROTTLED)
    assert "rate=0.5/s" in repr(limiter)
