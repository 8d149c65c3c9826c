"""The post-deploy smoke check, against AWS or through the local runtime serving the emulator.

On AWS the stack's own `api_url` is called. On an emulator, nothing runs Lambda code but seawall's
local runtime: the gateway a running `seawall up` keeps for that emulator's stack when there is
one and it can serve what was applied, else a gateway started on the API just applied for the
check (or the canary), and stopped after.

A running gateway re-reads a function's configuration and its alias's routing on the first
invocation REFRESH_S after its last check, and the stage's keys and limits every second; what it
reads once, when it starts (the API's routes and integrations, its gateway responses, the stage
and its access-log settings), a deploy that changes it needs a gateway of its own for the checks.
The checks call the API only: a changed queue mapping (the worker's new version, where the worker
is subscribed by version) does not stop the reuse, but that gateway's queue poller keeps the
mapping it started with, and the deploy says so.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from seawall.emulator import Connection
from seawall.local_session import read_session
from seawall.project import Project
from seawall.runtime.gateway_process import GatewayProcess
from seawall.runtime.pool import REFRESH_S

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


# What a running gateway reads only when it starts: a plan that changes any of these needs a
# gateway started after the apply. Usage plans, their keys and method settings it re-reads.
_READ_AT_START = "aws_api_gateway_"
_POLLED_AT_START = "aws_lambda_event_source_mapping"
_REREAD_LIVE = frozenset(
    {
        "aws_api_gateway_usage_plan",
        "aws_api_gateway_usage_plan_key",
        "aws_api_gateway_api_key",
        "aws_api_gateway_method_settings",
        "aws_api_gateway_account",
    }
)


def running_gateway_can_serve(plan: dict[str, Any]) -> bool:
    """Whether a gateway that was running before the apply of `plan` (`terraform show -json`)
    serves the API as applied: nothing of the API it reads only at its start changes."""
    return not any(
        kind.startswith(_READ_AT_START) and kind not in _REREAD_LIVE for kind in _changed(plan)
    )


def changes_queue_mappings(plan: dict[str, Any]) -> bool:
    return _POLLED_AT_START in _changed(plan)


def _changed(plan: dict[str, Any]) -> set[str]:
    """The resource types `plan` changes."""
    return {
        str(change.get("type", ""))
        for change in plan.get("resource_changes", [])
        if change.get("change", {}).get("actions", ["no-op"]) not in (["no-op"], ["read"])
    }


def up_session(target: Target, project: Project) -> dict[str, Any] | None:
    """The session of a running `seawall up` on the target's emulator (None: none runs there)."""
    session = read_session(project) if target.is_emulator and target.endpoint_url else None
    if not session:
        return None
    emulator = session.get("emulator") or {}
    same_emulator = (str(emulator.get("url", "")).rstrip("/"), emulator.get("region")) == (
        str(target.endpoint_url).rstrip("/"),
        target.region,
    )
    return session if same_emulator else None


def may_reuse_gateway(
    target: Target,
    project: Project,
    plan: dict[str, Any] | Callable[[], dict[str, Any]],
    say: Callable[[str], None] = lambda message: None,
) -> bool:
    """Before an apply: whether a running `seawall up`'s gateway may serve what it applies.
    `plan` (the document, or what reads it) is read only when such a gateway runs."""
    if up_session(target, project) is None:
        return False
    document = plan() if callable(plan) else plan
    if changes_queue_mappings(document):
        say(
            "the running `seawall up` keeps polling its queues with the worker it started with: "
            "restart it (seawall down; seawall up) to run this release's worker"
        )
    return running_gateway_can_serve(document)


def running_gateway(target: Target, project: Project, outputs: dict[str, Any]) -> str | None:
    """The URL of the gateway a running `seawall up` keeps for this emulator's API and stage,
    if it answers; None when there is none (or it serves another emulator, API or stage)."""
    session = up_session(target, project)
    if session is None:
        return None
    gateway = session.get("gateway") or {}
    same_api = (gateway.get("api_id"), gateway.get("stage")) == (
        str(outputs["api_id"]),
        str(outputs["api_stage"]),
    )
    url = str(gateway.get("url", ""))
    return url if same_api and _answers(url) else None


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def serving(
    target: Target,
    project: Project,
    outputs: dict[str, Any],
    work_dir: Path,
    *,
    reuse: bool = True,
    say: Callable[[str], None] = lambda message: None,
) -> Iterator[str]:
    """The URL the deployed API answers on while the block runs: on AWS its own `api_url`; on an
    emulator the running `seawall up`'s gateway (unless `reuse` is False: the apply changed what
    it reads only at its start), else a local gateway started for the block (it also evaluates
    the stack's alarms)."""
    if not target.is_emulator:
        yield str(outputs["api_url"])
        return
    running = running_gateway(target, project, outputs)
    if running is not None and reuse:
        say(f"through the gateway of the running `seawall up` ({running})")
        # Its pools check the configuration again on the first invocation this long after their
        # last check: every request from here on sees what was just applied.
        time.sleep(REFRESH_S)
        yield running
        return
    if running is not None:
        say(
            f"the running `seawall up`'s gateway ({running}) serves the API's routes as they were "
            "when it started: restart it (seawall down; seawall up) to serve this release's"
        )
    assert target.endpoint_url is not None
    gateway = GatewayProcess(
        Connection(url=target.endpoint_url, region=target.region),
        api_id=str(outputs["api_id"]),
        stage=str(outputs["api_stage"]),
        artifact_store=project.artifact_store,
        work_dir=work_dir / "runtime",
        log_path=work_dir / "logs" / "gateway.log",
    ).start()
    say(f"through a local gateway started for the check ({gateway.url})")
    try:
        yield gateway.url
    finally:
        gateway.stop()
