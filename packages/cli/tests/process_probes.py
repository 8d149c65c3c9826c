"""Test helpers about processes seawall starts: is a pid gone (dead, or only its zombie left)?
What has a child written so far, read without any read blocking past a deadline?

Shared by the package's tests and the cross-package ones (tests/e2e, tests/deploy): this
directory is on pytest's pythonpath (pyproject.toml).
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO


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


class OutputLines:
    """One of a child's text streams, read line by line by a thread of its own.

    A blocking `readline` on a pipe waits as long as the child stays silent; here every wait has a
    deadline, and the thread keeps draining the pipe afterwards, so a chatty child never blocks on
    a full pipe while the test does something else."""

    def __init__(self, process: subprocess.Popen[str], stream: IO[str] | None = None) -> None:
        self.process = process
        self.stream = stream if stream is not None else process.stdout
        assert self.stream is not None, "the stream must be a pipe"
        self.seen: list[str] = []
        self._queued: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        threading.Thread(target=self._read, args=(self.stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queued.put(line)
        self._queued.put(None)  # end of the stream

    def _next(self, timeout_s: float) -> str | None:
        """The next line, or None at the end of the stream; raises queue.Empty after timeout_s."""
        if self._ended:
            return None
        line = self._queued.get(timeout=max(0.0, timeout_s))
        if line is None:
            self._ended = True
        else:
            self.seen.append(line)
        return line

    def until(self, last: Callable[[str], bool], timeout_s: float = 600) -> list[str]:
        """The lines up to the first for which `last` holds. Fails if the stream ends (the child
        exited) first or `timeout_s` passes."""
        start = len(self.seen)
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"not seen within {timeout_s} s: {self.seen[start:]}"
            try:
                line = self._next(min(left, 1.0))
            except queue.Empty:
                continue
            assert line is not None, (
                f"the stream ended first (exit {self.process.poll()}): {self.seen[start:]}"
                f"{self._other_stream()}"
            )
            if last(line):
                return self.seen[start:]

    def rest(self, timeout_s: float = 120) -> str:
        """Everything up to the end of the stream (the child closed it), within `timeout_s`."""
        start = len(self.seen)
        deadline = time.monotonic() + timeout_s
        while not self._ended:
            left = deadline - time.monotonic()
            assert left > 0, f"the stream did not end within {timeout_s} s: {self.seen[start:]}"
            try:
                self._next(min(left, 1.0))
            except queue.Empty:
                continue
        return "".join(self.seen[start:])

    def _other_stream(self) -> str:
        """The child's stderr, when it is a pipe this reader does not read and the child exited."""
        other = self.process.stderr
        if other is None or other is self.stream or self.process.poll() is None:
            return ""
        return "\n" + other.read()


def read_until(
    process: subprocess.Popen[str],
    last: Callable[[str], bool],
    timeout_s: float = 600,
    stream: IO[str] | None = None,
) -> list[str]:
    """`process`'s output lines (its stdout, or `stream`) up to the first for which `last` holds.
    Fails if the process exits first or `timeout_s` passes: no read blocks past the deadline."""
    return OutputLines(process, stream).until(last, timeout_s)


def living_processes() -> dict[int, tuple[int, str]]:
    """Every living process (zombies left out): pid -> (its parent's pid, its command line)."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rsplit(") ", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            continue  # gone in between
        if fields[0] != "Z":
            table[int(entry.name)] = (int(fields[1]), command)
    return table


def descendants(pid: int) -> dict[int, str]:
    """Every living process below `pid` (children, theirs, ...), with its command line (Linux)."""
    table = living_processes()
    below: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (its_parent, command) in table.items():
            if its_parent == parent and child not in below:
                below[child] = command
                frontier.append(child)
    return below


def processes_mentioning(text: str) -> list[int]:
    """The living processes whose command line contains `text` (a state dir, a port)."""
    return [pid for pid, (_, command) in living_processes().items() if text in command]


def fake_program(parent: Path, module: str, main: str) -> Path:
    """A package `module` whose `python -m module` runs `main` (Python source), created in
    `parent`; put `parent` first on the child's PYTHONPATH and it plays that program (Locust,
    say) whether or not the real one is installed. Returns `parent`."""
    package = parent / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(main)
    return parent
