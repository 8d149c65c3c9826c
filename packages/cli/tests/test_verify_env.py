"""`seawall verify --env E`: a deployed environment, read from its live release (outputs, the
artifact's SHA-256) in the state bucket; here the environment's resources are in the emulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from verify_stack import EmulatedStack

from seawall.cli import main
from seawall.errors import SeawallError
from seawall.releases import ReleaseStore
from seawall.target import Target
from seawall.verify.model import FAILING
from seawall.verify.registry import ALL
from seawall.verify.runner import run_checks
from seawall.verify.target import deployed_target

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def stack(aws_emulator) -> Iterator[EmulatedStack]:
    emulated = EmulatedStack(aws_emulator.connection).create().serve()
    yield emulated
    emulated.stop()


@pytest.fixture
def target(aws_emulator) -> Target:
    deployed = Target(
        env=f"v{uuid.uuid4().hex[:8]}", region="us-west-2", endpoint_url=aws_emulator.endpoint
    )
    s3 = deployed.client("s3")
    bucket = deployed.backend().bucket
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
        )
    return deployed


def release(target: Target, stack: EmulatedStack, artifact: bytes, tmp_path: Path) -> int:
    path = tmp_path / "artifact.zip"
    path.write_bytes(artifact)
    store = ReleaseStore(target.client("s3"), target.backend().bucket, target.env)
    outputs = {**stack.outputs, "api_url": stack.api_url, "api_key": stack.api_key}
    number = store.record(
        tree=b"", artifact=path, tfvars="", variables={}, outputs=outputs, region="us-west-2"
    ).number
    store.set_live(number)
    return number


def failing(target) -> set[str]:
    results = run_checks([c for c in ALL if not c.drill], target)
    return {r.check_id for r in results if r.status in FAILING}


def test_a_deployed_environment_is_verified_from_its_live_release(
    target: Target, stack: EmulatedStack, tmp_path: Path
) -> None:
    number = release(target, stack, stack.code, tmp_path)
    verified = deployed_target(target)
    assert verified.name == f"{target.env} (release {number})"
    assert verified.api_url == stack.api_url
    assert failing(verified) == set()


def test_code_that_is_not_the_release_fails_exactly_the_release_check(
    target: Target, stack: EmulatedStack, tmp_path: Path
) -> None:
    release(target, stack, b"another artifact", tmp_path)
    assert failing(deployed_target(target)) == {"code-sha-matches-release"}


def test_an_environment_without_a_live_release_cannot_be_verified(target: Target) -> None:
    with pytest.raises(SeawallError, match="has no live release") as raised:
        deployed_target(target)
    assert f"seawall deploy --env {target.env}" in str(raised.value)


def test_an_environment_without_settings_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--project-dir", str(ROOT), "verify", "--env", "nowhere"]) == 2
    assert "no settings for environment 'nowhere'" in capsys.readouterr().err
