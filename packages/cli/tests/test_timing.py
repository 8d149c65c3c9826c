"""Phases: `seawall up`'s blocks, and a deploy's steps that follow one another (`mark`)."""

from __future__ import annotations

import pytest

from seawall import timing
from seawall.timing import Phases


def test_marked_steps_end_where_the_next_starts_and_repeats_add_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = iter([0.0, 2.0, 5.0, 6.5, 7.0])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(now))
    started: list[str] = []
    phases = Phases(on_start=started.append)
    phases.mark("plan")  # 0.0
    phases.mark("apply")  # 2.0
    phases.mark("plan")  # 5.0: a second plan adds to the first
    phases.mark("smoke")  # 6.5
    phases.stop()  # 7.0
    phases.stop()  # nothing running: nothing changes
    assert started == ["plan", "apply", "plan", "smoke"]
    assert phases.durations == {"plan": 3.5, "apply": 3.0, "smoke": 0.5}
    assert phases.summary() == "plan 3.5s | apply 3.0s | smoke 0.5s"
