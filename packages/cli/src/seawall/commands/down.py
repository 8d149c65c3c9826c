"""`seawall down`: stop the local stack that runs from this state directory (`up --detach`)."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

from seawall.background import stop_recorded
from seawall.commands._common import progress, project
from seawall.errors import EXIT_OK
from seawall.local_session import ENVIRONMENT
from seawall.state_lock import StateLock


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "down",
        help="stop the local stack of this state directory (one started with up --detach)",
        description="Stop exactly the processes the running local stack recorded in its state "
        "directory: the `seawall up` process first (it tears down what it started), then any "
        "of its emulator and gateway that is still there.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    current = project(args)
    session_path = current.session_file(ENVIRONMENT)
    session = _read(session_path)
    lock = StateLock(current.environment_dir(ENVIRONMENT) / "up.lock")
    holder = lock.holder()
    if session is None and holder is not None and holder.get("pid"):
        # Still starting (no session yet): stop the `up` process itself; it cleans up.
        session = {"processes": [{"role": "up", "pid": holder["pid"]}]}
    if session is None:
        progress(f"no local stack runs from {current.state_dir}")
        return EXIT_OK
    stopped = stop_recorded(session)
    with contextlib.suppress(FileNotFoundError):
        session_path.unlink()  # the up process removes it itself, unless it was killed
    progress(f"stopped {', '.join(stopped)}" if stopped else "nothing was running any more")
    return EXIT_OK


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None
