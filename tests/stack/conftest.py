"""The root stack applied once per session on the emulator, through pytest-terraform.

pytest-terraform runs terraform with this process's environment, so the session fixture below
points that environment at a fresh emulator before the stack fixture applies:

- AWS_ENDPOINT_URL and fake credentials (from the emulator's `client_env()`);
- TF_CLI_CONFIG_FILE for the provider mirror, when nox found one (SEAWALL_TF_MIRROR);
- TF_CLI_ARGS_init completing the stack's partial `backend "s3" {}` with a bucket and lock table
  created in the emulator, the same path `seawall up` takes;
- TF_CLI_ARGS_plan reading terraform/envs/local.tfvars, and TF_VAR_* for the artifact.

`tests/stack/terraform/seawall_stack` is a symlink to terraform/stack, where pytest-terraform looks
for a module of that name.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_terraform import tf

from seawall.backend import BackendSettings, ensure_backend
from seawall.tfconfig import terraform_env

ROOT = Path(__file__).resolve().parents[2]
# pytest-terraform records the applied state here for --tf-replay, which these tests do not use
# (the emulator is the point); it holds the API key, so it goes when the session ends.
RECORDED_STATE = ROOT / "terraform" / "stack" / "tf_resources.json"
LOCAL_TFVARS = ROOT / "terraform" / "envs" / "local.tfvars"
BACKEND = BackendSettings(
    bucket="seawall-stack-tests-tfstate",
    key="tests/stack.tfstate",
    region="us-west-2",
    lock_table="seawall-stack-tests-tflock",
    path_style=True,
)


class RemoteStateRunner(tf.TerraformRunner):
    """pytest-terraform reads the state from a local file after `apply`; the stack keeps its state
    in the S3 backend (the emulator's), so pull it into that file once an apply has run."""

    def _run_cmd(self, args, output=False):  # type: ignore[no-untyped-def]
        result = super()._run_cmd(args, output)
        if len(args) > 1 and args[1] == "apply":
            state = super()._run_cmd([args[0], "state", "pull"], output=True)
            Path(self.state_path).write_bytes(state)
        return result


tf.TerraformRunner = RemoteStateRunner  # type: ignore[misc]


def artifact(directory: Path) -> tuple[Path, str]:
    """A small deterministic zip: the emulator stores Lambda code but never runs it."""
    path = directory / "artifact.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("seawall_handler/__init__.py", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, "def handler(event, context):\n    return {}\n")
    digest = base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
    return path, digest


@pytest.fixture(scope="session", autouse=True)
def stack_environment(
    aws_emulator, tmp_path_factory: pytest.TempPathFactory, tf_mirror: str | None
) -> Iterator[dict[str, str]]:
    """The environment terraform runs with; restored when the session ends."""
    work = tmp_path_factory.mktemp("stack")
    zip_path, zip_sha256 = artifact(work)
    ensure_backend(aws_emulator.client("s3"), aws_emulator.client("dynamodb"), BACKEND)
    backend_args = " ".join(f"-backend-config={k}={v}" for k, v in BACKEND.init_config().items())
    env = {
        **aws_emulator.client_env(),
        **terraform_env(tf_mirror, work / "terraformrc"),
        "TF_CLI_ARGS_init": backend_args,
        "TF_CLI_ARGS_plan": f"-var-file={LOCAL_TFVARS}",
        "TF_CLI_ARGS_destroy": f"-var-file={LOCAL_TFVARS}",
        "TF_VAR_function_zip_path": str(zip_path),
        "TF_VAR_function_zip_sha256": zip_sha256,
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        RECORDED_STATE.unlink(missing_ok=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
