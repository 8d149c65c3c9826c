"""RetryPolicy: call a function, and when it fails with a retryable error, wait and call again.

The success path is kept as short as a wrapper can be: read the clock, call, return. Everything
else (the wait, the stop conditions, the budget, the hooks) is built only after a failure, in
:meth:`RetryPolicy._plan`, which the sync and the async loops share so they cannot drift apart.
A policy with a rate limiter takes a loop of its own from the first attempt on, so the policies
without one pay nothing for it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from retrylib import wait as _wait
from retrylib._errors import DeadlineExceeded, RetryError
from retrylib._sleep import asyncio_sleep
from retrylib.budget import RetryBudget
from retrylib.stop import RetryState, StopReason, after_attempts, as_reason, seconds_left

if TYPE_CHECKING:
    from retrylib.ratelimit import AdaptiveRateLimiter

__all__ = ["Hook", "RetryOn", "RetryPolicy"]

T = TypeVar("T")

#: Called as ``hook(attempt=..., delay=..., error=..., elapsed=...)``.
Hook = Callable[..., object]
RetryOn = type[BaseException] | tuple[type[BaseException], ...] | Callable[[BaseException], bool]


def _predicate(retry_on: RetryOn) -> Callable[[BaseException], bool]:
    if isinstance(retry_on, type) and issubclass(retry_on, BaseException):
        classes: tuple[type[BaseException], ...] = (retry_on,)
    elif isinstance(retry_on, tuple):
        classes = retry_on
    elif callable(retry_on):
        return retry_on
    else:
        raise TypeError(f"retry_on must be an exception class, a tuple or a callable: {retry_on!r}")
    return lambda error: isinstance(error, classes)


class RetryPolicy:
    """How to retry: what to wait, when to stop, which errors to retry, and who pays.

    ``wait`` is a strategy from :mod:`retrylib.wait` (default :func:`retrylib.wait.default`),
    ``stop`` a condition from :mod:`retrylib.stop` (default ``after_attempts(3)``), ``retry_on``
    an exception class, a tuple of them or a predicate (default :class:`Exception`). Errors that
    are not retryable propagate at once. ``budget`` is an optional shared
    :class:`~retrylib.RetryBudget`. ``limiter`` is an optional shared
    :class:`~retrylib.AdaptiveRateLimiter`: every attempt first waits for a send slot (never past
    the deadline of ``stop``: :class:`~retrylib.DeadlineExceeded` instead) and reports its
    outcome to it. ``on_retry`` runs before each wait and ``on_giveup`` when a retryable error
    ends the retrying; both are called as ``hook(attempt=, delay=, error=, elapsed=)``.
    ``clock``, ``sleep``, ``asleep`` and ``rng`` are injectable for tests.

    When retrying ends, the last error is re-raised as it was (``reraise=True``) or wrapped in a
    :class:`~retrylib.RetryError` (``reraise=False``). A stop by
    :func:`~retrylib.stop.before_deadline` always raises :class:`~retrylib.DeadlineExceeded`.
    """

    __slots__ = (
        "_asleep",
        "_budget",
        "_clock",
        "_limiter",
        "_on_giveup",
        "_on_retry",
        "_retryable",
        "_rng",
        "_sleep",
        "reraise",
        "retry_on",
        "stop",
        "wait",
    )

    def __init__(
        self,
        wait: _wait.WaitStrategy | None = None,
        stop: Callable[[RetryState], object] | None = None,
        *,
        retry_on: RetryOn = Exception,
        budget: RetryBudget | None = None,
        limiter: AdaptiveRateLimiter | None = None,
        on_retry: Hook | None = None,
        on_giveup: Hook | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        asleep: Callable[[float], Awaitable[object]] | None = None,
        rng: random.Random | None = None,
        reraise: bool = True,
    ) -> None:
        self.wait = _wait.default() if wait is None else wait
        self.stop = after_attempts(3) if stop is None else stop
        self.retry_on = retry_on
        self._retryable = _predicate(retry_on)
        self._budget = budget
        self._limiter = limiter
        self._on_retry = on_retry
        self._on_giveup = on_giveup
        self._clock = clock
        self._sleep = sleep
        self._asleep = asleep
        self._rng = random.Random() if rng is None else rng
        self.reraise = reraise

    @property
    def budget(self) -> RetryBudget | None:
        """The shared budget, if any."""
        return self._budget

    @property
    def limiter(self) -> AdaptiveRateLimiter | None:
        """The shared rate limiter, if any."""
        return self._limiter

    def copy(self, **changes: Any) -> RetryPolicy:
        """A new policy with the same settings except ``changes`` (same names as ``__init__``)."""
        settings = {
            "wait": self.wait,
            "stop": self.stop,
            "retry_on": self.retry_on,
            "budget": self._budget,
            "limiter": self._limiter,
            "on_retry": self._on_retry,
            "on_giveup": self._on_giveup,
            "clock": self._clock,
            "sleep": self._sleep,
            "asleep": self._asleep,
            "rng": self._rng,
            "reraise": self.reraise,
        }
        unknown = changes.keys() - settings.keys()
        if unknown:
            raise TypeError(f"unknown RetryPolicy settings: {sorted(unknown)}")
        settings.update(changes)
        return RetryPolicy(**settings)

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(wait={self.wait!r}, stop={self.stop!r}, retry_on={self.retry_on!r}, "
            f"budget={self._budget!r}, limiter={self._limiter!r})"
        )

    # The fast paths. Keep them free of anything that is needed only after a failure.

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call ``fn(*args, **kwargs)``, retrying as this policy says; return its result."""
        if self._limiter is not None:
            return self._call_limited(fn, args, kwargs)
        start = self._clock()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            error = exc
        else:
            if self._budget is not None:
                self._budget.record_success()
            return result
        return self._retry_sync(fn, args, kwargs, error, start)

    async def acall(self, fn: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Await ``fn(*args, **kwargs)``, retrying as this policy says; return its result."""
        if self._limiter is not None:
            return await self._acall_limited(fn, args, kwargs)
        start = self._clock()
        try:
            result = await fn(*args, **kwargs)
        except Exception as exc:
            error = exc
        else:
            if self._budget is not None:
                self._budget.record_success()
            return result
        return await self._retry_async(fn, args, kwargs, error, start)

    # The slow paths: after the first failure.

    def _retry_sync(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
        error: Exception, start: float,
    ) -> T:  # fmt: skip
        attempt, delay = 1, 0.0
        while True:
            delay, cost = self._plan(attempt, delay, error, start)
            self._sleep(delay)
            attempt += 1
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                error = exc
                continue
            if self._budget is not None:
                self._budget.record_success(cost)
            return result

    async def _retry_async(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any],
        error: Exception, start: float,
    ) -> T:  # fmt: skip
        attempt, delay = 1, 0.0
        while True:
            delay, cost = self._plan(attempt, delay, error, start)
            await (self._asleep or asyncio_sleep)(delay)
            attempt += 1
            try:
                result = await fn(*args, **kwargs)
            except Exception as exc:
                error = exc
                continue
            if self._budget is not None:
                self._budget.record_success(cost)
            return result

    # With a rate limiter: wait for a send slot before every attempt, report every outcome.

    def _call_limited(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        limiter = self._limiter
        assert limiter is not None
        start = self._clock()
        attempt, delay, error, cost = 0, 0.0, None, None
        while True:
            if limiter.limiting and not limiter.acquire(seconds_left(self.stop, self._clock())):
                self._refused(attempt, error, start, cost)
            attempt += 1
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                limiter.record(exc)
                error = exc
            else:
                limiter.record()
                if self._budget is not None:
                    self._budget.record_success(cost)
                return result
            delay, cost = self._plan(attempt, delay, error, start)
            self._sleep(delay)

    async def _acall_limited(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        limiter = self._limiter
        assert limiter is not None
        start = self._clock()
        attempt, delay, error, cost = 0, 0.0, None, None
        while True:
            if limiter.limiting and not await limiter.aacquire(
                seconds_left(self.stop, self._clock())
            ):
                self._refused(attempt, error, start, cost)
            attempt += 1
            try:
                result = await fn(*args, **kwargs)
            except Exception as exc:
                limiter.record(exc)
                error = exc
            else:
                limiter.record()
                if self._budget is not None:
                    self._budget.record_success(cost)
                return result
            delay, cost = self._plan(attempt, delay, error, start)
            await (self._asleep or asyncio_sleep)(delay)

    def _refused(
        self, attempt: int, error: Exception | None, start: float, cost: int | None
    ) -> NoReturn:
        """The limiter's next send slot lies past the deadline: stop without waiting for it."""
        assert self._limiter is not None
        delay = self._limiter.wait_time()
        if cost is not None and self._budget is not None:
            self._budget.release(cost)  # it paid for a retry that was never made
        if self._on_giveup is not None:
            elapsed = self._clock() - start
            self._on_giveup(attempt=attempt, delay=delay, error=error, elapsed=elapsed)
        raise DeadlineExceeded(attempt, error, delay) from error

    def _plan(
        self, attempt: int, previous: float, error: Exception, start: float
    ) -> tuple[float, int | None]:
        """Decide what follows failed attempt number ``attempt``: (delay, tokens paid) or raise."""
        if not self._retryable(error):
            raise error
        now = self._clock()
        elapsed = now - start
        delay = self.wait(attempt, previous, self._rng)
        reason = as_reason(self.stop(RetryState(attempt, elapsed, delay, now, error)))
        cost = None
        if reason is None and self._budget is not None:
            cost = self._budget.acquire(error)
            if cost is None:
                reason = StopReason.BUDGET
        if reason is not None:
            if self._on_giveup is not None:
                self._on_giveup(attempt=attempt, delay=delay, error=error, elapsed=elapsed)
            if reason is StopReason.DEADLINE:
                raise DeadlineExceeded(attempt, error, delay) from error
            if self.reraise:
                raise error
            raise RetryError(attempt, error, reason) from error
        if self._on_retry is not None:
            self._on_retry(attempt=attempt, delay=delay, error=error, elapsed=elapsed)
        return delay, cost
