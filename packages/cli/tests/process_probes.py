"""Test helpers about processes seawall starts: is a pid gone (dead, or only its zombie left)?"""

from __future__ import annotations

import os
import time


def gone(pid: int, within_s: float) -> bool:
    """True once `pid` no longer runs, polled until `within_s` has passed (checked at least once).
    A dead child not yet reaped by its parent shows as a zombie (Linux): that counts as gone."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                if stat.read().rsplit(") ", 1)[1].startswith("Z"):
                    return True
        except OSError:
            pass  # gone in between (the next kill says so), or no /proc here
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
