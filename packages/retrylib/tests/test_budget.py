"""RetryBudget: the SDK standard-mode numbers, refunds, and that it never goes negative."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from retrylib import RetryBudget
from retrylib.budget import is_timeout


class ReadTimeoutError(Exception):
    """Named like botocore's, which the default timeout test recognises by name."""


def test_defaults_are_the_sdk_standard_mode_numbers():
    budget = RetryBudget()
    assert (budget.capacity, budget.available) == (500, 500)
    assert budget.acquire(ValueError()) == 5
    assert budget.acquire(TimeoutError()) == 10
    assert budget.acquire(ReadTimeoutError()) == 10
    assert budget.available == 500 - 5 - 10 - 10


def test_a_failing_dependency_gets_at_most_capacity_over_cost_retries():
    budget = RetryBudget()
    paid = 0
    while budget.acquire(ValueError()) is not None:
        paid += 1
    assert paid == 100
    assert budget.available == 0


def test_success_refunds_one_and_a_retried_success_refunds_its_last_cost():
    budget = RetryBudget(capacity=20)
    budget.acquire()
    budget.acquire()
    assert budget.available == 10
    budget.record_success()
    assert budget.available == 11
    budget.record_success(last_cost=5)
    assert budget.available == 16


def test_refunds_never_exceed_capacity():
    budget = RetryBudget(capacity=8)
    budget.acquire()
    budget.release(100)
    assert budget.available == 8
    budget.record_success()
    assert budget.available == 8


def test_is_timeout_recognises_timeouts_by_class_and_by_name():
    assert is_timeout(TimeoutError())
    assert is_timeout(ReadTimeoutError())
    assert not is_timeout(ValueError())


def test_custom_costs_and_timeout_test():
    budget = RetryBudget(capacity=30, retry_cost=14, timeout_cost=3, is_timeout=lambda e: True)
    assert budget.acquire(ValueError()) == 3
    assert budget.cost_of(None) == 14


operations = st.lists(
    st.one_of(
        st.tuples(st.just("acquire"), st.sampled_from([ValueError(), TimeoutError()])),
        st.tuples(st.just("success"), st.sampled_from([None, 5, 10])),
        st.tuples(st.just("release"), st.integers(min_value=-5, max_value=50)),
    ),
    max_size=200,
)


@given(
    capacity=st.integers(min_value=0, max_value=600),
    retry_cost=st.integers(min_value=0, max_value=20),
    timeout_cost=st.integers(min_value=0, max_value=20),
    ops=operations,
)
def test_budget_never_goes_negative_nor_above_capacity_and_refunds_as_documented(
    capacity, retry_cost, timeout_cost, ops
):
    budget = RetryBudget(capacity=capacity, retry_cost=retry_cost, timeout_cost=timeout_cost)
    for op, arg in ops:
        before = budget.available
        if op == "acquire":
            cost = timeout_cost if isinstance(arg, TimeoutError) else retry_cost
            paid = budget.acquire(arg)
            if cost <= before:
                assert paid == cost
                assert budget.available == before - cost
            else:
                assert paid is None
                assert budget.available == before
        elif op == "success":
            budget.record_success(arg)
            refund = 1 if arg is None else arg
            assert budget.available == min(capacity, before + refund)
        else:
            budget.release(arg)
            assert budget.available == min(capacity, before + max(arg, 0))
        assert 0 <= budget.available <= capacity


def test_concurrent_acquires_never_overspend():
    budget = RetryBudget(capacity=500)
    paid = []

    def worker():
        for _ in range(200):
            if budget.acquire() is not None:
                paid.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(paid) == 100
    assert budget.available == 0
