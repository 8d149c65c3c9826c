"""Test helpers about processes seawall starts: is a pid gone (dead, or only its zombie left)?"""

from __future__ import annotations

import os
import time


def gone(pid: int, within_s: float) -> bool:
    """True once `pid` no longer runs, polled until `within_s` has passed (checked at least once).
    A dead child not yet reaped by init shows as a zombie: that counts as gone."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                if stat.read().rsplit(") ", 1)[1].startswith("Z"):
                    return True
        except (ProcessLookupError, OSError):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
