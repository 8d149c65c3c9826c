"""One local stack per state directory: an exclusive lock that a second `seawall up` cannot take.

The lock is `flock` on `<state dir>/<environment>/up.lock`: the kernel releases it when the
holder exits, however it exits (SIGKILL included), so a stale file never blocks anybody. The file
names its holder (pid and command line) for the message the second run prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from seawall.errors import UsageError


class StateLocked(UsageError):
    """Another process runs a local stack from this state directory (exit code 2)."""


class StateLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> StateLock:
        if self._file is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Opened without truncating: the holder's details stay readable until we own the lock.
        file = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(self.path)
            file.close()
            raise StateLocked(
                f"another local stack runs from this state directory ({holder})",
                hint=f"stop it first (seawall down, or Ctrl-C where it runs), or give this one "
                f"its own state directory (SEAWALL_STATE_DIR); the lock is {self.path}",
            ) from None
        file.seek(0)
        file.truncate()
        file.write(json.dumps({"pid": os.getpid(), "argv": sys.argv, "since": time.time()}))
        file.flush()
        self._file = file
        return self

    def release(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError):
                file.seek(0)
                file.truncate()
            file.close()  # closing the descriptor releases the flock

    @property
    def held(self) -> bool:
        return self._file is not None

    def holder(self) -> dict[str, Any] | None:
        """Who holds the lock (pid, argv, since), or None when nobody does."""
        try:
            file = self.path.open("r", encoding="utf-8")
        except FileNotFoundError:
            return None
        with file:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    return dict(json.loads(self.path.read_text(encoding="utf-8")))
                except (OSError, ValueError, TypeError):
                    return {}
            return None  # we could take it: nobody holds it (closing releases ours)


def _describe(path: Path) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        command = " ".join(str(part) for part in holder.get("argv", []))
        return f"held by process {int(holder['pid'])}: {command}".rstrip(": ")
    except (OSError, ValueError, KeyError, TypeError):
        return "held by a process that is still starting"
