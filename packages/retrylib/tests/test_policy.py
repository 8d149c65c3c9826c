"""RetryPolicy and @retry: what a caller sees, with time, sleep and randomness injected."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import pickle
import random
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st
from retrylib_doubles import FakeTime, Script

from retrylib import (
    AdaptiveRateLimiter,
    DeadlineExceeded,
    RetryBudget,
    RetryError,
    RetryPolicy,
    StopReason,
    aws,
    retry,
    stop,
    wait,
)


class Flaky(Exception):
    pass


class Fatal(Exception):
    pass


def make_policy(time: FakeTime, **settings) -> RetryPolicy:
    settings.setdefault("wait", wait.constant(0.5))
    settings.setdefault("retry_on", Flaky)
    return RetryPolicy(
        clock=time.clock, sleep=time.sleep, asleep=time.asleep, rng=random.Random(0), **settings
    )


def test_retries_a_retryable_error_until_success(fake_time):
    script = Script([Flaky(), Flaky(), "done"])
    assert make_policy(fake_time).call(script) == "done"
    assert script.calls == 3
    assert fake_time.sleeps == [0.5, 0.5]


def test_passes_arguments_through(fake_time):
    assert make_policy(fake_time).call(lambda a, *, b: a + b, 2, b=3) == 5


def test_a_success_does_not_sleep(fake_time):
    assert make_policy(fake_time).call(lambda: 1) == 1
    assert fake_time.sleeps == []


def test_a_non_retryable_error_propagates_at_once(fake_time):
    hooks = []
    script = Script([Fatal("no")])
    policy = make_policy(fake_time, on_retry=hooks.append, on_giveup=hooks.append)
    with pytest.raises(Fatal, match="no"):
        policy.call(script)
    assert script.calls == 1
    assert fake_time.sleeps == []
    assert hooks == []


def test_base_exceptions_are_never_retried(fake_time):
    script = Script([KeyboardInterrupt()])
    with pytest.raises(KeyboardInterrupt):
        make_policy(fake_time, retry_on=BaseException).call(script)
    assert script.calls == 1


def test_when_attempts_run_out_the_original_error_is_reraised(fake_time):
    last = Flaky("third")
    script = Script([Flaky("first"), Flaky("second"), last])
    with pytest.raises(Flaky) as caught:
        make_policy(fake_time, stop=stop.after_attempts(3)).call(script)
    assert caught.value is last
    assert script.calls == 3


def test_the_reraised_error_keeps_the_traceback_of_the_failing_function(fake_time):
    def failing_function():
        raise Flaky("deep")

    with pytest.raises(Flaky) as caught:
        make_policy(fake_time).call(failing_function)
    names = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert "failing_function" in names


def test_reraise_false_raises_retry_error_with_attempts_and_last_exception(fake_time):
    last = Flaky("last")
    script = Script([Flaky(), last])
    with pytest.raises(RetryError) as caught:
        make_policy(fake_time, stop=stop.after_attempts(2), reraise=False).call(script)
    assert caught.value.attempts == 2
    assert caught.value.last_exception is last
    assert caught.value.__cause__ is last
    assert caught.value.reason is StopReason.ATTEMPTS
    assert "gave up after 2 attempt(s)" in str(caught.value)


def test_deadline_stops_at_once_instead_of_sleeping_past_it(fake_time):
    deadline = fake_time.now + 1.2
    script = Script([Flaky("busy")])
    policy = make_policy(fake_time, stop=stop.before_deadline(deadline) | stop.after_attempts(99))
    with pytest.raises(DeadlineExceeded) as caught:
        policy.call(script)
    # Two waits of 0.5 fit before the deadline; the third would reach 1.5 > 1.2.
    assert fake_time.sleeps == [0.5, 0.5]
    assert fake_time.now < deadline
    error = caught.value
    assert isinstance(error, RetryError)
    assert error.attempts == 3
    assert isinstance(error.last_exception, Flaky)
    assert error.__cause__ is error.last_exception
    assert error.delay == 0.5
    assert error.retry_after == 1


def test_deadline_exceeded_is_raised_whatever_reraise_says(fake_time):
    policy = make_policy(fake_time, stop=stop.before_deadline(lambda: 0.1), reraise=True)
    with pytest.raises(DeadlineExceeded):
        policy.call(Script([Flaky()]))


def test_deadline_from_seconds_left_like_a_lambda_context(fake_time):
    end = fake_time.now + 3.0

    def seconds_left():
        return end - fake_time.now - 1.0  # a one-second safety margin

    script = Script([Flaky()], time=fake_time, cost=0.2)
    with pytest.raises(DeadlineExceeded) as caught:
        make_policy(fake_time, stop=stop.before_deadline(seconds_left)).call(script)
    assert fake_time.now < end - 1.0 + 0.2  # only the last call may run into the margin
    assert caught.value.retry_after == 1


def test_errors_survive_pickling_for_process_pools():
    deadline = pickle.loads(pickle.dumps(DeadlineExceeded(3, Flaky("x"), 2.5)))
    assert (deadline.attempts, deadline.delay, deadline.retry_after) == (3, 2.5, 3)
    assert deadline.reason is StopReason.DEADLINE
    gave_up = pickle.loads(pickle.dumps(RetryError(2, Flaky("y"), StopReason.BUDGET)))
    assert (gave_up.attempts, gave_up.reason, str(gave_up.last_exception)) == (
        2,
        StopReason.BUDGET,
        "y",
    )


def test_a_deadline_exceeded_before_any_attempt_survives_pickling():
    error = pickle.loads(pickle.dumps(DeadlineExceeded(0, None, 1.5)))
    assert (error.attempts, error.last_exception, error.retry_after) == (0, None, 2)
    assert str(error) == "deadline would be crossed by waiting 1.500s after 0 attempt(s)"


def test_retry_after_rounds_up_to_whole_seconds():
    assert DeadlineExceeded(1, Flaky(), 2.01).retry_after == 3
    assert DeadlineExceeded(1, Flaky(), 0.0).retry_after == 1


@given(
    delays=st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=30),
    costs=st.lists(st.floats(min_value=0.0, max_value=2.0), min_size=1, max_size=30),
    budget_left=st.floats(min_value=-1.0, max_value=30.0),
    use_callable=st.booleans(),
)
def test_the_deadline_is_never_crossed_by_a_sleep(delays, costs, budget_left, use_callable):
    time = FakeTime()
    deadline = time.now + budget_left
    calls = {"n": 0}

    def call():
        time.now += costs[calls["n"] % len(costs)]
        calls["n"] += 1
        raise Flaky

    def strategy(attempt, previous, rng):
        return delays[(attempt - 1) % len(delays)]

    condition = stop.before_deadline((lambda: deadline - time.now) if use_callable else deadline)
    slept_from = []
    policy = RetryPolicy(
        wait=strategy,
        stop=condition | stop.after_attempts(40),
        retry_on=Flaky,
        clock=time.clock,
        sleep=lambda s: (slept_from.append(time.now), time.sleep(s)),
    )
    with pytest.raises((DeadlineExceeded, Flaky)):
        policy.call(call)
    for start, seconds in zip(slept_from, time.sleeps, strict=True):
        # Each form is checked in the arithmetic its caller uses: seconds left, or a wake-up time.
        assert (seconds < deadline - start) if use_callable else (start + seconds < deadline)


@given(
    limit=st.integers(min_value=1, max_value=50), succeed_at=st.integers(min_value=1, max_value=80)
)
def test_attempts_never_exceed_the_stop_condition(limit, succeed_at):
    time = FakeTime()
    script = Script([Flaky()] * (succeed_at - 1) + ["ok"])
    policy = make_policy(time, stop=stop.after_attempts(limit), wait=wait.full_jitter(0.01, 1.0))
    try:
        assert policy.call(script) == "ok"
    except Flaky:
        assert succeed_at > limit
    assert script.calls == min(limit, succeed_at)
    assert len(time.sleeps) == script.calls - 1


def test_hooks_receive_attempt_delay_error_and_elapsed(fake_time):
    retries, giveups = [], []
    errors = [Flaky("a"), Flaky("b"), Flaky("c")]
    script = Script(errors, time=fake_time, cost=0.1)
    policy = make_policy(
        fake_time,
        stop=stop.after_attempts(3),
        on_retry=lambda **event: retries.append(event),
        on_giveup=lambda **event: giveups.append(event),
    )
    with pytest.raises(Flaky):
        policy.call(script)
    assert retries == [
        {"attempt": 1, "delay": 0.5, "error": errors[0], "elapsed": pytest.approx(0.1)},
        {"attempt": 2, "delay": 0.5, "error": errors[1], "elapsed": pytest.approx(0.7)},
    ]
    assert giveups == [
        {"attempt": 3, "delay": 0.5, "error": errors[2], "elapsed": pytest.approx(1.3)}
    ]


def test_hooks_can_be_plain_positional_style_functions(fake_time):
    seen = []

    def on_retry(attempt, delay, error, elapsed):
        seen.append((attempt, delay, type(error).__name__))

    make_policy(fake_time, on_retry=on_retry).call(Script([Flaky(), 7]))
    assert seen == [(1, 0.5, "Flaky")]


def test_retry_on_accepts_a_tuple_and_a_predicate(fake_time):
    assert make_policy(fake_time, retry_on=(Fatal, Flaky)).call(Script([Fatal(), 1])) == 1
    only_busy = make_policy(fake_time, retry_on=lambda e: "busy" in str(e))
    assert only_busy.call(Script([Flaky("busy"), 2])) == 2
    with pytest.raises(Flaky, match="broken"):
        only_busy.call(Script([Flaky("broken"), 2]))


def test_retry_on_rejects_nonsense():
    with pytest.raises(TypeError):
        RetryPolicy(retry_on=42)  # type: ignore[arg-type]


def test_defaults_retry_exceptions_three_times_with_the_default_wait(fake_time):
    policy = RetryPolicy(clock=fake_time.clock, sleep=fake_time.sleep, rng=random.Random(3))
    script = Script([ValueError("still failing")])
    with pytest.raises(ValueError, match="still failing"):
        policy.call(script)
    assert script.calls == 3
    window = wait.default()
    assert all(0 <= s <= window.window(n) for n, s in enumerate(fake_time.sleeps, start=1))  # type: ignore[attr-defined]


def test_budget_pays_for_retries_and_an_empty_budget_surfaces_errors(fake_time):
    budget = RetryBudget(capacity=10, retry_cost=5)
    policy = make_policy(fake_time, budget=budget, stop=stop.after_attempts(10))
    script = Script([Flaky()])
    with pytest.raises(Flaky):
        policy.call(script)
    assert script.calls == 3  # two retries paid, the third could not be
    assert budget.available == 0
    other = Script([Flaky(), "never reached"])
    with pytest.raises(Flaky):
        policy.call(other)
    assert other.calls == 1


def test_budget_empty_gives_retry_error_with_budget_reason(fake_time):
    policy = make_policy(fake_time, budget=RetryBudget(capacity=0), reraise=False)
    with pytest.raises(RetryError) as caught:
        policy.call(Script([Flaky()]))
    assert caught.value.reason is StopReason.BUDGET


def test_budget_refunds_the_last_retry_cost_after_a_retried_success(fake_time):
    budget = RetryBudget(capacity=100, retry_cost=5)
    make_policy(fake_time, budget=budget).call(Script([Flaky(), Flaky(), "ok"]))
    assert budget.available == 100 - 5 - 5 + 5


def test_budget_refunds_one_token_after_a_first_time_success(fake_time):
    budget = RetryBudget(capacity=100, retry_cost=5)
    policy = make_policy(fake_time, budget=budget, stop=stop.after_attempts(2))
    with pytest.raises(Flaky):
        policy.call(Script([Flaky()]))
    assert budget.available == 95
    policy.call(lambda: None)
    assert budget.available == 96


def test_copy_changes_only_what_is_given(fake_time):
    policy = make_policy(fake_time, stop=stop.after_attempts(2))
    louder = policy.copy(reraise=False)
    assert louder.reraise is False
    assert policy.reraise is True
    assert louder.stop is policy.stop
    assert louder.wait is policy.wait
    with pytest.raises(TypeError, match="unknown"):
        policy.copy(waitt=None)


def test_decorator_keeps_the_function_name_and_exposes_the_policy(fake_time):
    policy = make_policy(fake_time)

    @retry(policy)
    def fetch(x):
        """Fetch x."""
        return x * 2

    assert fetch(4) == 8
    assert fetch.__name__ == "fetch"
    assert fetch.__doc__ == "Fetch x."
    assert fetch.retry_policy is policy


def test_decorator_works_on_methods(fake_time):
    class Client:
        def __init__(self):
            self.script = Script([Flaky(), "ok"])

        @retry(make_policy(fake_time))
        def get(self, key):
            return (self.script(), key)

    client = Client()
    assert client.get("k") == ("ok", "k")
    assert client.script.calls == 2


def test_bare_decorator_and_empty_call_use_a_default_policy():
    @retry
    def one():
        return 1

    @retry()
    async def two():
        return 2

    assert one() == 1
    assert asyncio.run(two()) == 2
    assert isinstance(one.retry_policy, RetryPolicy)


def test_retry_refuses_a_non_policy():
    with pytest.raises(TypeError):
        retry(42)


def test_a_decorated_coroutine_function_stays_a_coroutine_function(fake_time):
    @retry(make_policy(fake_time))
    async def fetch():
        return 1

    assert asyncio.iscoroutinefunction(fetch)


# One scenario, four ways to run it: the results, the calls, the sleeps and the hook events must
# be identical.


def _run(mode: str, outcomes: list[object], **settings):
    time = FakeTime()
    events: list[tuple[str, int, float, str]] = []
    script = Script(outcomes, time=time, cost=0.05)
    if settings.get("limiter") == "fresh":  # state: each run gets its own, on its own clock
        settings["limiter"] = limiter_on(time, min_rate=4.0)
    policy = RetryPolicy(
        wait=wait.default(0.1, 2.0),
        clock=time.clock,
        sleep=time.sleep,
        asleep=time.asleep,
        rng=random.Random(99),
        retry_on=Flaky,
        on_retry=lambda **e: events.append(("retry", e["attempt"], e["delay"], repr(e["error"]))),
        on_giveup=lambda **e: events.append(("giveup", e["attempt"], e["delay"], repr(e["error"]))),
        **settings,
    )
    if mode == "call":
        run = functools.partial(policy.call, script)
    elif mode == "acall":
        run = functools.partial(asyncio.run, policy.acall(script.acall))
    elif mode == "decorator":
        run = retry(policy)(script)
    else:

        @retry(policy)
        async def wrapped():
            return await script.acall()

        run = functools.partial(asyncio.run, wrapped())
    try:
        outcome: object = ("returned", run())
    except Exception as error:  # the comparison needs whatever came out
        outcome = ("raised", type(error).__name__, str(error))
    return outcome, script.calls, time.sleeps, events, time.now


SCENARIOS = {
    "success after retries": ([Flaky("1"), Flaky("2"), "ok"], {}),
    "attempts run out": ([Flaky("x")], {"stop": stop.after_attempts(4)}),
    "non-retryable": ([Flaky("x"), Fatal("stop")], {}),
    "deadline": ([Flaky("x")], {"stop": stop.before_deadline(1000.8)}),
    "retry error": ([Flaky("x")], {"stop": stop.after_attempts(2), "reraise": False}),
    "budget": ([Flaky("x")], {"budget": RetryBudget(capacity=5), "stop": stop.never()}),
    "limiter": ([Flaky("1"), Flaky("2"), Flaky("3"), "ok"], {"limiter": "fresh"}),
    "limiter and deadline": (
        [Flaky("x")],
        {"limiter": "fresh", "stop": stop.before_deadline(1001.0) | stop.after_attempts(9)},
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("mode", ["acall", "decorator", "async decorator"])
def test_sync_and_async_paths_behave_the_same(scenario, mode):
    outcomes, settings = SCENARIOS[scenario]
    # A budget is state: give each run its own.
    fresh = lambda: {k: (RetryBudget(5) if k == "budget" else v) for k, v in settings.items()}  # noqa: E731
    assert _run(mode, outcomes, **fresh()) == _run("call", outcomes, **fresh())


def test_the_default_sleeps_are_real_time_and_asyncio_sleep():
    # Zero-second waits: the real time.sleep and asyncio.sleep run, and nothing waits.
    policy = RetryPolicy(wait=wait.constant(0.0), retry_on=Flaky)
    assert policy.call(Script([Flaky(), "sync"])) == "sync"
    script = Script([Flaky(), "async"])
    assert asyncio.run(policy.acall(script.acall)) == "async"
    assert script.calls == 2


# With a rate limiter.


def limiter_on(time: FakeTime, **settings) -> AdaptiveRateLimiter:
    settings = {
        "is_throttling": lambda error: isinstance(error, Flaky),
        "sleep": time.sleep,
        "asleep": time.asleep,
        **settings,
    }
    return AdaptiveRateLimiter(clock=time.clock, **settings)


def throttled_limiter(time: FakeTime, rate: float) -> AdaptiveRateLimiter:
    """A limiter that was just throttled: ``rate`` sends per second, one token in the bucket."""
    limiter = limiter_on(time, min_rate=rate)
    limiter.record(Flaky())
    return limiter


def test_every_attempt_waits_for_its_turn_from_the_limiter(fake_time):
    limiter = throttled_limiter(fake_time, rate=2.0)
    policy = make_policy(fake_time, wait=wait.constant(0.1), limiter=limiter)
    assert policy.call(lambda: "first") == "first"  # the token in the bucket: no wait
    assert fake_time.sleeps == []
    script = Script([Flaky(), "ok"])
    assert policy.call(script) == "ok"
    # 0.5 s for a turn, the attempt is throttled (rate stays on its floor), 0.1 s of backoff,
    # then 0.4 s more for the next turn.
    assert fake_time.sleeps == [pytest.approx(0.5), 0.1, pytest.approx(0.4)]


def test_the_limiter_hears_every_outcome(fake_time):
    limiter = limiter_on(fake_time)
    policy = make_policy(fake_time, wait=wait.constant(0.0), limiter=limiter)
    policy.call(lambda: 1)
    assert not limiter.limiting
    policy.call(Script([Flaky(), "ok"]))
    assert limiter.limiting  # the throttled attempt turned it on


def test_errors_the_policy_does_not_retry_still_reach_the_limiter(fake_time):
    limiter = limiter_on(fake_time, is_throttling=lambda error: isinstance(error, Fatal))
    policy = make_policy(fake_time, limiter=limiter)  # retries Flaky only
    with pytest.raises(Fatal):
        policy.call(Script([Fatal()]))
    assert limiter.limiting


def test_a_turn_past_the_deadline_raises_before_the_first_attempt_without_waiting(fake_time):
    limiter = throttled_limiter(fake_time, rate=0.5)
    limiter.acquire()  # the only token: the next turn is 2 s away
    giveups = []
    policy = make_policy(
        fake_time,
        limiter=limiter,
        stop=stop.before_deadline(fake_time.now + 1.5),
        on_giveup=lambda **event: giveups.append(event),
    )
    script = Script(["never"])
    with pytest.raises(DeadlineExceeded) as caught:
        policy.call(script)
    assert script.calls == 0
    assert fake_time.sleeps == []
    error = caught.value
    assert (error.attempts, error.last_exception, error.retry_after) == (0, None, 2)
    assert error.delay == pytest.approx(2.0)
    assert "after 0 attempt(s)" in str(error)
    assert giveups == [{"attempt": 0, "delay": error.delay, "error": None, "elapsed": 0.0}]


def test_a_retry_whose_turn_is_past_the_deadline_stops_and_gets_its_budget_back(fake_time):
    limiter = throttled_limiter(fake_time, rate=1.0)
    budget = RetryBudget(capacity=100, retry_cost=5)
    policy = make_policy(
        fake_time,
        wait=wait.constant(0.2),
        limiter=limiter,
        budget=budget,
        stop=stop.before_deadline(fake_time.now + 0.9),
    )
    last = Flaky("busy")
    with pytest.raises(DeadlineExceeded) as caught:
        policy.call(Script([last]))
    # First attempt on the token; 0.2 s of backoff fits; the next turn is 0.8 s further: no.
    assert fake_time.sleeps == [0.2]
    assert caught.value.attempts == 1
    assert caught.value.last_exception is last
    assert caught.value.delay == pytest.approx(0.8)
    assert budget.available == 100  # the retry it paid for was never made


def test_aws_policies_take_a_limiter_that_recognises_throttling_by_itself(fake_time):
    class ClientError(Exception):
        def __init__(self, code):
            super().__init__(code)
            self.response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": 400}}

    limiter = AdaptiveRateLimiter(clock=fake_time.clock, sleep=fake_time.sleep)
    policy = aws.dynamodb_policy(
        limiter=limiter, clock=fake_time.clock, sleep=fake_time.sleep, rng=random.Random(1)
    )
    assert policy.limiter is limiter
    with pytest.raises(ClientError):
        policy.call(Script([ClientError("ConditionalCheckFailedException")]))
    assert not limiter.limiting
    assert policy.call(Script([ClientError("ThrottlingException"), "ok"])) == "ok"
    assert limiter.limiting


def test_copies_and_decorators_keep_the_limiter(fake_time):
    limiter = throttled_limiter(fake_time, rate=2.0)
    policy = make_policy(fake_time, limiter=limiter)
    assert policy.copy(reraise=False).limiter is limiter
    assert "limiter=AdaptiveRateLimiter(rate=2/s" in repr(policy)

    @retry(policy)
    def fetch():
        return "sync"

    @retry(policy)
    async def afetch():
        return "async"

    assert fetch() == "sync"
    assert asyncio.run(afetch()) == "async"
    assert fake_time.sleeps == [pytest.approx(0.5)]  # the second call waited its turn
    assert asyncio.iscoroutinefunction(afetch)
    assert fetch.retry_policy is policy


@given(
    outcomes=st.lists(st.booleans(), min_size=1, max_size=30),
    rate=st.floats(min_value=0.5, max_value=50.0),
    seconds=st.floats(min_value=0.0, max_value=5.0),
    backoff=st.floats(min_value=0.0, max_value=1.0),
    token_taken=st.booleans(),
)
def test_the_deadline_is_never_crossed_by_a_sleep_with_a_limiter(
    outcomes, rate, seconds, backoff, token_taken
):
    time = FakeTime()
    deadline = time.now + seconds
    slept_from = []

    def sleep(s):  # the policy's backoff and the limiter's waits alike
        slept_from.append(time.now)
        time.sleep(s)

    limiter = limiter_on(time, min_rate=rate, sleep=sleep)
    limiter.record(Flaky())  # limiting at `rate`, one token
    if token_taken:
        assert limiter.acquire(timeout=0.0)  # someone else's: the first attempt must wait
    policy = RetryPolicy(
        wait=wait.constant(backoff),
        stop=stop.before_deadline(deadline) | stop.after_attempts(40),
        retry_on=Flaky,
        limiter=limiter,
        clock=time.clock,
        sleep=sleep,
        reraise=False,
    )
    script = Script([Flaky() if failed else "ok" for failed in outcomes])
    with contextlib.suppress(RetryError):
        policy.call(script)
    for start, slept in zip(slept_from, time.sleeps, strict=True):
        assert start + slept < deadline
