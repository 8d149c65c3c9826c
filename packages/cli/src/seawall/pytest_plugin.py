"""pytest fixtures for tests that need the local AWS emulator (a pytest11 entry point).

`aws_emulator` is session-scoped: one moto server for the whole run, started by the same
`seawall.emulator.Emulator` that `seawall up` uses, and stopped when the session ends, whether the
tests passed, failed or were interrupted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seawall.emulator import Emulator


@pytest.fixture(scope="session")
def aws_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A running emulator on loopback; `.endpoint`, `.client(name)`, `.client_env()`."""
    log_path = tmp_path_factory.mktemp("emulator") / "moto.log"
    with Emulator(log_path=log_path) as emulator:
        yield emulator
