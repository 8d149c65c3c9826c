"""Shared by the cross-package tests: where the checkout is, the provider mirror to use, and the
local stacks of the run.

- `local_stack` (session): the run's one cold apply (emulator, artifact, terraform from an empty
  emulator, gateway: the path `seawall up --fresh` takes, in a state directory of its own). Every
  test that needs "a deployed stack" uses it; tests that change it (faults, settings) put it back
  in a `finally`. Its apply leaves a snapshot of the emulator behind.
- `restored_stack` (session): the same stack restored from that snapshot into a second emulator,
  as `seawall up` does when nothing changed; the end-to-end tests run on both.
- `stack_state_dir` (per test): a state directory of its own that shares the shared stack's
  artifact store and snapshots (links), for tests that bring up a stack themselves (teardown,
  the CLI's own runs): theirs is restored in seconds instead of applied again.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.local_stack import LocalStack
from seawall.project import Project
from seawall.runtime.alarms import TIME_SCALE_ENV

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C reaches the `seawall` processes the tests start, however the run itself was started.
    A shell without job control starts a background command (`nox -s tests &`) with SIGINT
    ignored, and children inherit that: the drills that press Ctrl-C would see nothing happen.
    A handler of this process is reset to the default in every child it execs."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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
    # Alarm periods and Firehose buffers pass 60 times faster on the shared stack (the gateway
    # reads this when it starts): tests/verify sees an Errors alarm go to ALARM and an access log
    # land in S3 in seconds, not minutes.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TIME_SCALE_ENV, os.environ.get(TIME_SCALE_ENV, "60"))
        stack = LocalStack(project, tf_mirror=tf_mirror, fresh=True).__enter__()
    try:
        yield stack
    finally:
        stack.__exit__(None, None, None)


def linked_state_dir(shared: Path, directory: Path) -> Path:
    """`directory` as a state directory that shares `shared`'s artifacts and snapshots.

    The artifact's path is part of a snapshot's key (it is a Terraform variable); seawall keys by
    the resolved path, so the link makes both directories' keys equal."""
    (directory / "local").mkdir(parents=True, exist_ok=True)
    (directory / "artifacts").symlink_to(shared / "artifacts", target_is_directory=True)
    (directory / "local" / "snapshots").symlink_to(
        shared / "local" / "snapshots", target_is_directory=True
    )
    return directory


@pytest.fixture
def stack_state_dir(local_stack: LocalStack, tmp_path: Path) -> Path:
    """A state directory of this test's own, sharing the shared stack's snapshots."""
    return linked_state_dir(local_stack.project.state_dir, tmp_path / "state")


@pytest.fixture(scope="session")
def restored_stack(
    local_stack: LocalStack,
    project_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
    tf_mirror: str | None,
) -> Iterator[LocalStack]:
    """The shared stack's snapshot restored into an emulator of its own and served."""
    directory = linked_state_dir(
        local_stack.project.state_dir, tmp_path_factory.mktemp("restored-stack")
    )
    with LocalStack(Project(project_root, state_override=directory), tf_mirror=tf_mirror) as stack:
        assert stack.restored is not None, f"expected a restore, phases: {stack.phases.summary()}"
        yield stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which("terraform") is None:
        skip = pytest.mark.skip(reason="needs terraform on PATH (nox checks this first)")
        for item in items:
            item.add_marker(skip)
