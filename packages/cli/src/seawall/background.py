"""A local stack that keeps running in the background (`seawall up --detach`), and stopping it
(`seawall down`).

`--detach` starts an ordinary `seawall up` as a process of its own session (a closed terminal
does not stop it), with its output in `<state dir>/local/logs/up.log`, and waits until it has
printed its summary (or exited). That process writes the session file, which records every
process it started with the kernel's start time of each (a recycled pid is not the same
process). `down` stops exactly those: the `up` process first (SIGTERM: it tears down what it
started, in order), then whatever it recorded that is still there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawall.command_output import CommandFailed
from seawall.project import Project

DETACH_TIMEOUT_S = 900.0  # a cold apply on a slow machine
STOP_TIMEOUT_S = 60.0
SUMMARY_FIRST = "seawall: the local stack is up"
SUMMARY_LAST = "  try "


class DetachError(CommandFailed):
    """The background stack did not come up: the background `seawall up`'s command, how it
    ended, the tail of its output."""


@dataclass(frozen=True)
class Started:
    pid: int
    summary: list[str]
    log_path: Path


def start_detached(
    project: Project, up_argv: Sequence[str], *, timeout_s: float = DETACH_TIMEOUT_S
) -> Started:
    """Run `seawall <up_argv>` in the background; return once it serves (its summary printed)."""
    log_path = project.logs_dir("local") / "up.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "seawall", "--project-dir", str(project.root), *up_argv]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # the summary must reach the log at once
    if project.state_override is not None:
        env["SEAWALL_STATE_DIR"] = str(project.state_override)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # not ours to stop: it outlives this command
        )
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            summary = _summary(log_path)
            if process.poll() is not None:
                raise DetachError(
                    command,
                    process.returncode,
                    log_path.read_text(errors="replace"),
                    title="the background stack did not come up",
                    log_path=log_path,
                )
            if summary and not any(
                line.strip().startswith("smoke") and "FAILED" in line for line in summary
            ):
                return Started(pid=process.pid, summary=summary, log_path=log_path)
            time.sleep(0.2)
    except KeyboardInterrupt:
        # Ctrl-C before it served: the user cancelled the start, so it is ours to stop (SIGTERM:
        # it tears down what it started); the CLI then says everything started was stopped.
        _stop_pid(process.pid, None, grace_s=STOP_TIMEOUT_S)
        raise
    _stop_pid(process.pid, None, grace_s=STOP_TIMEOUT_S)
    raise DetachError(
        command,
        None,
        log_path.read_text(errors="replace"),
        title="the background stack did not come up",
        outcome=f"did not serve within {timeout_s:.0f} s",
        log_path=log_path,
    )


def stop_recorded(session: dict[str, Any], *, grace_s: float = STOP_TIMEOUT_S) -> list[str]:
    """Stop the processes a session file records, the `up` process first; return what was
    stopped ("up 1234", ...). Processes that are gone, or whose pid now names another process,
    are left alone."""
    stopped = []
    for role, pid, started in recorded_processes(session):
        if _stop_pid(pid, started, grace_s=grace_s):
            stopped.append(f"{role} {pid}")
    return stopped


def recorded_processes(session: dict[str, Any]) -> list[tuple[str, int, int | None]]:
    entries = session.get("processes") or [{"role": "up", "pid": session.get("pid")}]
    return [
        (str(entry["role"]), int(entry["pid"]), entry.get("start"))
        for entry in entries
        if entry.get("pid")
    ]


def start_time(pid: int) -> int | None:
    """The kernel's start time of `pid` (clock ticks since boot), or None if it is gone.

    Linux's /proc; elsewhere None, and a recorded process is then trusted by its pid alone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    if fields[0] == "Z":
        return None  # a zombie: already stopped
    return int(fields[19])  # field 22 of proc(5); fields here start at field 3


def _same_process(pid: int, started: int | None) -> bool:
    if sys.platform.startswith("linux"):
        now = start_time(pid)
        return now is not None and (started is None or now == started)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _stop_pid(pid: int, started: int | None, *, grace_s: float) -> bool:
    """SIGTERM, then SIGKILL after `grace_s`; True if the process was there to stop."""
    if not _same_process(pid, started):
        return False
    _signal(pid, signal.SIGTERM)
    if not _wait_gone(pid, started, grace_s, time.sleep):
        _signal(pid, signal.SIGKILL)
        _wait_gone(pid, started, 10.0, time.sleep)
    return True


def _wait_gone(
    pid: int, started: int | None, timeout_s: float, sleep: Callable[[float], None]
) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _reap(pid)
        if not _same_process(pid, started):
            return True
        sleep(0.1)
    return False


def _reap(pid: int) -> None:
    """Collect our own child's exit status (a detached `up` started by this process)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _summary(log_path: Path) -> list[str]:
    lines = log_path.read_text(errors="replace").splitlines()
    try:
        first = lines.index(SUMMARY_FIRST)
    except ValueError:
        return []
    for index in range(first, len(lines)):
        if lines[index].startswith(SUMMARY_LAST):
            return lines[first : index + 1]
    return []
