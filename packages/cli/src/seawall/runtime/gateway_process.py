"""The local gateway as a child process of `seawall up`, started and always stopped by it."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

from seawall.emulator import Connection
from seawall.errors import SeawallError
from seawall.launcher import child_process_options, guarded_command, stop_process

READY_TIMEOUT_S = 60.0


class GatewayStartError(SeawallError):
    """The local gateway did not start."""


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
            self.stop()
            tail = "\n".join(self._log_path.read_text(errors="replace").splitlines()[-20:])
            raise GatewayStartError(
                f"the local gateway did not start; its log ({self._log_path}) ends with:\n{tail}"
            ) from None
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, grace_seconds=15)
