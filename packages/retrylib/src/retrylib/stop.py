"""Stop conditions: when to give up instead of retrying.

A stop condition is asked after every failed attempt whose error is retryable, once the policy
knows how long it would wait next. It receives a :class:`RetryState` and answers ``None`` (go on)
or a :class:`StopReason`. Conditions combine with ``|`` (stop when either says so) and ``&``
(stop only when both do)::

    seconds_left = lambda: context.get_remaining_time_in_millis() / 1000 - 1.0
    stop.after_attempts(5) | stop.before_deadline(seconds_left)

Any callable ``(RetryState) -> object`` works as a stop condition too; a truthy answer that is
not a :class:`StopReason` counts as :attr:`StopReason.OTHER`.

A policy with a rate limiter also asks, before each attempt, how long its condition lets it wait
(:func:`seconds_left`): the deadlines of :func:`before_deadline` conditions, the earliest one
across ``|`` and the latest across ``&``. Other conditions, plain callables included, set no
limit there.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "RetryState",
    "Stop",
    "StopReason",
    "after_attempts",
    "after_delay",
    "before_deadline",
    "never",
    "seconds_left",
]


class StopReason(enum.Enum):
    """Why a policy stopped retrying."""

    ATTEMPTS = "attempts"
    DELAY = "delay"
    DEADLINE = "deadline"
    BUDGET = "budget"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RetryState:
    """What a stop condition sees after a failed attempt.

    ``attempt`` is the number of attempts made so far (1 after the first failure), ``elapsed`` the
    seconds since the first attempt started, ``delay`` the seconds the policy would wait before the
    next attempt, ``now`` the policy's clock reading and ``error`` the exception just raised.
    """

    attempt: int
    elapsed: float
    delay: float
    now: float
    error: BaseException | None = None


class Stop:
    """Base class of the built-in stop conditions; gives them ``|`` and ``&``."""

    __slots__ = ()

    def __call__(self, state: RetryState) -> StopReason | None:
        raise NotImplementedError

    def seconds_left(self, now: float) -> float:
        """The longest wait, from ``now``, that this condition's deadlines allow (inf: none)."""
        return math.inf

    def __or__(self, other: Callable[[RetryState], object]) -> Stop:
        return _Any(self, other)

    def __ror__(self, other: Callable[[RetryState], object]) -> Stop:
        return _Any(other, self)

    def __and__(self, other: Callable[[RetryState], object]) -> Stop:
        return _All(self, other)

    def __rand__(self, other: Callable[[RetryState], object]) -> Stop:
        return _All(other, self)


def as_reason(answer: object) -> StopReason | None:
    """Turn any stop condition's answer into a :class:`StopReason` or ``None``."""
    if answer is None or isinstance(answer, StopReason):
        return answer
    return StopReason.OTHER if answer else None


class _Any(Stop):
    __slots__ = ("_left", "_right")

    def __init__(self, left: Callable[[RetryState], object], right: Callable[[RetryState], object]):
        self._left, self._right = left, right

    def __call__(self, state: RetryState) -> StopReason | None:
        return as_reason(self._left(state)) or as_reason(self._right(state))

    def seconds_left(self, now: float) -> float:
        return min(seconds_left(self._left, now), seconds_left(self._right, now))

    def __repr__(self) -> str:
        return f"({self._left!r} | {self._right!r})"


class _All(Stop):
    __slots__ = ("_left", "_right")

    def __init__(self, left: Callable[[RetryState], object], right: Callable[[RetryState], object]):
        self._left, self._right = left, right

    def __call__(self, state: RetryState) -> StopReason | None:
        left = as_reason(self._left(state))
        if left is None:
            return None
        right = as_reason(self._right(state))
        if right is None:
            return None
        # When both agree and one of them is the deadline, the caller has run out of time, and
        # that is the reason it needs to hear about (DeadlineExceeded).
        return StopReason.DEADLINE if StopReason.DEADLINE in (left, right) else right

    def seconds_left(self, now: float) -> float:
        return max(seconds_left(self._left, now), seconds_left(self._right, now))

    def __repr__(self) -> str:
        return f"({self._left!r} & {self._right!r})"


class _AfterAttempts(Stop):
    __slots__ = ("attempts",)

    def __init__(self, attempts: int) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {attempts}")
        self.attempts = attempts

    def __call__(self, state: RetryState) -> StopReason | None:
        return StopReason.ATTEMPTS if state.attempt >= self.attempts else None

    def __repr__(self) -> str:
        return f"after_attempts({self.attempts})"


class _AfterDelay(Stop):
    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        if math.isnan(seconds) or seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        self.seconds = seconds

    def __call__(self, state: RetryState) -> StopReason | None:
        return StopReason.DELAY if state.elapsed >= self.seconds else None

    def __repr__(self) -> str:
        return f"after_delay({self.seconds})"


class _BeforeDeadline(Stop):
    __slots__ = ("deadline",)

    def __init__(self, deadline: float | Callable[[], float]) -> None:
        if not callable(deadline) and math.isnan(deadline):
            raise ValueError("deadline must be a number or a callable, not NaN")
        self.deadline = deadline

    def __call__(self, state: RetryState) -> StopReason | None:
        deadline = self.deadline
        # ">=": after the sleep there must still be time left to make the attempt. The absolute
        # form compares the wake-up time itself, so float rounding cannot let it slip past.
        if callable(deadline):
            crossed = state.delay >= deadline()
        else:
            crossed = state.now + state.delay >= deadline
        return StopReason.DEADLINE if crossed else None

    def seconds_left(self, now: float) -> float:
        deadline = self.deadline
        return deadline() if callable(deadline) else deadline - now

    def __repr__(self) -> str:
        return f"before_deadline({self.deadline!r})"


class _Never(Stop):
    __slots__ = ()

    def __call__(self, state: RetryState) -> StopReason | None:
        return None

    def __repr__(self) -> str:
        return "never()"


def after_attempts(attempts: int) -> Stop:
    """Stop once ``attempts`` attempts have been made (the first call counts): at most that many."""
    return _AfterAttempts(attempts)


def after_delay(seconds: float) -> Stop:
    """Stop once ``seconds`` have passed since the first attempt started."""
    return _AfterDelay(seconds)


def before_deadline(deadline: float | Callable[[], float]) -> Stop:
    """Stop when waiting the next delay would reach the deadline; never sleep past it.

    ``deadline`` is either an absolute time on the policy's clock (``time.monotonic()`` by
    default) or a callable returning the seconds left, for instance
    ``lambda: context.get_remaining_time_in_millis() / 1000 - 1.0`` in AWS Lambda (keep a safety
    margin for the last attempt and the response). The policy raises
    :class:`~retrylib.DeadlineExceeded` when this condition stops it.
    """
    return _BeforeDeadline(deadline)


def never() -> Stop:
    """Never stop on this condition (combine it with a deadline or a budget)."""
    return _Never()


def seconds_left(condition: Callable[[RetryState], object], now: float) -> float:
    """The longest wait from ``now`` that ``condition`` allows before its deadline (inf: none).

    A wait of that many seconds or more would be stopped by the deadline, so a policy's rate
    limiter is never allowed one. Only :class:`Stop` conditions know their deadlines.
    """
    return condition.seconds_left(now) if isinstance(condition, Stop) else math.inf
