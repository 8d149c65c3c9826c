"""The post-deploy smoke check, against AWS or through the local runtime serving the emulator.

On AWS the stack's own `api_url` is called. On an emulator, nothing runs Lambda code but seawall's
local runtime, so a gateway is started on the API just applied for the check (or the canary),
and stopped after.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seawall.emulator import Connection
from seawall.project import Project
from seawall.runtime.gateway_process import GatewayProcess
from seawall.smoke import SmokeResult, run_deploy_smoke

if TYPE_CHECKING:
    from seawall.target import Target

_CORS_ORIGINS = re.compile(r"^\s*cors_allow_origins\s*=\s*\[(?P<list>[^\]]*)\]", re.MULTILINE)


def smoke_origin(var_file: Path) -> str | None:
    """An origin the environment allows (no wildcard), for the CORS part of the smoke check."""
    match = _CORS_ORIGINS.search(var_file.read_text())
    if not match:
        return None
    origins = re.findall(r'"([^"]+)"', match["list"])
    return next((origin for origin in origins if "*" not in origin), None)


@contextlib.contextmanager
def serving(
    target: Target, project: Project, outputs: dict[str, Any], work_dir: Path
) -> Iterator[str]:
    """The URL the deployed API answers on while the block runs: on AWS its own `api_url`; on an
    emulator a local gateway started for the block (it also evaluates the stack's alarms)."""
    if not target.is_emulator:
        yield str(outputs["api_url"])
        return
    assert target.endpoint_url is not None
    gateway = GatewayProcess(
        Connection(url=target.endpoint_url, region=target.region),
        api_id=str(outputs["api_id"]),
        stage=str(outputs["api_stage"]),
        artifact_store=project.artifact_store,
        work_dir=work_dir / "runtime",
        log_path=work_dir / "logs" / "gateway.log",
    ).start()
    try:
        yield gateway.url
    finally:
        gateway.stop()


def smoke_deployment(
    target: Target, project: Project, outputs: dict[str, Any], origin: str | None, work_dir: Path
) -> SmokeResult:
    with serving(target, project, outputs, work_dir) as url:
        return run_deploy_smoke(url, str(outputs["api_key"]), origin)
