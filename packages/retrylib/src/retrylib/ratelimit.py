"""An adaptive client-side rate limiter: send no faster than the service has been accepting.

Retries decide what to do after a request was throttled; a limiter keeps the request from being
sent into throttling at all. It is the AWS SDKs' "adaptive" retry mode (botocore
``retries/adaptive.py``, ``bucket.py`` and ``throttling.py``, checked against botocore 1.44),
with the same algorithm and numbers:

- **Measured rate.** Every response (success or error) is counted; every 0.5 s the count
  becomes a rate, smoothed as ``0.8 * new + 0.2 * old``.
- **CUBIC.** A throttling response sets ``w_max`` to the rate being sent (the measured rate, or
  the current limit if lower), cuts the limit to ``beta * w_max`` (``beta`` = 0.7) and restarts
  the curve ``rate(t) = scale * (t - K) ** 3 + w_max`` (``scale`` = 0.4,
  ``K = cbrt(w_max * (1 - beta) / scale)``, ``t`` seconds since that response): the rate climbs
  back to ``w_max`` in ``K`` seconds, slowly near it, then probes beyond it faster and faster.
  Any other response (a success, or an error that is not throttling) moves the limit along the
  curve. The limit never exceeds twice the measured rate, and never goes below ``min_rate``
  (0.5 requests/s).
- **Token bucket.** Sends take a token; tokens refill at the limit, and the bucket holds at most
  one second of them (``max(1, limit * burst)``, ``burst`` = 1 s). ``burst=0`` paces sends
  evenly instead: measured, it loses less goodput when the load hovers just below what the
  service accepts and its burst allowance is short, and adds latency at low rates (README).
- **Off until told.** Until the first throttling response the limiter lets every send through,
  as botocore's does: a healthy service costs nothing.

How callers wait differs from botocore, on purpose (measured in ``bench/retrylib``; the README
says what each part bought). botocore's callers poll the bucket: every waiting thread wakes when
it computes a token should be there, and all but one go back to sleep; a caller cannot know how
long it will wait, and blocks for as long as it takes. Here:

- **Callers queue.** A caller that must wait takes a ticket, in the order callers came, and its
  turn comes when the bucket has made a token for every ticket up to its own. It can therefore
  tell at once how long it would wait: a caller whose turn is ``timeout`` seconds away or more
  (a policy passes the time left before its deadline) takes nothing and does not sleep at all.
- **Waiters follow the rate.** A waiter sleeps half the time it still needs, then looks again
  (the last two tokens' worth exactly): a few wake-ups each, and a rate that rises or falls
  while it waits moves its turn, as it does for botocore's pollers. If its turn moves to or past
  its ``timeout``, it gives the ticket back (everyone behind moves up) and returns. So a limiter
  never makes anyone sleep past a deadline.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable

from retrylib._sleep import asyncio_sleep
from retrylib.classification import is_throttling as _is_throttling

__all__ = ["AdaptiveRateLimiter"]

#: Tokens that floating point may leave missing after a sleep of exactly the computed time.
_EPSILON = 1e-9
#: A waiter this many tokens from its turn or fewer sleeps the whole way; farther, half of it.
_EXACT = 2.0
#: The cell of a caller that did not have to wait.
_NO_TICKET: list[int] = []


class AdaptiveRateLimiter:
    """A send-rate limit that adapts to throttling (see the module docstring for the numbers).

    Share one limiter between every call to the same dependency (one per process, like a
    :class:`~retrylib.RetryBudget`); it is thread-safe. Pass it to a policy
    (``RetryPolicy(limiter=...)``, ``aws.dynamodb_policy(limiter=...)``), which calls
    :meth:`acquire` before every attempt and :meth:`record` after it; or call them yourself.

    ``min_rate``, ``beta``, ``scale`` and ``burst`` are botocore's numbers by default (module
    docstring). ``is_throttling`` decides which errors mean "slow down" (default
    :func:`retrylib.classification.is_throttling`). ``clock``, ``sleep`` and ``asleep`` are
    injectable; give a policy and its limiter the same clock.
    """

    __slots__ = (
        "_asleep",
        "_capacity",
        "_clock",
        "_count",
        "_is_throttling",
        "_issued",
        "_k",
        "_last_fail",
        "_limiting",
        "_lock",
        "_measured",
        "_min_rate",
        "_produced",
        "_rate",
        "_sleep",
        "_stamp",
        "_w_max",
        "_waiting",
        "_window",
        "beta",
        "burst",
        "scale",
    )

    #: The measured rate is updated every this many seconds (botocore ``_TIME_BUCKET_RANGE``).
    INTERVAL = 0.5
    #: Weight of the newest measurement (botocore ``_DEFAULT_SMOOTHING``).
    SMOOTHING = 0.8
    #: The limit never exceeds this many times the measured rate (``_MAX_RATE_ADJUST_SCALE``).
    MAX_SCALE = 2.0

    def __init__(
        self,
        *,
        min_rate: float = 0.5,
        beta: float = 0.7,
        scale: float = 0.4,
        burst: float = 1.0,
        is_throttling: Callable[[BaseException], bool] = _is_throttling,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        asleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        if not min_rate > 0 or not 0 < beta < 1 or not scale > 0 or not burst >= 0:
            raise ValueError("min_rate and scale must be > 0, beta in (0, 1), burst >= 0")
        self._min_rate = min_rate
        self.beta = beta
        self.scale = scale
        self.burst = burst
        self._is_throttling = is_throttling
        self._clock = clock
        self._sleep = sleep
        self._asleep = asleep
        self._lock = threading.Lock()
        now = clock()
        # The bucket, as two running counts: tokens made so far (up to _stamp) and tickets
        # handed out. Tokens in the bucket = made - handed out, at most the capacity; a caller
        # whose ticket is not yet covered waits. It is filled when limiting starts.
        self._rate = 1.0
        self._capacity = 1.0
        self._produced = 0.0
        self._issued = 0
        self._waiting: dict[int, list[int]] = {}  # ticket -> its holder's cell [ticket]
        self._stamp = now
        # CUBIC (botocore CubicCalculator(starting_max_rate=0, start_time=now)).
        self._w_max = 0.0
        self._k = 0.0
        self._last_fail = now
        # The measured rate (botocore RateClocker).
        self._measured = 0.0
        self._count = 0
        self._window: float = math.floor(now)  # botocore starts on a whole second, as here
        self._limiting = False

    @property
    def limiting(self) -> bool:
        """True once a throttling response has been recorded: sends are paced from then on."""
        return self._limiting

    @property
    def rate(self) -> float:
        """The send rate allowed now, in requests per second (``inf`` until :attr:`limiting`)."""
        return self._rate if self._limiting else math.inf

    @property
    def measured_rate(self) -> float:
        """The smoothed rate of responses, in requests per second."""
        return self._measured

    @property
    def tokens(self) -> float:
        """Tokens in the bucket now: never negative, 0 while callers wait for their turn."""
        with self._lock:
            self._refill(self._clock())
            return max(0.0, self._produced - self._issued)

    def wait_time(self) -> float:
        """Seconds a caller arriving now would wait for its turn (0.0 if none), taking nothing."""
        with self._lock:
            if not self._limiting:
                return 0.0
            return self._shortfall(self._issued + 1, self._clock()) / self._rate

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait for a turn to send; ``True`` when the caller may send now.

        Returns ``False``, having taken nothing, when the turn is ``timeout`` seconds away or
        more: at once, without sleeping, or, if the rate falls while it waits, as soon as it
        sees that. It never sleeps past ``timeout``. ``None`` waits as long as it takes.
        """
        cell, delay, until = self._reserve(timeout)
        while delay is not None and delay > 0.0:
            self._sleep(delay)
            delay = self._recheck(cell, until)
        return delay is not None

    async def aacquire(self, timeout: float | None = None) -> bool:
        """:meth:`acquire` for coroutines: the same turns, awaiting the sleeps."""
        cell, delay, until = self._reserve(timeout)
        while delay is not None and delay > 0.0:
            await (self._asleep or asyncio_sleep)(delay)
            delay = self._recheck(cell, until)
        return delay is not None

    def record(self, error: BaseException | None = None) -> None:
        """An attempt ended: ``error=None`` for a success, else its error.

        A throttling error cuts the rate and turns limiting on; anything else (a success, or an
        error that is not throttling, as in botocore) moves the rate along the CUBIC curve.
        """
        throttled = error is not None and self._is_throttling(error)
        now = self._clock()
        with self._lock:
            measured = self._measure(now)
            if throttled:
                starting = not self._limiting
                sending = measured if starting else min(measured, self._rate)
                self._w_max = sending
                self._k = (sending * (1.0 - self.beta) / self.scale) ** (1.0 / 3.0)
                self._last_fail = now
                self._limiting = True
                self._set_rate(min(sending * self.beta, self.MAX_SCALE * measured), now)
                if starting:  # botocore's bucket has been filling all along: it is full
                    self._produced = self._issued + self._capacity
            elif self._limiting:
                target = self.scale * (now - self._last_fail - self._k) ** 3 + self._w_max
                self._set_rate(min(target, self.MAX_SCALE * measured), now)
            # Before the first throttling response only the measured rate matters (botocore
            # moves an unused rate then; its first cut starts from the measured rate).

    def __repr__(self) -> str:
        state = f"rate={self._rate:.3g}/s" if self._limiting else "not limiting"
        return f"AdaptiveRateLimiter({state}, measured={self._measured:.3g}/s)"

    # Internals. A caller holds a ticket (its place in line) and the time it must give up by.

    def _reserve(self, timeout: float | None) -> tuple[list[int], float | None, float]:
        if not self._limiting:  # read without the lock: the common case, a healthy service
            return _NO_TICKET, 0.0, math.inf
        now = self._clock()
        until = math.inf if timeout is None else now + timeout
        with self._lock:
            if not self._waiting:  # nobody holds a ticket: restart the counts near zero
                self._refill(now)
                self._produced -= self._issued
                self._issued = 0
            ticket = self._issued + 1
            delay = self._shortfall(ticket, now) / self._rate
            if delay > 0.0 and now + delay >= until:
                return _NO_TICKET, None, until
            self._issued = ticket
            if delay == 0.0:
                return _NO_TICKET, delay, until
            cell = [ticket]
            self._waiting[ticket] = cell
            return cell, self._nap(ticket - self._produced, delay), until

    def _recheck(self, cell: list[int], until: float) -> float | None:
        """After a sleep: 0.0 to send, more seconds to sleep, or None (turn past ``until``)."""
        now = self._clock()
        with self._lock:
            ticket = cell[0]
            shortfall = self._shortfall(ticket, now)
            if shortfall == 0.0:
                del self._waiting[ticket]
                return 0.0
            delay = shortfall / self._rate
            if now + delay >= until:
                self._give_back(ticket)
                return None
            return self._nap(shortfall, delay)

    @staticmethod
    def _nap(shortfall: float, delay: float) -> float:
        return delay if shortfall <= _EXACT else delay / 2

    def _give_back(self, ticket: int) -> None:
        # Everyone behind moves up one place; those ahead keep theirs. Every ticket behind an
        # uncovered one is uncovered too, so its holder is still waiting.
        del self._waiting[ticket]
        for behind in range(ticket + 1, self._issued + 1):
            cell = self._waiting.pop(behind)
            cell[0] = behind - 1
            self._waiting[behind - 1] = cell
        self._issued -= 1

    def _shortfall(self, ticket: int, now: float) -> float:
        """Tokens still to be made before ``ticket`` is covered (0.0 if it is)."""
        self._refill(now)
        missing = ticket - self._produced
        return missing if missing > _EPSILON else 0.0

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            made = self._produced + (now - self._stamp) * self._rate
            self._produced = min(made, self._issued + self._capacity)
            self._stamp = now

    def _set_rate(self, value: float, now: float) -> None:
        # Tokens made so far were made at the old rate (botocore refills before changing it).
        self._refill(now)
        self._rate = max(value, self._min_rate)
        self._capacity = max(value * self.burst, 1.0)
        self._produced = min(self._produced, self._issued + self._capacity)

    def _measure(self, now: float) -> float:
        window = math.floor(now / self.INTERVAL) * self.INTERVAL
        self._count += 1
        if window > self._window:
            current = self._count / (window - self._window)
            self._measured = current * self.SMOOTHING + self._measured * (1.0 - self.SMOOTHING)
            self._count = 0
            self._window = window
        return self._measured
