"""Child processes seawall starts (emulator, gateway, function environments, terraform): how they
are started so that none outlives us, and how they are stopped."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from typing import Any


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to this child when its parent dies, so no server is orphaned."""
    with contextlib.suppress(Exception):
        import ctypes  # noqa: PLC0415 - only in the forked child, only on Linux

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def child_process_options() -> dict[str, Any]:
    """Popen options for helper servers: own session (Ctrl-C is ours to handle, in order)
    and, on Linux, death with the parent."""
    options: dict[str, Any] = {"start_new_session": True}
    if sys.platform.startswith("linux"):
        options["preexec_fn"] = _die_with_parent
    return options


def stop_process(
    process: subprocess.Popen[Any], *, grace_seconds: float, signum: int = signal.SIGTERM
) -> None:
    """`signum` (SIGTERM), then SIGKILL if it is still there after `grace_seconds`; always
    reaped."""
    if process.poll() is not None:
        return
    process.send_signal(signum)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
