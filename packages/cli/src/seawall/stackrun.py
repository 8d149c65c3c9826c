"""Applying a plan for a target, and a recorded release as something to plan again.

`apply_plan_with_retries` applies a saved plan; when AWS throttled it (or another failure that
clears, see `seawall.applyretry`), it plans again and applies the rest. `ReleaseCheckout` is a
release unpacked as a project of its own (its Terraform tree, tfvars included) that shares the
real project's state directory, so seawall.stackplan's init and plan work on it unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seawall.applyretry import apply_policy, apply_with_retries
from seawall.build import Artifact, stored_path
from seawall.project import Project
from seawall.releases import Release, UnpackedRelease
from seawall.stackplan import Plan, make_plan
from seawall.target import Target
from seawall.terraform import Terraform
from seawall.tfevents import ApplyEvent

# Set by the CLI for one apply, never recorded with a release: the artifact (the release keeps the
# file itself) and a canary's routing.
EPHEMERAL_VARIABLES = frozenset({"function_zip_path", "function_zip_sha256", "api_canary"})


def recorded_variables(variables: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in variables.items() if k not in EPHEMERAL_VARIABLES}


def with_artifact(variables: dict[str, str], artifact: Artifact) -> dict[str, str]:
    return {
        **variables,
        "function_zip_path": str(artifact.path),
        "function_zip_sha256": artifact.sha256_base64,
    }


def apply_plan_with_retries(
    terraform: Terraform,
    target: Target,
    project: Project,
    plan: Plan,
    *,
    on_event: Callable[[ApplyEvent], None] | None = None,
    say: Callable[[str], None] = lambda message: None,
    destroy: bool = False,
) -> None:
    """Apply `plan`; a retryable failure is planned again (the saved plan is stale once an apply
    has started) and applied, within retrylib's control-plane bounds."""
    attempts = 0

    def attempt() -> None:
        nonlocal attempts, plan
        if attempts:
            plan = make_plan(
                terraform, target, project, plan.variables, out=plan.path, destroy=destroy
            )
        attempts += 1
        terraform.apply_plan(plan.path, on_event=on_event)

    def on_retry(*, attempt: int, delay: float, error: Any, elapsed: float) -> None:
        say(
            f"apply attempt {attempt} failed ({error.retry_reason}); "
            f"planning and applying again in {delay:.0f}s"
        )

    apply_with_retries(attempt, apply_policy(on_retry=on_retry))


@dataclass(frozen=True)
class ReleaseCheckout:
    release: Release
    project: Project  # the release's tree as a project; state_dir is the real project's
    artifact: Artifact  # in the real artifact store, where the local runtime looks for code

    def variables(self) -> dict[str, str]:
        return with_artifact(dict(self.release.variables), self.artifact)


def release_checkout(unpacked: UnpackedRelease, project: Project) -> ReleaseCheckout:
    """`unpacked` (from ReleaseStore.unpack) as a project of its own, artifact in the store."""
    sha256_hex = unpacked.release.artifact_sha256
    stored = stored_path(project.artifact_store, sha256_hex)
    if not stored.is_file():
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(unpacked.artifact, stored)
    root = unpacked.stack_dir.parent.parent  # <scratch>/terraform/stack -> <scratch>
    return ReleaseCheckout(
        release=unpacked.release,
        project=Project(root, state_override=project.state_dir),
        artifact=Artifact(path=stored, sha256_hex=sha256_hex, size=stored.stat().st_size),
    )
