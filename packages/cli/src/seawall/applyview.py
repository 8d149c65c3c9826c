"""How an apply's progress is shown: one live line on a terminal, plain lines anywhere else.

On a terminal the line is rewritten in place (at most every `refresh_s`, and on every completed
resource); in a log or a CI job each resource that completes or fails gets a line of its own, so
the output reads top to bottom without control characters.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from seawall.tfevents import ApplyEvent, ApplyProgress


class ApplyView:
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresh_s: float = 0.5,
    ) -> None:
        self._stream = stream or sys.stderr
        self.live = self._stream.isatty() if live is None else live
        self._clock = clock
        self._refresh_s = refresh_s
        self._shown_at = float("-inf")
        self._width = 0
        self.progress = ApplyProgress(clock=clock)

    def __call__(self, event: ApplyEvent) -> None:
        self.progress.update(event)
        if self.live:
            self._live(event)
        else:
            self._plain(event)

    def _live(self, event: ApplyEvent) -> None:
        now = self._clock()
        important = event.type in ("apply_complete", "apply_errored", "change_summary")
        if not important and now - self._shown_at < self._refresh_s:
            return
        self._shown_at = now
        text = self.progress.line()
        padding = " " * max(0, self._width - len(text))
        self._width = len(text)
        self._stream.write(f"\r{text}{padding}")
        self._stream.flush()

    def _plain(self, event: ApplyEvent) -> None:
        progress = self.progress
        if event.type == "apply_complete":
            line = f"apply: {progress.done}/{progress.total} {event.message}"
        elif event.type == "apply_errored":
            line = f"apply: FAILED {event.message}"
        elif event.type == "change_summary":
            line = f"apply: {event.message}"
        else:
            return
        self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        """End the live line, so what is printed next starts on a line of its own."""
        if self.live and self._width:
            self._stream.write("\n")
            self._stream.flush()
            self._width = 0
