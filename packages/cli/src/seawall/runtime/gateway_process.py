"""The local gateway as a child process of `seawall up`, started and always stopped by it."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

from seawall.command_output import CommandFailed
from seawall.emulator import Connection
from seawall.launcher import child_process_options, guarded_command, stop_process

READY_TIMEOUT_S = 60.0


class GatewayStartError(CommandFailed):
    """The local gateway did not start (its command, how it ended, the tail of its log)."""


class GatewayProcess:
    def __init__(
        self,
        connection: Connection,
        *,
        api_id: str,
        stage: str,
        artifact_store: Path,
        work_dir: Path,
        log_path: Path,
        port: int = 0,
    ) -> None:
        self._command = [
            sys.executable, "-m", "seawall.runtime",
            "--endpoint", connection.url, "--region", connection.region,
            "--api-id", api_id, "--stage", stage,
            "--artifact-store", str(artifact_store), "--work-dir", str(work_dir),
            "--port", str(port),
        ]  # fmt: skip
        self._log_path = log_path
        self._process: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> GatewayProcess:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                guarded_command(self._command),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                **child_process_options(),
            )
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], READY_TIMEOUT_S)
        line = self._process.stdout.readline() if ready else ""
        try:
            self.url = json.loads(line)["url"]
        except (ValueError, KeyError):
            self._fail(printed=line, output_ended=bool(ready) and not line)
        return self

    def _fail(self, *, printed: str, output_ended: bool) -> None:
        """Stop the gateway that did not start and raise how it ended, with its log's tail."""
        assert self._process is not None
        try:  # when its output ended it is exiting: let it say with which code
            returncode = self._process.wait(timeout=5 if output_ended else 0)
        except subprocess.TimeoutExpired:
            returncode = None
        if returncode is None:  # still running, but it never printed its URL: ours to stop
            outcome = (
                f"printed no URL within {READY_TIMEOUT_S:.0f} s"
                if not printed
                else f"printed {printed.strip()[:200]!r} instead of its URL"
            )
        else:
            outcome = None
        self.stop()
        raise GatewayStartError(
            self._command,
            returncode,
            self._log_path.read_text(errors="replace"),
            title="the local gateway did not start",
            outcome=outcome,
            log_path=self._log_path,
        ) from None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, grace_seconds=15)
