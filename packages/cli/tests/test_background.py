"""`seawall up --detach` before the background stack serves: a cancelled start leaves nothing."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from process_probes import gone

from seawall import background
from seawall.project import Project


def test_ctrl_c_while_the_background_up_starts_stops_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The background `seawall up` is played by a program that never serves (a real one applies a
    # stack for minutes): it says who it is and waits.
    pid_file = tmp_path / "up.pid"
    slow_up = tmp_path / "slow-up"
    slow_up.write_text(
        f"#!/bin/sh\necho $$ > {pid_file}.tmp && mv {pid_file}.tmp {pid_file}\nexec sleep 60\n"
    )
    slow_up.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(slow_up))

    def ctrl_c_once_it_runs(log_path: Path) -> list[str]:
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        raise KeyboardInterrupt

    monkeypatch.setattr(background, "_summary", ctrl_c_once_it_runs)
    project = Project(tmp_path / "repo", state_override=tmp_path / "state")
    with pytest.raises(KeyboardInterrupt):
        background.start_detached(project, ["up"], timeout_s=60)
    pid = int(pid_file.read_text())
    try:
        assert gone(pid, within_s=10), "the background up outlived the cancelled start"
    finally:
        if not gone(pid, within_s=0):
            os.kill(pid, signal.SIGKILL)
