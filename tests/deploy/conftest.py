"""Deploy drills: a real `seawall` process against an emulator the test starts, playing the account.

Nothing here talks to AWS: every command gets `--endpoint-url` of a loopback emulator, and the
emulator's fake credentials replace any real ones in the child's environment.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from seawall.emulator import Emulator
from seawall.project import STATE_DIR_ENV


@dataclass
class Seawall:
    """Runs `seawall <command> --env local --endpoint-url <emulator>` as a user would."""

    project_root: Path
    emulator: Emulator
    env: dict[str, str]
    endpoint: str | None = None  # another endpoint in front of the emulator (a proxy)

    def through(self, endpoint: str) -> Seawall:
        return dataclasses.replace(self, endpoint=endpoint)

    def run(self, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "seawall", "--project-dir", str(self.project_root)]
        endpoint = self.endpoint or self.emulator.endpoint
        command += [*argv, "--env", "local", "--endpoint-url", endpoint]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def json(self, *argv: str) -> tuple[int, dict]:
        done = self.run(*argv, "--json")
        try:
            document = json.loads(done.stdout)
        except ValueError:
            pytest.fail(
                f"no JSON on stdout (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done.returncode, document


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A fresh emulator for the module: the account the drills deploy into."""
    log = tmp_path_factory.mktemp("account") / "moto.log"
    with Emulator(log_path=log) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def seawall(
    project_root: Path,
    account: Emulator,
    tmp_path_factory: pytest.TempPathFactory,
    tf_mirror: str | None,
) -> Seawall:
    env = account.child_env()
    env[STATE_DIR_ENV] = str(tmp_path_factory.mktemp("seawall-state"))
    env.pop("AWS_ENDPOINT_URL", None)  # the command line names the endpoint, as a user's would
    if tf_mirror:
        env["SEAWALL_TF_MIRROR"] = tf_mirror
    return Seawall(project_root, account, env)


class AccountSettingsProxy:
    """A loopback proxy in front of the emulator that answers Lambda's GetAccountSettings itself.

    moto implements no GetAccountSettings (it answers 404) and no Service Quotas for Lambda, so
    an account whose concurrency quota is lower than a plan needs cannot be played by the emulator
    alone. This proxy answers that one call with the given limits, in AWS's response shape, and
    forwards every other request (terraform's included) to the emulator unchanged.
    """

    PATH = "/2016-08-19/account-settings"
    _HOP_BY_HOP = frozenset({"connection", "transfer-encoding", "keep-alive", "content-length"})

    def __init__(self, upstream: str, total: int, unreserved: int) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.settings = {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": total,
                "UnreservedConcurrentExecutions": unreserved,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
        }
        self.answered = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> AccountSettingsProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == "GET" and self.path.startswith(proxy.PATH):
                    proxy.answered += 1
                    self._send(
                        200,
                        {"Content-Type": "application/json"},
                        json.dumps(proxy.settings).encode(),
                    )
                    return
                upstream = http.client.HTTPConnection(proxy.upstream, timeout=60)
                try:
                    upstream.request(self.command, self.path, body, dict(self.headers.items()))
                    response = upstream.getresponse()
                    payload = response.read()
                    headers = {
                        k: v for k, v in response.getheaders() if k.lower() not in proxy._HOP_BY_HOP
                    }
                    self._send(response.status, headers, payload)
                finally:
                    upstream.close()

            def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _relay

        return Handler


@pytest.fixture
def account_settings_proxy(account: Emulator):
    """`with account_settings_proxy(total=..., unreserved=...) as proxy:` then `proxy.url`."""
    return lambda **limits: AccountSettingsProxy(account.endpoint, **limits)
