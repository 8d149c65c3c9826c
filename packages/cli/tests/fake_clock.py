"""A clock the test moves by hand (`clock.now = ...`, `clock.now += 60`), for code that takes a
`clock` callable instead of reading time.monotonic or time.time itself."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
