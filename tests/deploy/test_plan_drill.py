"""`seawall plan` against the shared applied stack (tests/conftest.py's `local_stack`).

Plan-only: the state is read, locked for the plan's duration and left as it was; nothing is
applied, so the shared stack needs no restoring.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seawall.project import STATE_DIR_ENV

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]


@pytest.fixture(scope="module")
def plan_command(project_root: Path, local_stack, local_stack_state_dir: Path, tf_mirror):
    """`seawall plan` on the shared stack's emulator, with the shared stack's state directory
    (the same artifact store: the function's zip path and hash are those that were applied)."""
    env = local_stack.emulator.child_env()
    env.pop("AWS_ENDPOINT_URL", None)
    env[STATE_DIR_ENV] = str(local_stack_state_dir)
    env.pop("NO_COLOR", None)
    if tf_mirror:
        env["SEAWALL_TF_MIRROR"] = tf_mirror
    command = [sys.executable, "-m", "seawall", "--project-dir", str(project_root), "plan"]
    command += ["--env", "local", "--endpoint-url", local_stack.emulator.endpoint]
    return command, env


def test_plan_of_the_applied_stack_reports_no_changes(plan_command) -> None:
    command, env = plan_command
    done = subprocess.run(
        [*command, "--json"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr  # -detailed-exitcode: no changes
    assert json.loads(done.stdout)["changes"] is False
    assert "plan: no changes" in done.stderr
    assert "names.log-bucket" in done.stderr  # preflight ran: the bucket is in the state


def run_on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal, as a user's shell would; (exit code, stderr)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal
    )
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 600  # the whole run, not each read: output cannot extend it
    while True:
        ready, _, _ = select.select([controller], [], [], max(0.0, deadline - time.monotonic()))
        if not ready or time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=60)
            pytest.fail("seawall plan did not finish within 10 minutes")
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return process.wait(timeout=60), output.decode("utf-8", "replace")


def test_renaming_the_stack_shows_stateful_replacements_in_red(plan_command) -> None:
    command, env = plan_command
    code, stderr = run_on_a_terminal([*command, "--var", "name=renamed"], env)
    assert code == 2, stderr  # changes
    warning = next(line for line in stderr.splitlines() if "WARNING" in line)
    assert "stateful resource(s) would be replaced or destroyed" in warning
    assert "\x1b[31m" in warning  # red on a terminal
    red = [line for line in stderr.splitlines() if line.startswith("\x1b[31m  ")]
    replaced = " ".join(red)
    for address in (
        "module.data_table.aws_dynamodb_table.this",
        "module.async_jobs.aws_sqs_queue.this",
        "module.log_bucket.aws_s3_bucket.this",
    ):
        assert address in replaced
