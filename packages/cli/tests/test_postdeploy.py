"""Which gateway a deploy to an emulator checks through: a running `seawall up`'s, when it serves
that emulator's API and stage and the apply changed nothing it reads only at its start."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.postdeploy import may_reuse_gateway, running_gateway, running_gateway_can_serve
from seawall.project import Project
from seawall.target import Target

ROOT = Path(__file__).resolve().parents[3]
EMULATOR = "http://127.0.0.1:4566"
OUTPUTS = {"api_id": "abc123", "api_stage": "v1"}


def change(kind: str, *actions: str) -> dict:
    return {"type": kind, "address": f"module.x.{kind}.this", "change": {"actions": list(actions)}}


@pytest.mark.parametrize(
    ("changes", "can_serve"),
    [
        ([change("aws_lambda_function", "update"), change("aws_lambda_alias", "update")], True),
        ([change("aws_api_gateway_usage_plan", "update")], True),
        ([change("aws_api_gateway_method_settings", "update")], True),
        ([change("aws_api_gateway_integration", "no-op")], True),
        ([change("aws_api_gateway_integration", "update")], False),
        ([change("aws_api_gateway_deployment", "delete", "create")], False),
        ([change("aws_api_gateway_stage", "update")], False),
        # The checks call the API only; the deploy says that the up's poller is left as it was.
        ([change("aws_lambda_event_source_mapping", "update")], True),
    ],
)
def test_what_a_running_gateway_reads_at_its_start_must_not_change(
    changes: list[dict], can_serve: bool
) -> None:
    assert running_gateway_can_serve({"resource_changes": changes}) is can_serve


@pytest.fixture
def listening() -> Iterator[str]:
    """A URL something answers on (the running up's gateway, as far as a connect can tell)."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def up_running(tmp_path: Path, gateway_url: str, *, api_id: str = "abc123") -> Project:
    """A project whose `seawall up` session (this process, alive) names the emulator and gateway."""
    project = Project(ROOT, state_override=tmp_path)
    session = {
        "pid": os.getpid(),
        "emulator": {"url": EMULATOR, "region": "us-west-2", "pid": os.getpid()},
        "gateway": {"url": gateway_url, "pid": os.getpid(), "api_id": api_id, "stage": "v1"},
    }
    project.session_file().parent.mkdir(parents=True, exist_ok=True)
    project.session_file().write_text(json.dumps(session))
    return project


def emulator_target(url: str = EMULATOR, region: str = "us-west-2") -> Target:
    return Target(env="local", region=region, endpoint_url=url)


def test_the_running_ups_gateway_serves_its_own_emulator_api_and_stage(
    tmp_path: Path, listening: str
) -> None:
    project = up_running(tmp_path, listening)
    assert running_gateway(emulator_target(), project, OUTPUTS) == listening
    assert running_gateway(emulator_target(f"{EMULATOR}/"), project, OUTPUTS) == listening
    assert running_gateway(emulator_target(region="us-east-2"), project, OUTPUTS) is None
    assert running_gateway(emulator_target("http://127.0.0.1:4567"), project, OUTPUTS) is None
    assert running_gateway(emulator_target(), project, {**OUTPUTS, "api_id": "other"}) is None
    assert running_gateway(emulator_target(), project, {**OUTPUTS, "api_stage": "v2"}) is None


def test_no_reuse_without_an_up_or_when_its_gateway_does_not_answer(tmp_path: Path) -> None:
    project = Project(ROOT, state_override=tmp_path)
    assert running_gateway(emulator_target(), project, OUTPUTS) is None
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    project = up_running(tmp_path, f"http://127.0.0.1:{port}")
    assert running_gateway(emulator_target(), project, OUTPUTS) is None


def test_a_session_of_an_older_up_without_its_api_is_not_reused(
    tmp_path: Path, listening: str
) -> None:
    project = up_running(tmp_path, listening)
    session = json.loads(project.session_file().read_text())
    del session["gateway"]["api_id"], session["gateway"]["stage"]
    project.session_file().write_text(json.dumps(session))
    assert running_gateway(emulator_target(), project, OUTPUTS) is None


def test_the_plan_is_read_only_when_an_up_runs_on_the_targets_emulator(
    tmp_path: Path, listening: str
) -> None:
    def unread() -> dict:
        raise AssertionError("the plan was read without a running up")

    alone = Project(ROOT, state_override=tmp_path / "alone")
    assert may_reuse_gateway(emulator_target(), alone, unread) is False
    assert may_reuse_gateway(Target(env="dev", region="us-west-2"), alone, unread) is False

    project = up_running(tmp_path / "up", listening)
    routes = {"resource_changes": [change("aws_api_gateway_resource", "create")]}
    assert may_reuse_gateway(emulator_target(), project, lambda: routes) is False
    said: list[str] = []
    mapping = {"resource_changes": [change("aws_lambda_event_source_mapping", "update")]}
    assert may_reuse_gateway(emulator_target(), project, mapping, said.append) is True
    assert "keeps polling its queues with the worker it started with" in said[0]
