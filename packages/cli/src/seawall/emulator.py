"""The local AWS emulator: moto in server mode, as a child process on loopback.

`Emulator` starts moto's server (through `seawall.emulator_server`, which adds snapshot and
restore endpoints) on 127.0.0.1 and a free port, waits until it answers,
and always stops it: on normal exit, on an exception, on Ctrl-C, and (on Linux) even when this
process is killed outright, through the parent-death signal. Only processes that talk to the
emulator get its fake credentials: `client_env()` returns them for a child's environment and
`client()` builds boto3 clients with them, so this process's own environment is never changed.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import ipaddress
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from seawall.command_output import CommandFailed
from seawall.emulator_server import PREFIX, TOKEN_ENV, TOKEN_HEADER
from seawall.errors import PrerequisiteError, SeawallError
from seawall.launcher import child_process_options, guarded_command, stop_process

DEFAULT_REGION = "us-west-2"
# moto accepts any credentials; these make it obvious in a log that nothing real was used.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
# Variables that would make an AWS SDK pick real credentials or another endpoint instead.
_CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


class EmulatorError(SeawallError):
    """The emulator could not be started or stopped answering."""


class EmulatorStartError(EmulatorError, CommandFailed):
    """The emulator's server did not start: its command, how it ended, the tail of its output."""


class _NotStarted(Exception):
    """Inside `start()`: the server exited, or did not answer in time (the error is raised
    once its output has been collected)."""

    def __init__(self, returncode: int | None, outcome: str | None, hint: str | None) -> None:
        super().__init__(outcome)
        self.returncode, self.outcome, self.hint = returncode, outcome, hint


def free_loopback_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the caller retries if it is taken in between)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def require_loopback(host: str) -> None:
    """Refuse anything but a loopback address: the emulator must never be reachable from outside."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise EmulatorError(
        f"refusing to bind the emulator to {host!r}",
        hint="use a loopback address such as 127.0.0.1",
    )


@dataclass(frozen=True)
class Connection:
    """The emulator's endpoint and region, and the fake credentials that go with them."""

    url: str
    region: str = DEFAULT_REGION

    def client_env(self) -> dict[str, str]:
        """Environment for a child process that must talk to the emulator and nothing else."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            **FAKE_CREDENTIALS,
        }

    def child_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with real credentials removed and the
        emulator's endpoint and fake credentials added."""
        return {
            **_without_real_credentials(os.environ if base is None else base),
            **self.client_env(),
        }

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A boto3 client bound to the emulator, whatever this process's environment says."""
        return self._session.client(service_name, endpoint_url=self.url, **kwargs)

    @functools.cached_property
    def _session(self) -> Any:
        """One boto3 session for all of this connection's clients: each new session loads
        botocore's data files again (4 clients: about 0.5 s with a session each, 0.1 s shared).
        Clients are made on the thread that owns the connection."""
        import boto3  # noqa: PLC0415 - boto3 is slow to import; only clients need it

        return boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        )


class Emulator:
    """moto in server mode on loopback; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        preferred_port: int | None = None,
        region: str = DEFAULT_REGION,
        startup_timeout: float = 30.0,
        log_path: Path | None = None,
    ) -> None:
        require_loopback(host)
        self.host = host
        self.region = region
        self._requested_port = port
        # Taken when free, else any free port (a restored snapshot's URLs name its old port).
        self.preferred_port = preferred_port
        # Only this process and the server know it: it guards the snapshot endpoints.
        self._token = secrets.token_urlsafe(32)
        self._port: int | None = None
        self._startup_timeout = startup_timeout
        self._log_path = log_path
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._process is not None:
            return self
        _require_moto_server()
        if self._requested_port and not _port_is_free(self.host, self._requested_port):
            raise EmulatorError(
                f"port {self._requested_port} on {self.host} is already in use",
                hint="choose another port, or let seawall pick a free one",
            )
        attempts = 1 if self._requested_port else 3
        for attempt in range(1, attempts + 1):
            port = (
                self._requested_port or self._preferred_if_free() or free_loopback_port(self.host)
            )
            try:
                command = self._spawn(port)
                self._wait_until_answering()
                return self
            except _NotStarted as failure:
                output = self._stop_process()
                if attempt == attempts or "Address already in use" not in output:
                    raise EmulatorStartError(
                        command,
                        failure.returncode,
                        output,
                        title="the emulator did not start",
                        outcome=failure.outcome,
                        hint=failure.hint,
                        log_path=self._log_path,
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        self._stop_process()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    # -- what clients need -------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        if self._port is None:
            raise EmulatorError("the emulator is not running", hint="call start() first")
        return f"http://{self.host}:{self._port}"

    @property
    def connection(self) -> Connection:
        """What a client (here or in another process) needs to talk to this emulator."""
        return Connection(url=self.endpoint, region=self.region)

    def client_env(self) -> dict[str, str]:
        return self.connection.client_env()

    def child_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        return self.connection.child_env(base)

    def client(self, service_name: str, **kwargs: Any) -> Any:
        return self.connection.client(service_name, **kwargs)

    def reset(self) -> None:
        """Forget every resource (moto's reset API): a clean account without a restart."""
        request = urllib.request.Request(  # noqa: S310 - our own loopback endpoint
            f"{self.endpoint}/moto-api/reset", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback only
            pass

    def snapshot(self) -> bytes:
        """Every resource the emulator holds, pickled (see seawall.emulator_server). Take it when
        no client is changing anything."""
        return self._seawall_call("snapshot", b"")

    def restore(self, snapshot_path: Path) -> None:
        """Load a snapshot taken by `snapshot()` (by an emulator of the same moto) into this one,
        which should be fresh: the services the snapshot holds replace this emulator's."""
        self._seawall_call("restore", str(snapshot_path.resolve()).encode())

    # -- internals -------------------------------------------------------------------------

    def _seawall_call(self, action: str, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - our own loopback endpoint
            f"{self.endpoint}{PREFIX}{action}",
            data=body,
            method="POST",
            headers={TOKEN_HEADER: self._token},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise EmulatorError(f"the emulator's {action} failed: {detail}") from None

    def _preferred_if_free(self) -> int | None:
        port = self.preferred_port
        return port if port and _port_is_free(self.host, port) else None

    def _spawn(self, port: int) -> list[str]:
        """Start the server on `port`; its command (as the user would type it)."""
        self._port = port
        if self._log_path is not None:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self._log_path.open("w+b")
        else:
            self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _stop_process
        server = [sys.executable, "-m", "seawall.emulator_server"]
        command = [*server, "-H", self.host, "-p", str(port)]
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            guarded_command(command),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**_server_env(), TOKEN_ENV: self._token},
            **child_process_options(),
        )
        return command

    def _wait_until_answering(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        url = f"{self.endpoint}/moto-api/"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise _NotStarted(
                    self._process.returncode,
                    None,
                    hint="is moto[server] installed in this environment?",
                )
            try:
                with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                    pass
                if self._process.poll() is None:  # and ours is still alive
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        raise _NotStarted(
            None, f"did not answer on {self.endpoint} within {self._startup_timeout:.0f} s", None
        )

    def _stop_process(self) -> str:
        """Stop the server and return what it printed (for error messages)."""
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, grace_seconds=10)
        output = ""
        if self._log is not None:
            with contextlib.suppress(OSError, ValueError):
                self._log.seek(0)
                output = self._log.read().decode("utf-8", "replace")
            self._log.close()
            self._log = None
        return output


def _without_real_credentials(base: Mapping[str, str]) -> dict[str, str]:
    """`base` with any real AWS credentials replaced by the fake ones."""
    return {k: v for k, v in base.items() if k not in _CREDENTIAL_VARIABLES} | FAKE_CREDENTIALS


def _server_env() -> dict[str, str]:
    """The server's own environment: never real credentials, even if this shell has some."""
    env = _without_real_credentials(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    return env


def _require_moto_server() -> None:
    # find_spec, not import: importing moto costs about a second and the child does it anyway.
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        raise PrerequisiteError(
            "the local emulator needs moto in server mode, which is not installed",
            hint="pip install 'seawall[local]' (or run through nox: python3 -m nox -s up)",
        )
