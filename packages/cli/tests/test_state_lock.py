"""One local stack per state directory: the second taker is told who holds the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from seawall.errors import EXIT_USAGE
from seawall.state_lock import StateLock, StateLocked


def test_a_second_taker_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    path = tmp_path / "local" / "up.lock"
    first = StateLock(path).acquire()
    with pytest.raises(StateLocked) as refused:
        StateLock(path).acquire()
    assert f"held by process {os.getpid()}" in str(refused.value)
    assert refused.value.exit_code == EXIT_USAGE
    first.release()
    StateLock(path).acquire().release()  # free again once released


def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "up.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from pathlib import Path
                from seawall.state_lock import StateLock
                lock = StateLock(Path({str(path)!r})).acquire()
                print("held", flush=True)
                time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StateLocked, match=f"held by process {holder.pid}"):
            StateLock(path).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        StateLock(path).acquire().release()  # the kernel released it with the process
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
