"""Where `seawall verify`'s reports go, printed at the end of the run (CI keeps them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPORT_DIR = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def verify_report_dir(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    # SEAWALL_VERIFY_REPORT_DIR keeps the reports where CI collects them; else a temporary dir.
    chosen = os.environ.get("SEAWALL_VERIFY_REPORT_DIR")
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("verify-report")
    request.config.stash[REPORT_DIR] = directory
    return directory


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    directory = config.stash.get(REPORT_DIR, None)
    if directory is not None:
        terminalreporter.write_sep("-", "seawall verify report")
        for name in ("verify.html", "verify.json", "verify.junit.xml"):
            terminalreporter.write_line(str(directory / name))
