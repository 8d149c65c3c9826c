"""Child processes seawall starts (emulator, gateway, function environments, terraform): how they
are started so that none outlives us, and how they are stopped.

A child must die with its parent even when the parent is killed with SIGKILL. Linux offers
PR_SET_PDEATHSIG, but it has to be set in the child, and setting it between fork and exec
(`preexec_fn`) is documented as unsafe in a process with threads (the gateway starts function
environments from its invoker threads and the SQS poller): a lock held by another thread at fork
time can deadlock the child. So it is set after exec instead, where the child is a fresh
single-threaded process:

- seawall's own Python children that run long (the runtime) are started through this module's
  launcher like any other program: `python -m seawall.launcher <parent pid> -- <argv>` sets it
  and then execs the program (the setting survives exec), for moto's server and terraform too;
- a function's worker (runtime/bootstrap.py) watches its parent's pid from a thread instead,
  because Linux sends the signal when the *thread* that started the child ends, and workers are
  started from whichever invoker or poller thread needed one.

Either way the child checks that its parent is still the one it expects: if the parent died
before the setting took effect, the child exits at once instead of living on as an orphan. The
launcher's children are started from threads that live as long as they do (the main thread).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from typing import Any

PARENT_PID_ENV = "SEAWALL_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def child_process_options() -> dict[str, Any]:
    """Popen options for helper servers: their own session (Ctrl-C is ours to handle, in order).
    No `preexec_fn`: see the module's docstring for how they die with us."""
    return {"start_new_session": True}


def guarded_command(argv: list[str]) -> list[str]:
    """`argv` run through the launcher that ties it to this process's life (Linux only)."""
    if not sys.platform.startswith("linux"):
        return list(argv)
    return [sys.executable, "-m", "seawall.launcher", str(os.getpid()), "--", *argv]


def die_with_parent(parent_pid: int | None) -> None:
    """Ask Linux to send SIGTERM to this process when `parent_pid` (our parent) dies; exit now if
    it already has. A no-op off Linux or without a parent pid."""
    if parent_pid is None or not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes  # noqa: PLC0415 - only on Linux

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the setting took effect
        os._exit(1)


def parent_pid_from_env() -> int | None:
    value = os.environ.get(PARENT_PID_ENV, "")
    return int(value) if value.isdigit() else None


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


def main(argv: list[str]) -> int:
    """The launcher: `python -m seawall.launcher <parent pid> -- program args...`."""
    if len(argv) < 3 or argv[1] != "--" or not argv[0].isdigit():
        usage = "usage: python -m seawall.launcher <parent pid> -- <program> [args...]"
        print(usage, file=sys.stderr)
        return 2
    die_with_parent(int(argv[0]))
    program = argv[2:]
    try:
        os.execvp(program[0], program)  # noqa: S606 - the argv our caller built
    except OSError as error:
        print(f"seawall: cannot run {program[0]}: {error}", file=sys.stderr)
        return 127
    return 0  # pragma: no cover - exec does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
