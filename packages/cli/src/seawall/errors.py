"""The CLI's errors and exit codes, in one place.

Exit codes (after pre-commit): 0 success, 1 a deploy or verification failure, 2 bad usage,
3 an unexpected error (traceback to a log file, one line on screen), 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130


class SeawallError(Exception):
    """An error the user can act on: a message, and what to do next."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  -> {self.hint}" if self.hint else self.message


class UsageError(SeawallError):
    """The command line or the project layout is wrong: nothing was attempted."""

    exit_code = EXIT_USAGE


class PrerequisiteError(UsageError):
    """A tool or setting the command needs is missing (terraform, the emulator extra...)."""
