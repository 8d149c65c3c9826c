"""Wait strategies: how long to sleep before retry number ``attempt``.

Every strategy is a small immutable callable ``strategy(attempt, previous, rng) -> seconds`` where
``attempt`` counts retries from 1, ``previous`` is the delay used before the previous retry (0.0
before the first) and ``rng`` is a :class:`random.Random`. Strategies keep no state of their own,
so one strategy object can serve any number of concurrent calls.

The exponential window for retry ``n`` is ``min(cap, base * multiplier ** (n - 1))``: the first
retry draws from ``[0, base]``, like botocore and tenacity's ``wait_random_exponential``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TypeAlias

__all__ = [
    "WaitStrategy",
    "constant",
    "decorrelated_jitter",
    "default",
    "equal_jitter",
    "exponential",
    "full_jitter",
]

WaitStrategy: TypeAlias = Callable[[int, float, random.Random], float]

#: The share of the remaining distance to the cap, on a log scale, that :func:`default` closes at
#: every retry. See :func:`default` and the package README.
DEFAULT_APPROACH = 1 / 3


class _Window:
    """Base of the exponential strategies: the window ``min(cap, base * multiplier ** (n - 1))``."""

    __slots__ = ("_last_growing", "base", "cap", "multiplier")
    _name = "window"

    def __init__(self, base: float, cap: float, multiplier: float) -> None:
        if not (math.isfinite(base) and math.isfinite(cap)) or base < 0 or cap < base:
            raise ValueError(f"need 0 <= base <= cap, both finite; got base={base}, cap={cap}")
        if not math.isfinite(multiplier) or multiplier < 1:
            raise ValueError(f"multiplier must be finite and >= 1, got {multiplier}")
        self.base = float(base)
        self.cap = float(cap)
        self.multiplier = float(multiplier)
        # Past this attempt the window is the cap; computing the power there could overflow.
        # A multiplier of 1 never grows (the window stays at base), so it never reaches it.
        if multiplier == 1:
            self._last_growing = math.inf
        elif base in (0, cap):
            self._last_growing = 1
        else:
            self._last_growing = 2 + int(math.log(cap / base) / math.log(multiplier))

    def window(self, attempt: int) -> float:
        """The upper end of the window for retry number ``attempt`` (counting from 1)."""
        if attempt >= self._last_growing:
            return self.cap if self.base > 0 else 0.0
        return min(self.cap, self.base * self.multiplier ** max(attempt - 1, 0))

    def __repr__(self) -> str:
        return f"{self._name}(base={self.base}, cap={self.cap}, multiplier={self.multiplier})"


class _Exponential(_Window):
    __slots__ = ()
    _name = "exponential"

    def __call__(self, attempt: int, previous: float, rng: random.Random) -> float:
        return self.window(attempt)


class _FullJitter(_Window):
    __slots__ = ()
    _name = "full_jitter"

    def __call__(self, attempt: int, previous: float, rng: random.Random) -> float:
        return rng.random() * self.window(attempt)


class _EqualJitter(_Window):
    __slots__ = ()
    _name = "equal_jitter"

    def __call__(self, attempt: int, previous: float, rng: random.Random) -> float:
        half = self.window(attempt) / 2
        return half + rng.random() * half


class _Default:
    __slots__ = ("_keep", "_log_ratio", "base", "cap")

    def __init__(self, base: float, cap: float) -> None:
        if not (math.isfinite(base) and math.isfinite(cap)) or base <= 0 or cap < base:
            raise ValueError(f"need 0 < base <= cap, both finite; got base={base}, cap={cap}")
        self.base = float(base)
        self.cap = float(cap)
        self._log_ratio = math.log(self.base / self.cap)  # <= 0
        self._keep = 1.0 - DEFAULT_APPROACH

    def window(self, attempt: int) -> float:
        """``cap * (base / cap) ** ((1 - 1/3) ** (attempt - 1))``: from base towards the cap."""
        return min(
            self.cap, self.cap * math.exp(self._log_ratio * self._keep ** max(attempt - 1, 0))
        )

    def __call__(self, attempt: int, previous: float, rng: random.Random) -> float:
        return rng.random() * self.window(attempt)

    def __repr__(self) -> str:
        return f"default(base={self.base}, cap={self.cap})"


class _DecorrelatedJitter:
    __slots__ = ("base", "cap")

    def __init__(self, base: float, cap: float) -> None:
        if not (math.isfinite(base) and math.isfinite(cap)) or base < 0 or cap < base:
            raise ValueError(f"need 0 <= base <= cap, both finite; got base={base}, cap={cap}")
        self.base = float(base)
        self.cap = float(cap)

    def __call__(self, attempt: int, previous: float, rng: random.Random) -> float:
        high = max(previous, self.base) * 3
        return min(self.cap, self.base + rng.random() * (high - self.base))

    def __repr__(self) -> str:
        return f"decorrelated_jitter(base={self.base}, cap={self.cap})"


class _Constant:
    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be finite and >= 0, got {seconds}")
        self.seconds = float(seconds)

    def __call__(self, attempt: int, previous: float, rng: random.Random) -> float:
        return self.seconds

    def __repr__(self) -> str:
        return f"constant({self.seconds})"


def default(base: float = 0.05, cap: float = 5.0) -> WaitStrategy:
    """The strategy a :class:`~retrylib.RetryPolicy` uses when given none.

    Full jitter, ``uniform(0, w)``, over a window ``w`` that starts at ``base`` and at every retry
    closes a third of the remaining distance to ``cap`` on a log scale::

        w(n) = cap * (base / cap) ** ((2 / 3) ** (n - 1))

    Bounds: ``[0, w(n)]``, with ``w(1) = base`` and ``w(n) < cap`` approaching it. The growth
    factor per retry is ``(cap / w) ** (1 / 3)``: large while the window is far below the cap,
    where waits are too short to spread contenders anyway and every retry is a wasted call,
    and close to 1 near the cap, so a window that is already wide enough is not overshot (an
    overshoot is paid as time by the last clients). Under contention this makes fewer calls than
    full jitter and finishes no later; the package README has the measurements and the limits
    (it trusts ``cap``: give the largest wait that is useful, not a huge number).
    """
    return _Default(base, cap)


def full_jitter(base: float, cap: float, multiplier: float = 2.0) -> WaitStrategy:
    """The AWS blog's "full jitter": ``uniform(0, min(cap, base * multiplier ** (attempt - 1)))``.

    Bounds: ``[0, min(cap, base * multiplier ** (attempt - 1))]``.
    """
    return _FullJitter(base, cap, multiplier)


def equal_jitter(base: float, cap: float, multiplier: float = 2.0) -> WaitStrategy:
    """Half the capped exponential window plus a uniform draw over the other half.

    Bounds: ``[w / 2, w]`` with ``w = min(cap, base * multiplier ** (attempt - 1))``.
    """
    return _EqualJitter(base, cap, multiplier)


def decorrelated_jitter(base: float, cap: float) -> WaitStrategy:
    """``min(cap, uniform(base, 3 * max(previous, base)))``: the AWS blog's "decorrelated jitter".

    Bounds: ``[base, cap]``. It grows from the previous delay rather than from the attempt number.
    """
    return _DecorrelatedJitter(base, cap)


def exponential(base: float, cap: float, multiplier: float = 2.0) -> WaitStrategy:
    """``min(cap, base * multiplier ** (attempt - 1))`` with no jitter (the rng is not used).

    Shown for comparison: clients that fail together retry together. Prefer a jittered strategy.
    """
    return _Exponential(base, cap, multiplier)


def constant(seconds: float) -> WaitStrategy:
    """Always wait ``seconds``."""
    return _Constant(seconds)
