"""Deploy drills: a real `seawall` process against an emulator the test starts, playing the account.

Nothing here talks to AWS: every command gets `--endpoint-url` of a loopback emulator, and the
emulator's fake credentials replace any real ones in the child's environment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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

    def run(self, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "seawall", "--project-dir", str(self.project_root)]
        command += [*argv, "--env", "local", "--endpoint-url", self.emulator.endpoint]
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
