"""Load shapes: `step:10,50,100:60s` walks through 10, 50 and 100 (users, or requests per second
with `--rps`), holding each for 60 s. Read by the CLI (to check it and to bound the run) and by
the locustfile (to drive Locust's LoadTestShape)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from seawall.errors import UsageError

_HOLD = re.compile(r"^(\d+)(s|m)?$")


@dataclass(frozen=True)
class Steps:
    levels: tuple[int, ...]
    hold_s: int

    @property
    def duration_s(self) -> int:
        return self.hold_s * len(self.levels)

    def level_at(self, elapsed_s: float) -> int | None:
        """The level to hold `elapsed_s` into the run; None once the last step is over."""
        index = int(elapsed_s // self.hold_s)
        return self.levels[index] if index < len(self.levels) else None

    def spec(self) -> str:
        return f"step:{','.join(map(str, self.levels))}:{self.hold_s}s"


def parse_shape(text: str) -> Steps:
    kind, _, rest = text.partition(":")
    levels_text, _, hold_text = rest.partition(":")
    hint = "write it as step:LEVEL,LEVEL,...:HOLD, e.g. step:10,50,100:60s"
    if kind != "step" or not levels_text or not hold_text:
        raise UsageError(f"--shape {text!r}: only step shapes are known", hint=hint)
    try:
        levels = tuple(int(level) for level in levels_text.split(","))
    except ValueError:
        raise UsageError(f"--shape {text!r}: levels must be whole numbers", hint=hint) from None
    match = _HOLD.match(hold_text)
    if match is None or any(level < 1 for level in levels):
        raise UsageError(f"--shape {text!r}: levels >= 1 and a hold like 60s or 2m", hint=hint)
    hold = int(match.group(1)) * (60 if match.group(2) == "m" else 1)
    if hold < 1:
        raise UsageError(f"--shape {text!r}: a step holds at least 1 s", hint=hint)
    return Steps(levels, hold)
