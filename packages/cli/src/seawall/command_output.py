"""Child processes that fail: one error type and one message shape for all of them; and the one
way to run a command to completion (pre-commit's `cmd_output_b` and `error_handler` are the model).

`CommandFailed` is how every failure of a process seawall runs reaches the user, whether it ran to
completion here (pip, the build's compiler, checkov), streamed its output (terraform) or was a
server that never became ready (the emulator, the local gateway, a background `seawall up`,
Locust): the command, what happened to it (its exit code, a signal, a timeout), where its log is,
and the tail of its output, where the reason usually is. Subclasses (`TerraformError`,
`GatewayStartError`, ...) exist so that callers can catch one kind; none formats its own message.

`cmd_output_b(*argv)` returns `(returncode, stdout, stderr)` as bytes; with `check=True` (the
default) a non-zero exit raises `CommandFailed`. A command that is not there raises
`CommandFailed` too (no exit code), not `FileNotFoundError`. Long-running children (servers,
terraform with streamed output) are started by their own modules through `seawall.launcher`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from seawall.errors import SeawallError
from seawall.launcher import child_process_options, guarded_command

#: How much of a failed command's output the error keeps (its end: where the reason usually is).
OUTPUT_TAIL = 3000
OUTPUT_TAIL_LINES = 40
#: How often a command that can be stopped (`stop=`) looks at its event.
STOP_POLL_S = 0.1


def _text(output: bytes | str) -> str:
    return output.decode("utf-8", "replace") if isinstance(output, bytes) else output


def output_tail(output: bytes | str) -> str:
    """The end of `output`: its last OUTPUT_TAIL_LINES lines, at most OUTPUT_TAIL characters."""
    lines = _text(output).strip().splitlines()[-OUTPUT_TAIL_LINES:]
    return "\n".join(lines)[-OUTPUT_TAIL:]


class CommandFailed(SeawallError):
    """A child process failed: it exited non-zero, was killed, could not be started, or did not
    become ready in time. Its message is `[title: ]`command` outcome[; its log: path]:` and the
    tail of its output on the lines after."""

    def __init__(
        self,
        argv: Sequence[str],
        returncode: int | None,
        stdout: bytes | str = b"",
        stderr: bytes | str = b"",
        *,
        hint: str | None = None,
        title: str | None = None,
        outcome: str | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.log_path = log_path
        self.outcome = outcome or _outcome(returncode)
        self.tail = output_tail(stderr if _text(stderr).strip() else stdout)
        self.summary = (f"{title}: " if title else "") + f"`{shlex.join(self.argv)}` {self.outcome}"
        if log_path is not None:
            self.summary += f"; its log: {log_path}"
        super().__init__(self.summary + (f":\n{self.tail}" if self.tail else ""), hint=hint)

    def one_line(self) -> str:
        """The summary and the last line of the output, for a report's single line."""
        last = self.tail.splitlines()[-1] if self.tail else ""
        return f"{self.summary}: {last}" if last else self.summary


def _outcome(returncode: int | None) -> str:
    if returncode is None:
        return "could not be started"
    if returncode < 0:
        return f"was killed by signal {-returncode}"
    return f"exited {returncode}"


def cmd_output_b(
    *argv: str,
    check: bool = True,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    hint: str | None = None,
    timeout: float | None = None,
    tied: bool = False,
    stop: threading.Event | None = None,
    pass_fds: Sequence[int] = (),
) -> tuple[int, bytes, bytes]:
    """Run `argv` to completion; (returncode, stdout, stderr). `hint` goes with a failure.

    `timeout`: a command still running after it is killed and raises CommandFailed. `tied`: run
    through `seawall.launcher` in a session of its own, so that it dies with this process even
    when this one is killed outright (for commands that run for minutes, such as checkov); when
    it is killed here (its timeout, Ctrl-C), its whole process group goes with it: the helpers it
    started (checkov's forked runners) are not left working for no one. `stop`: an event that,
    once set, kills the command the same way and raises CommandFailed ("was stopped"): for a
    command run on a worker thread, which Ctrl-C does not interrupt (checkov during the plan).
    `pass_fds`: descriptors the command inherits (terraform's in-memory variables file)."""
    command = guarded_command(list(argv)) if tied else list(argv)
    options = child_process_options() if tied else {}
    try:
        process = subprocess.Popen(  # noqa: S603 - callers pass an argument vector, not a shell line
            command,
            stdin=None if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=None if env is None else dict(env),
            pass_fds=tuple(pass_fds),
            **options,
        )
    except OSError as error:
        raise CommandFailed(argv, None, b"", str(error).encode(), hint=hint) from error
    with process:
        try:
            stdout, stderr = _communicate(process, stdin, timeout, stop)
        except _Stopped as stopped:
            _kill(process, group=tied)
            raise CommandFailed(
                argv, None, stopped.stdout, stopped.stderr, outcome="was stopped", hint=hint
            ) from None
        except subprocess.TimeoutExpired as error:
            _kill(process, group=tied)
            raise CommandFailed(
                argv,
                None,
                error.stdout or b"",
                error.stderr or b"",
                outcome=f"did not finish within {timeout:g} s",
                hint=hint,
            ) from None
        except BaseException:  # Ctrl-C included: what we started does not outlive the call
            _kill(process, group=tied)
            raise
    if check and process.returncode != 0:
        raise CommandFailed(argv, process.returncode, stdout, stderr, hint=hint)
    return process.returncode, stdout, stderr


class _Stopped(Exception):
    def __init__(self, stdout: bytes, stderr: bytes) -> None:
        super().__init__("stopped")
        self.stdout = stdout
        self.stderr = stderr


def _communicate(
    process: subprocess.Popen[bytes],
    stdin: bytes | None,
    timeout: float | None,
    stop: threading.Event | None,
) -> tuple[bytes, bytes]:
    """`process.communicate`, looking at `stop` every STOP_POLL_S while it waits (communicate
    keeps what was read across the retries: nothing is lost)."""
    if stop is None:
        return process.communicate(stdin, timeout=timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = STOP_POLL_S if deadline is None else deadline - time.monotonic()
        try:
            return process.communicate(stdin, timeout=max(0.0, min(STOP_POLL_S, left)))
        except subprocess.TimeoutExpired as error:
            if deadline is not None and time.monotonic() >= deadline:
                raise
            if stop.is_set():
                raise _Stopped(error.stdout or b"", error.stderr or b"") from None


def _kill(process: subprocess.Popen[bytes], *, group: bool) -> None:
    """SIGKILL the child, or its whole process group when it leads one (a tied child's session:
    never ours). Reaped when the caller's `with` block ends."""
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()


def cmd_output(*argv: str, **options: object) -> tuple[int, str, str]:
    """`cmd_output_b` with the output decoded as UTF-8 (undecodable bytes replaced)."""
    returncode, stdout, stderr = cmd_output_b(*argv, **options)  # type: ignore[arg-type]
    return returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
