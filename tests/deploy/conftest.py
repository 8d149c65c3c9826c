"""Deploy drills: a real `seawall` process against an emulator the test starts, playing the account.

Nothing here talks to AWS: every command gets `--endpoint-url` of a loopback emulator, and the
emulator's fake credentials replace any real ones in the child's environment.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from intercepting_proxy import Answer, InterceptingProxy

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


class AccountSettingsProxy(InterceptingProxy):
    """A loopback proxy in front of the emulator that answers Lambda's GetAccountSettings itself.

    moto implements no GetAccountSettings (it answers 404) and no Service Quotas for Lambda, so
    an account whose concurrency quota is lower than a plan needs cannot be played by the emulator
    alone. This proxy answers that one call with the given limits, in AWS's response shape, and
    forwards every other request (terraform's included) to the emulator unchanged.
    """

    PATH = "/2016-08-19/account-settings"

    def __init__(self, upstream: str, total: int, unreserved: int) -> None:
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
        super().__init__(upstream, self._account_settings)

    def _account_settings(self, method: str, path: str, _headers: object) -> Answer | None:
        if method != "GET" or not path.startswith(self.PATH):
            return None
        self.answered += 1
        return 200, {"Content-Type": "application/json"}, json.dumps(self.settings).encode()


@pytest.fixture
def account_settings_proxy(account: Emulator):
    """`with account_settings_proxy(total=..., unreserved=...) as proxy:` then `proxy.url`."""
    return lambda **limits: AccountSettingsProxy(account.endpoint, **limits)
