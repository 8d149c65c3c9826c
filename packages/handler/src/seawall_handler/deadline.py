"""The invocation's deadline, from the Lambda context's remaining time minus a safety margin."""

from __future__ import annotations

from collections.abc import Callable

#: Time kept back from the function's remaining time: enough to answer (a 503 with Retry-After)
#: and write the log line before Lambda's timeout, and so before API Gateway's 29 s one.
SAFETY_MARGIN = 0.5
#: Without a Lambda context (a bare call from a script), assume this much time.
DEFAULT_BUDGET = 10.0


def seconds_left(
    context: object, started: float, perf: Callable[[], float], margin: float = SAFETY_MARGIN
) -> Callable[[], float]:
    """A callable giving the seconds until the deadline (negative once it has passed)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        return lambda: remaining() / 1000 - margin
    return lambda: DEFAULT_BUDGET - (perf() - started) - margin
