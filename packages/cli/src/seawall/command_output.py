"""Run a command to completion and collect its output: the one way to do it (pre-commit's
`cmd_output_b` is the model).

`cmd_output_b(*argv)` returns `(returncode, stdout, stderr)` as bytes; with `check=True` (the
default) a non-zero exit raises `CommandFailed`, whose message names the command, its exit code
and the tail of its output, in the same shape for every command seawall runs. A command that is
not there raises `CommandFailed` too (exit code None), not `FileNotFoundError`.
Long-running children (servers, terraform with streamed output) are not for this module.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping
from pathlib import Path

from seawall.errors import SeawallError

#: How much of a failed command's output the error keeps (its end: where the reason usually is).
OUTPUT_TAIL = 3000


class CommandFailed(SeawallError):
    """A command exited non-zero (or could not start)."""

    def __init__(
        self,
        argv: tuple[str, ...],
        returncode: int | None,
        stdout: bytes,
        stderr: bytes,
        *,
        hint: str | None = None,
    ) -> None:
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        what = "could not be started" if returncode is None else f"exited {returncode}"
        output = (stderr or stdout).decode("utf-8", "replace").strip()[-OUTPUT_TAIL:]
        super().__init__(
            f"`{shlex.join(argv)}` {what}" + (f":\n{output}" if output else ""), hint=hint
        )


def cmd_output_b(
    *argv: str,
    check: bool = True,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    hint: str | None = None,
) -> tuple[int, bytes, bytes]:
    """Run `argv` to completion; (returncode, stdout, stderr). `hint` goes with a failure."""
    try:
        done = subprocess.run(  # noqa: S603 - callers pass an argument vector, never a shell line
            argv,
            input=stdin,
            capture_output=True,
            cwd=cwd,
            env=None if env is None else dict(env),
            check=False,
        )
    except OSError as error:
        raise CommandFailed(argv, None, b"", str(error).encode(), hint=hint) from error
    if check and done.returncode != 0:
        raise CommandFailed(argv, done.returncode, done.stdout, done.stderr, hint=hint)
    return done.returncode, done.stdout, done.stderr


def cmd_output(*argv: str, **options: object) -> tuple[int, str, str]:
    """`cmd_output_b` with the output decoded as UTF-8 (undecodable bytes replaced)."""
    returncode, stdout, stderr = cmd_output_b(*argv, **options)  # type: ignore[arg-type]
    return returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
