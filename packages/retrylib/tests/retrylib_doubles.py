"""Test doubles for retrylib's tests: a fake clock that sleeps by moving time, a scripted call,
and a virtual-time loop for many concurrent callers.

A module of its own, with a name no other package uses, so that tests can import it directly.
"""

from __future__ import annotations

import heapq
from collections.abc import Coroutine, Generator, Iterable
from typing import Any


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


class VirtualLoop:
    """Runs coroutines on virtual time: ``await loop.sleep(s)`` resumes them ``s`` later.

    Lets tests run many waiting callers at once, deterministically, without sleeping. Nothing
    else may be awaited in the coroutines it runs.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._queue: list[tuple[float, int, Coroutine[Any, Any, Any]]] = []
        self._sequence = 0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> _Until:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        return _Until(self.now + seconds)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], at: float | None = None) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (self.now if at is None else at, self._sequence, coroutine))

    def run(self) -> None:
        while self._queue:
            self.now, _, coroutine = heapq.heappop(self._queue)
            try:
                wake = coroutine.send(None)
            except StopIteration:
                continue
            self.spawn(coroutine, wake)


class _Until:
    __slots__ = ("when",)

    def __init__(self, when: float) -> None:
        self.when = when

    def __await__(self) -> Generator[float, None, None]:
        yield self.when
