"""Wait strategies: bounds for every attempt and seed, means, and the documented formulas."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrylib import wait

bases = st.floats(min_value=1e-4, max_value=10.0)
ratios = st.floats(min_value=1.0, max_value=1e4)
attempts = st.integers(min_value=1, max_value=10_000)
seeds = st.integers(min_value=0, max_value=2**32)
previous_delays = st.floats(min_value=0.0, max_value=1e5)


def capped(base: float, cap: float, attempt: int, multiplier: float = 2.0) -> float:
    exponent = attempt - 1
    if exponent * math.log(multiplier) > math.log(cap / base):
        return cap
    return min(cap, base * multiplier**exponent)


@given(bases, ratios, attempts, previous_delays, seeds)
def test_full_jitter_lies_in_zero_to_capped_exponential(base, ratio, attempt, previous, seed):
    cap = base * ratio
    delay = wait.full_jitter(base, cap)(attempt, previous, random.Random(seed))
    assert 0.0 <= delay <= capped(base, cap, attempt) * (1 + 1e-12)


@given(bases, ratios, attempts, previous_delays, seeds)
def test_equal_jitter_lies_in_upper_half_of_window(base, ratio, attempt, previous, seed):
    cap = base * ratio
    window = capped(base, cap, attempt)
    delay = wait.equal_jitter(base, cap)(attempt, previous, random.Random(seed))
    assert window / 2 * (1 - 1e-12) <= delay <= window * (1 + 1e-12)


multipliers = st.one_of(st.just(1.0), st.floats(min_value=1.0, max_value=10.0))


@given(bases, ratios, multipliers, attempts)
def test_exponential_is_the_documented_capped_formula_for_any_multiplier(
    base, ratio, multiplier, attempt
):
    # multiplier 1 is a constant delay of `base`, not the cap.
    cap = base * ratio
    delay = wait.exponential(base, cap, multiplier)(attempt, 0.0, random.Random(0))
    assert delay == pytest.approx(capped(base, cap, attempt, multiplier), rel=1e-9)


@given(bases, ratios, attempts, previous_delays, seeds)
def test_decorrelated_jitter_stays_within_base_and_cap(base, ratio, attempt, previous, seed):
    cap = base * ratio
    delay = wait.decorrelated_jitter(base, cap)(attempt, previous, random.Random(seed))
    assert base <= delay <= cap


@given(bases, ratios, st.lists(seeds, min_size=1, max_size=50))
def test_decorrelated_jitter_chain_stays_within_base_and_cap(base, ratio, chain_seeds):
    cap = base * ratio
    strategy = wait.decorrelated_jitter(base, cap)
    previous = 0.0
    for attempt, seed in enumerate(chain_seeds, start=1):
        previous = strategy(attempt, previous, random.Random(seed))
        assert base <= previous <= cap


@given(bases, ratios, attempts)
def test_exponential_is_the_capped_exponential(base, ratio, attempt):
    cap = base * ratio
    assert wait.exponential(base, cap)(attempt, 0.0, random.Random(0)) == pytest.approx(
        capped(base, cap, attempt)
    )


@given(bases, ratios, attempts, previous_delays, seeds)
def test_default_lies_in_its_window_which_never_exceeds_cap(base, ratio, attempt, previous, seed):
    cap = base * ratio
    strategy = wait.default(base, cap)
    window = cap * (base / cap) ** ((2 / 3) ** (attempt - 1))
    delay = strategy(attempt, previous, random.Random(seed))
    assert 0.0 <= delay <= window * (1 + 1e-9)
    assert window <= cap * (1 + 1e-12)


@given(bases, ratios, st.integers(min_value=1, max_value=200))
def test_default_window_starts_at_base_and_never_shrinks(base, ratio, attempt):
    strategy = wait.default(base, base * ratio)
    assert strategy.window(1) == pytest.approx(base)
    assert strategy.window(attempt + 1) >= strategy.window(attempt)


def test_default_grows_fast_far_from_the_cap_and_slowly_near_it():
    strategy = wait.default(0.005, 2.0)
    first_growth = strategy.window(2) / strategy.window(1)
    late_growth = strategy.window(9) / strategy.window(8)
    assert first_growth == pytest.approx(400 ** (1 / 3))
    assert first_growth > 2 > late_growth > 1


@given(bases, ratios, st.integers(min_value=1, max_value=40), seeds)
def test_full_jitter_mean_tracks_half_the_capped_exponential(base, ratio, attempt, seed):
    cap = base * ratio
    strategy = wait.full_jitter(base, cap)
    source = random.Random(seed)
    draws = [strategy(attempt, 0.0, source) for _ in range(4000)]
    expected = capped(base, cap, attempt) / 2
    # A uniform(0, w) mean over 4000 draws has a standard deviation of w / sqrt(12 * 4000).
    assert statistics.fmean(draws) == pytest.approx(expected, rel=0.05)


def test_constant_always_waits_the_same():
    strategy = wait.constant(0.25)
    assert {strategy(n, 9.0, random.Random(n)) for n in range(1, 50)} == {0.25}


def test_strategies_are_deterministic_for_a_seed():
    for strategy in (
        wait.default(0.01, 1.0),
        wait.full_jitter(0.01, 1.0),
        wait.equal_jitter(0.01, 1.0),
        wait.decorrelated_jitter(0.01, 1.0),
    ):
        first = [strategy(n, 0.1, random.Random(7)) for n in range(1, 10)]
        again = [strategy(n, 0.1, random.Random(7)) for n in range(1, 10)]
        assert first == again


def test_multiplier_changes_the_growth():
    assert wait.exponential(1.0, 1000.0, multiplier=3)(3, 0.0, random.Random(0)) == 9.0


def test_first_retry_draws_from_base_like_botocore_and_tenacity():
    assert wait.exponential(0.05, 20.0)(1, 0.0, random.Random(0)) == 0.05


@pytest.mark.parametrize(
    "build",
    [
        lambda: wait.full_jitter(-1.0, 1.0),
        lambda: wait.full_jitter(2.0, 1.0),
        lambda: wait.full_jitter(1.0, math.inf),
        lambda: wait.full_jitter(1.0, 2.0, multiplier=0.5),
        lambda: wait.decorrelated_jitter(2.0, 1.0),
        lambda: wait.default(0.0, 1.0),
        lambda: wait.default(1.0, 0.5),
        lambda: wait.constant(-0.1),
        lambda: wait.constant(math.nan),
    ],
)
def test_bad_arguments_are_refused(build):
    with pytest.raises(ValueError, match=r"base|cap|multiplier|seconds"):
        build()


def test_reprs_name_the_strategy():
    assert repr(wait.full_jitter(0.1, 2.0)).startswith("full_jitter(base=0.1, cap=2.0")
    assert repr(wait.default(0.1, 2.0)) == "default(base=0.1, cap=2.0)"
    assert repr(wait.constant(1)) == "constant(1.0)"
