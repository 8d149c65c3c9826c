"""The runtime's background loop: it ticks until stopped, and a shipper's last delivery runs once,
after the last tick, so nothing buffered is lost when the runtime stops."""

from __future__ import annotations

import threading

from seawall.runtime.periodic import Periodic


def test_it_ticks_until_stopped_then_runs_on_stop_once_after_the_last_tick() -> None:
    events: list[str] = []
    ticked_three_times = threading.Event()

    def tick() -> None:
        events.append("tick")
        if events.count("tick") == 3:
            ticked_three_times.set()

    loop = Periodic("test", 0.001, tick, on_stop=lambda: events.append("stop"))
    loop.start()
    assert ticked_three_times.wait(timeout=30)
    loop.stop()
    # stop() waits for the thread before the last delivery: nothing ticks after it.
    assert events[-1] == "stop"
    assert events.count("stop") == 1


def test_a_failing_on_stop_does_not_escape_stop() -> None:
    def broken() -> None:
        raise ConnectionError("the emulator went away")

    loop = Periodic("test", 60.0, lambda: None, on_stop=broken)
    loop.start()
    loop.stop()  # the runtime's shutdown goes on
