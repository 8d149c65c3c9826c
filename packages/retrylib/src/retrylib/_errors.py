"""The exceptions a policy raises when it gives up, when asked to or when out of time."""

from __future__ import annotations

import math

from retrylib.stop import StopReason

__all__ = ["DeadlineExceeded", "RetryError"]


class RetryError(Exception):
    """Retrying ended without success.

    Raised instead of the last error only by a policy built with ``reraise=False``; the last
    error is ``last_exception`` and also the ``__cause__``.
    """

    def __init__(
        self,
        attempts: int,
        last_exception: BaseException | None,
        reason: StopReason = StopReason.OTHER,
    ) -> None:
        super().__init__(attempts, last_exception, reason)
        self.attempts = attempts
        self.last_exception = last_exception
        self.reason = reason

    def __str__(self) -> str:
        return f"gave up after {self.attempts} attempt(s) ({self.reason.value}){_last(self)}"


def _last(error: RetryError) -> str:
    last = error.last_exception
    return "" if last is None else f": {type(last).__name__}: {last}"


class DeadlineExceeded(RetryError):
    """The next wait would have crossed the deadline, so the policy stopped at once.

    Always raised when :func:`retrylib.stop.before_deadline` stops a policy, whatever
    ``reraise`` says: the caller ran out of time, not out of attempts, and usually answers
    differently (an HTTP 503 with ``Retry-After`` rather than a 500). ``delay`` is the wait the
    policy wanted; ``retry_after`` is that wait rounded up to whole seconds, at least 1.

    With a rate limiter the wait may be the one for a send slot, before any attempt: then
    ``attempts`` is 0 and ``last_exception`` is ``None``.
    """

    def __init__(self, attempts: int, last_exception: BaseException | None, delay: float) -> None:
        super().__init__(attempts, last_exception, StopReason.DEADLINE)
        self.args = (attempts, last_exception, delay)  # what pickle passes back to __init__
        self.delay = delay

    @property
    def retry_after(self) -> int:
        """Seconds for a ``Retry-After`` header: the wanted wait rounded up, at least 1."""
        return max(1, math.ceil(self.delay))

    def __str__(self) -> str:
        return (
            f"deadline would be crossed by waiting {self.delay:.3f}s after "
            f"{self.attempts} attempt(s){_last(self)}"
        )
