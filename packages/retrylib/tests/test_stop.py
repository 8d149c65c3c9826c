"""Stop conditions on their own: thresholds, deadlines, and how | and & combine reasons."""

from __future__ import annotations

import math

import pytest

from retrylib import RetryState, StopReason, stop


def state(attempt=1, elapsed=0.0, delay=0.0, now=100.0):
    return RetryState(attempt=attempt, elapsed=elapsed, delay=delay, now=now)


def test_after_attempts_stops_at_the_count():
    condition = stop.after_attempts(3)
    assert condition(state(attempt=2)) is None
    assert condition(state(attempt=3)) is StopReason.ATTEMPTS


def test_after_delay_stops_once_elapsed_reaches_it():
    condition = stop.after_delay(5.0)
    assert condition(state(elapsed=4.99)) is None
    assert condition(state(elapsed=5.0)) is StopReason.DELAY


def test_before_deadline_with_absolute_time_stops_when_the_wait_would_reach_it():
    condition = stop.before_deadline(110.0)
    assert condition(state(now=100.0, delay=9.9)) is None
    assert condition(state(now=100.0, delay=10.0)) is StopReason.DEADLINE
    assert condition(state(now=111.0, delay=0.0)) is StopReason.DEADLINE


def test_before_deadline_with_seconds_left_callable_asks_it_every_time():
    left = [2.0]
    condition = stop.before_deadline(lambda: left[0])
    assert condition(state(delay=1.0)) is None
    left[0] = 0.5
    assert condition(state(delay=1.0)) is StopReason.DEADLINE


def test_or_stops_when_either_does_and_reports_the_first_reason():
    condition = stop.after_attempts(5) | stop.after_delay(1.0)
    assert condition(state(attempt=1, elapsed=0.5)) is None
    assert condition(state(attempt=5, elapsed=0.5)) is StopReason.ATTEMPTS
    assert condition(state(attempt=1, elapsed=2.0)) is StopReason.DELAY


def test_and_stops_only_when_both_do():
    condition = stop.after_attempts(2) & stop.after_delay(1.0)
    assert condition(state(attempt=3, elapsed=0.5)) is None
    assert condition(state(attempt=1, elapsed=2.0)) is None
    assert condition(state(attempt=3, elapsed=2.0)) is StopReason.DELAY


def test_and_reports_the_deadline_when_it_is_one_of_the_reasons():
    condition = stop.before_deadline(100.0) & stop.after_attempts(1)
    assert condition(state(attempt=1, now=100.0)) is StopReason.DEADLINE


def test_plain_callables_combine_and_count_as_other():
    condition = stop.after_attempts(10) | (lambda s: s.delay > 3)
    assert condition(state(delay=4.0)) is StopReason.OTHER
    assert condition(state(delay=1.0)) is None
    left_side = (lambda s: s.attempt >= 2) & stop.after_delay(0.0)
    assert left_side(state(attempt=2)) is StopReason.DELAY


def test_never_never_stops():
    assert stop.never()(state(attempt=10**9, elapsed=1e12)) is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: stop.after_attempts(0),
        lambda: stop.after_delay(-1),
        lambda: stop.before_deadline(float("nan")),
    ],
)
def test_bad_arguments_are_refused(build):
    with pytest.raises(ValueError, match=r"attempts|seconds|deadline"):
        build()


def test_reprs_show_the_combination():
    assert (
        repr(stop.after_attempts(3) | stop.after_delay(2)) == "(after_attempts(3) | after_delay(2))"
    )


def test_seconds_left_is_the_longest_wait_the_deadlines_allow():
    assert stop.seconds_left(stop.before_deadline(110.0), now=100.0) == 10.0
    assert stop.seconds_left(stop.before_deadline(lambda: 2.5), now=100.0) == 2.5
    either = stop.before_deadline(110.0) | stop.before_deadline(lambda: 2.5)
    assert stop.seconds_left(either, now=100.0) == 2.5  # | stops at the first deadline
    both = stop.before_deadline(110.0) & stop.before_deadline(lambda: 2.5)
    assert stop.seconds_left(both, now=100.0) == 10.0  # & only at the second
    with_attempts = stop.after_attempts(5) | stop.before_deadline(110.0)
    assert stop.seconds_left(with_attempts, now=104.0) == 6.0


def test_seconds_left_is_unbounded_without_a_deadline():
    assert stop.seconds_left(stop.after_attempts(3) | stop.after_delay(9), now=0.0) == math.inf
    assert stop.seconds_left(stop.after_attempts(3) & stop.before_deadline(5.0), now=0.0) == (
        math.inf
    )
    assert stop.seconds_left(lambda state: state.attempt > 2, now=0.0) == math.inf
