"""Shared by the cross-package tests: where the checkout is, the provider mirror to use, and the
one local stack the whole run shares.

`local_stack` is session-scoped: the stack is brought up once per test run (emulator, artifact,
terraform, gateway: the path `seawall up` takes, in a state directory of its own) and every test
that needs "a deployed stack" uses it. Tests that change it (faults, settings) put it back in a
`finally`. Tests that need a stack of their own (teardown checks, the CLI's own runs) start one
in another state directory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.local import LocalStack
from seawall.project import Project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tf_mirror() -> str | None:
    """The provider mirror nox found (SEAWALL_TF_MIRROR), or None to use Terraform's defaults."""
    return os.environ.get("SEAWALL_TF_MIRROR") or None


@pytest.fixture(scope="session")
def local_stack_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared stack's state directory (its artifacts, terraform data, logs)."""
    return tmp_path_factory.mktemp("local-stack")


@pytest.fixture(scope="session")
def local_stack(
    project_root: Path, local_stack_state_dir: Path, tf_mirror: str | None
) -> Iterator[LocalStack]:
    """The running local stack shared by the run: `.api_url`, `.api_key`, `.outputs`,
    `.emulator`, `.project`. Stopped (every process it started) when the session ends."""
    project = Project(project_root, state_override=local_stack_state_dir)
    with LocalStack(project, tf_mirror=tf_mirror) as stack:
        yield stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which("terraform") is None:
        skip = pytest.mark.skip(reason="needs terraform on PATH (nox checks this first)")
        for item in items:
            item.add_marker(skip)
