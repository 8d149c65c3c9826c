"""Locust's processes end with the `seawall loadtest` that started them, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from process_probes import fake_program, gone

# A `seawall loadtest` that has started Locust (a master and one worker), prints their pids, and
# waits; the test kills it outright (SIGKILL: no Ctrl-C handling runs).
PARENT = """
import sys, time
from pathlib import Path
from seawall.load.runner import LocustRun, Plan
plan = Plan(host="http://127.0.0.1:9", api_key="k", report_dir=Path(sys.argv[1]),
            run_prefix="p ", workers=1)
print(" ".join(str(pid) for pid in LocustRun(plan).start().pids), flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_locust_dies_with_a_killed_loadtest(tmp_path: Path) -> None:
    # Locust is played by a `locust` package that only waits (no load, no network): first on
    # PYTHONPATH, so `python -m locust` runs it whether or not the real one is installed.
    fake = fake_program(tmp_path / "fake", "locust", "import time\ntime.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": str(fake)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "report")],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    pids: list[int] = []
    try:
        assert parent.stdout is not None
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2, pids
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        left = [pid for pid in pids if not gone(pid, within_s=10)]
        assert left == [], "Locust outlived the loadtest that started it"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in pids:
            if not gone(pid, within_s=0):
                os.kill(pid, signal.SIGKILL)
