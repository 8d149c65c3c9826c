"""The session file a running `seawall up` keeps: which emulator and gateway serve the local stack.

Apart from `seawall.local_stack` (which writes it) so that readers such as `seawall.target` need not
import the whole local stack, and `local_stack` -> `bootstrap` -> `target` stays free of a cycle.
"""

from __future__ import annotations

import json
import os
from typing import Any

from seawall.project import Project

ENVIRONMENT = "local"


def read_session(project: Project) -> dict[str, Any] | None:
    """The running local stack's session, or None when no `seawall up` is serving."""
    path = project.session_file(ENVIRONMENT)
    try:
        session = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(int(session.get("pid", 0))):
        return None  # a stale file from a process that was killed
    return session


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
