"""Test doubles for retrylib's tests: a fake clock that sleeps by moving time, a scripted call.

A module of its own, with a name no other package uses, so that tests can import it directly.
"""

from __future__ import annotations

from collections.abc import Iterable


class FakeTime:
    """A clock whose sleep() moves time forward instead of waiting; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Script:
    """A callable that raises or returns the scripted outcomes in order; counts its calls.

    Each call also advances the fake time by ``cost`` seconds, like a real call would.
    """

    def __init__(self, outcomes: Iterable[object], time: FakeTime | None = None, cost: float = 0.0):
        self.outcomes = list(outcomes)
        self.calls = 0
        self.time = time
        self.cost = cost

    def _next(self) -> object:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if self.time is not None:
            self.time.now += self.cost
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._next()

    async def acall(self, *args: object, **kwargs: object) -> object:
        return self._next()
