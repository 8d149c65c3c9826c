"""`seawall deploy --env local` beside a running `seawall up` (the shared stack, tests/conftest.py):
the deploy goes to that up's emulator, and its smoke check goes through that up's gateway, which
picks the applied configuration up, instead of a gateway started for the command.

The shared stack is changed (its function's log level) and put back by a second deploy, in a
finally; the releases both deploys record are removed after, so the state bucket is as it was.
The other path, no `seawall up` running, is every drill of test_deploy_drills.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from seawall.project import STATE_DIR_ENV

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]


def function_log_level(local_stack) -> str:
    config = local_stack.emulator.client("lambda").get_function_configuration(
        FunctionName="seawall-local-api", Qualifier="live"
    )
    return config["Environment"]["Variables"]["SEAWALL_LOG_LEVEL"]


def test_a_deploy_beside_a_running_up_smokes_through_its_gateway(
    project_root: Path, local_stack, local_stack_state_dir: Path, tf_mirror: str | None
) -> None:
    env = {**os.environ, STATE_DIR_ENV: str(local_stack_state_dir), "CHECKPOINT_DISABLE": "1"}
    env.pop("AWS_ENDPOINT_URL", None)  # no --endpoint-url either: the running up's emulator
    if tf_mirror:
        env["SEAWALL_TF_MIRROR"] = tf_mirror

    def deploy(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "seawall", "--project-dir", str(project_root)]
        # --keep-failed: the first deploy of this state has no release to roll back to, and a
        # failure must not destroy the shared stack.
        command += ["deploy", "--env", "local", "--auto-approve", "--keep-failed", *extra]
        return subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=600, check=False
        )

    through_up = f"through the gateway of the running `seawall up` ({local_stack.api_url})"
    own_gateway_log = local_stack_state_dir / "local" / "us-west-2" / "logs" / "gateway.log"
    try:
        changed = deploy("--var", "log_level=INFO", "--json")
        assert changed.returncode == 0, changed.stderr[-3000:]
        assert json.loads(changed.stdout)["release"] == 1
        assert through_up in changed.stderr, changed.stderr[-3000:]
        assert "smoke: health, created and read back item" in changed.stderr
        # envs/local.tfvars subscribes the worker by version: its mapping changed, and the up's
        # queue poller keeps the one it started with, which the deploy says.
        assert "keeps polling its queues with the worker it started with" in changed.stderr
        assert function_log_level(local_stack) == "INFO"
        assert not own_gateway_log.exists()  # no gateway was started for the command
    finally:
        restored = deploy()  # envs/local.tfvars' level again, smoked the same way
        s3 = local_stack.emulator.client("s3")
        bucket = local_stack.target().backend().bucket
        listed = s3.list_objects_v2(Bucket=bucket, Prefix="seawall/local/").get("Contents", [])
        for item in listed:
            if item["Key"].startswith("seawall/local/releases/") or item["Key"].endswith(
                "/live.json"
            ):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert through_up in restored.stderr, restored.stderr[-3000:]
    assert function_log_level(local_stack) == "DEBUG"
    assert not own_gateway_log.exists()
