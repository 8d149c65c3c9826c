"""Snapshots of the applied stack: a changed input is applied on top of the newest snapshot and
leaves no drift; one state directory runs one stack at a time.

These start from the run's shared stack (tests/conftest.py): its cold apply left the snapshot.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from seawall.errors import EXIT_USAGE
from seawall.local_stack import LocalStack
from seawall.project import STATE_DIR_ENV, Project
from seawall.terraform import PLAN_NO_CHANGES

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]


def test_a_changed_input_is_applied_on_the_snapshot_and_plans_no_drift(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None
) -> None:
    changed = {"log_level": "WARNING"}  # envs/local.tfvars says DEBUG
    project = Project(project_root, state_override=stack_state_dir)
    with LocalStack(project, tf_mirror=tf_mirror, variables=changed) as stack:
        assert stack.restored is None  # no snapshot has these inputs
        assert stack.applied_on is not None  # but terraform started from the newest one
        assert list(stack.phases.durations)[:5] == ["emulator", "build", "restore", "init", "apply"]
        lambda_ = stack.emulator.client("lambda")
        config = lambda_.get_function_configuration(FunctionName=stack.outputs["api_function_name"])
        assert config["Environment"]["Variables"]["SEAWALL_LOG_LEVEL"] == "WARNING"
        assert stack.smoke().passed
        plan = stack.terraform().plan(
            var_files=[project.var_file("local")], variables=stack.variables()
        )
        assert plan.returncode == PLAN_NO_CHANGES, plan.output[-3000:]
    # ... and that apply left a snapshot of its own: the same inputs now restore.
    with LocalStack(project, tf_mirror=tf_mirror, variables=changed) as again:
        assert again.restored is not None
        assert "apply" not in again.phases.durations


def test_a_second_up_in_the_same_state_dir_exits_2_and_names_the_holder(
    local_stack: LocalStack, project_root: Path
) -> None:
    session = local_stack.project.session_file("local")
    before = session.read_text()
    env = {**os.environ, STATE_DIR_ENV: str(local_stack.project.state_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "seawall", "--project-dir", str(project_root), "up", "--once"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == EXIT_USAGE, result.stderr
    assert f"held by process {os.getpid()}" in result.stderr
    assert session.read_text() == before  # the running stack's session is untouched
    assert local_stack.smoke().passed  # and it still serves
