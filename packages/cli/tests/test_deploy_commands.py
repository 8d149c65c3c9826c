"""The deploy commands refuse bad usage before anything reaches an account (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.cli import main
from seawall.commands._deploying import default_canary

ROOT = Path(__file__).resolve().parents[3]
# An endpoint nothing listens on: a command that reached for the account would fail otherwise.
NOWHERE = ["--endpoint-url", "http://127.0.0.1:9"]


def run(*argv: str) -> int:
    return main(["--project-dir", str(ROOT), *argv])


def test_without_a_terminal_deploy_needs_auto_approve(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("deploy", "--env", "dev", *NOWHERE) == 2
    assert "--auto-approve" in capsys.readouterr().err


def test_a_bad_canary_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("deploy", "--env", "dev", "--auto-approve", "--canary", "150:5", *NOWHERE) == 2
    assert "PERCENT:MINUTES" in capsys.readouterr().err


def test_destroy_refuses_prod_without_the_explicit_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("destroy", "--env", "prod", "--auto-approve", *NOWHERE) == 2
    assert "--yes-destroy-prod" in capsys.readouterr().err


def test_prod_deploys_with_a_canary_by_default() -> None:
    assert default_canary((ROOT / "terraform" / "envs" / "prod.tfvars").read_text()) == "10:5"
    assert default_canary((ROOT / "terraform" / "envs" / "dev.tfvars").read_text()) == ""


def test_a_failure_after_the_apply_is_a_failed_deploy_that_rolls_back(
    aws_emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The apply itself is not what is tested (the deploy drills apply for real): it is replaced,
    # and the smoke's local gateway fails to start, as it would on a broken runtime. The deploy
    # must report a failure (which _fail rolls back), not let the error escape past the rollback.
    from seawall import deploy as deploy_module
    from seawall.errors import SeawallError
    from seawall.project import Project
    from seawall.target import Target

    def no_apply(*args, **kwargs) -> None:
        return None

    def gateway_down(*args, **kwargs):
        raise SeawallError("the local gateway did not start")

    class Applied:
        def outputs(self) -> dict[str, str]:
            return {"api_url": "http://127.0.0.1:9/v1"}

    monkeypatch.setattr(deploy_module, "apply_plan_with_retries", no_apply)
    monkeypatch.setattr(deploy_module, "serving", gateway_down)
    target = Target(env="dev", region="us-west-2", endpoint_url=aws_emulator.endpoint)
    deployer = deploy_module.Deployer(target, Project(ROOT), tf_mirror=None, say=lambda _: None)
    failure = deployer._apply_and_verify(
        Applied(), Project(ROOT), plan=None, canary=None, options=deploy_module.DeployOptions()
    )
    assert failure == "checking the applied release failed: the local gateway did not start"
