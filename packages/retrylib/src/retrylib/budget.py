"""A retry budget: a token bucket shared by many calls, so a failing dependency is not hit by a
retry storm.

The model and the default numbers are those of the AWS SDKs' "standard" retry mode (botocore's
``RetryQuota`` and ``RetryQuotaChecker``): the bucket starts full with 500 tokens; every retry
costs 5 tokens, or 10 when the error was a timeout; a call that succeeds at its first attempt
puts 1 token back, and a call that succeeds after retrying puts back what its last retry cost.
Tokens never exceed the capacity. When a retry cannot be paid for, the error surfaces at once.

With these numbers a dependency that fails every call is retried at most 100 times (500 / 5)
before retries stop, and retries resume as successes refill the bucket: in the long run no more
than one retry per five first-attempt successes is paid for by refunds. Recent botocore (1.44,
checked when this was written) charges 14 tokens for a non-throttling retry and 5 for a
throttling one; pass ``retry_cost=14`` to model its non-throttling case.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["RetryBudget", "is_timeout"]


def is_timeout(error: BaseException) -> bool:
    """True for :class:`TimeoutError` and for any exception class named ``*Timeout*``.

    The name test catches botocore's ``ReadTimeoutError`` and ``ConnectTimeoutError``, and
    the timeouts of urllib3, requests, httpx and aiohttp, without importing any of them.
    """
    if isinstance(error, TimeoutError):
        return True
    return any("Timeout" in cls.__name__ for cls in type(error).__mro__)


class RetryBudget:
    """A thread-safe token bucket that pays for retries (see the module docstring).

    Share one budget between all the policies that talk to the same dependency, for instance
    one per process for DynamoDB.
    """

    __slots__ = (
        "_available",
        "_capacity",
        "_is_timeout",
        "_lock",
        "retry_cost",
        "success_refund",
        "timeout_cost",
    )

    def __init__(
        self,
        capacity: int = 500,
        retry_cost: int = 5,
        timeout_cost: int = 10,
        success_refund: int = 1,
        is_timeout: Callable[[BaseException], bool] = is_timeout,
    ) -> None:
        if capacity < 0 or retry_cost < 0 or timeout_cost < 0 or success_refund < 0:
            raise ValueError("capacity, costs and refund must all be >= 0")
        self._capacity = capacity
        self._available = capacity
        self.retry_cost = retry_cost
        self.timeout_cost = timeout_cost
        self.success_refund = success_refund
        self._is_timeout = is_timeout
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """The most tokens the bucket holds."""
        return self._capacity

    @property
    def available(self) -> int:
        """Tokens in the bucket now."""
        return self._available

    def cost_of(self, error: BaseException | None) -> int:
        """What a retry after ``error`` costs."""
        if error is not None and self._is_timeout(error):
            return self.timeout_cost
        return self.retry_cost

    def acquire(self, error: BaseException | None = None) -> int | None:
        """Pay for one retry after ``error``; the tokens taken, or ``None`` if it cannot be paid."""
        cost = self.cost_of(error)
        with self._lock:
            if cost > self._available:
                return None
            self._available -= cost
        return cost

    def release(self, amount: int) -> None:
        """Put ``amount`` tokens back, never above the capacity."""
        # Checked without the lock first: a healthy dependency keeps the bucket full, and this
        # runs after every successful call.
        if self._available >= self._capacity or amount <= 0:
            return
        with self._lock:
            self._available = min(self._capacity, self._available + amount)

    def record_success(self, last_cost: int | None = None) -> None:
        """A call succeeded: refund ``success_refund``, or ``last_cost`` if it had retried."""
        self.release(self.success_refund if last_cost is None else last_cost)

    def __repr__(self) -> str:
        return f"RetryBudget(available={self._available}, capacity={self._capacity})"
