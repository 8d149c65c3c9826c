"""A deploy, start to finish, and what happens when part of it fails.

    build, init, plan, preflight (seawall.planflow) -> show the plan -> confirm
    -> apply (retried when AWS throttles) -> canary (when asked) -> smoke -> record the release

When apply, smoke or canary fails, the last good release is applied again from its own recorded
tree, tfvars and artifact, and smoked; the deploy then fails (exit 1) saying what failed and what
is live now. A first deploy that fails has no release to go back to: what it created is destroyed,
unless the caller keeps it to look at (`keep_failed`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawall.canary import POLL_SECONDS, CanaryController, CanarySpec
from seawall.canaryprobe import Probe
from seawall.errors import EXIT_USAGE, SeawallError, UsageError
from seawall.planflow import plan_with_preflight
from seawall.plansummary import render, summarize
from seawall.postdeploy import may_reuse_gateway, serving, smoke_origin
from seawall.preflight import render_table
from seawall.project import Project
from seawall.releases import Release, ReleaseStore, pack_tree
from seawall.runtime.pool import REFRESH_S
from seawall.smoke import run_deploy_smoke
from seawall.stackplan import (
    Plan,
    applied_outputs,
    init_backend,
    make_plan,
    stack_variables,
)
from seawall.stackrun import (
    ReleaseCheckout,
    apply_plan_with_retries,
    recorded_variables,
    release_checkout,
)
from seawall.target import Target
from seawall.terraform import Terraform, TerraformError
from seawall.tfevents import ApplyEvent
from seawall.timing import Phases

API_FUNCTION = "module.api_function.aws_lambda_function.this"


class DeployFailed(SeawallError):
    """A deploy failed after it had started changing the stack (exit 1)."""


class PreflightFailed(SeawallError):
    """A preflight check failed: nothing was applied (exit 2)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class DeployOptions:
    auto_approve: bool = False
    canary: CanarySpec | None = None
    rollback: bool = True
    keep_failed: bool = False


@dataclass(frozen=True)
class DeployOutcome:
    release: Release | None  # None: nothing changed
    live: int | None


class Deployer:
    """Deploys, rolls back and destroys one target's stack; `say` prints progress for a person."""

    def __init__(
        self,
        target: Target,
        project: Project,
        *,
        tf_mirror: str | None,
        say: Callable[[str], None],
        on_event: Callable[[ApplyEvent], None] | None = None,
        confirm: Callable[[str], bool] | None = None,
    ) -> None:
        self.target = target
        self.project = project
        self._tf_mirror = tf_mirror
        self._say = say
        self._on_event = on_event
        self._confirm = confirm
        self.store = ReleaseStore(target.client("s3"), target.backend().bucket, target.env)
        # Each progress step as a phase: the command prints where the time went.
        self.phases = Phases(on_start=lambda name: say(f"{name}..."))

    @property
    def _work_dir(self) -> Path:
        """Logs and scratch of the gateways this deploy starts, per environment and region."""
        return self.project.environment_dir(self.target.env) / self.target.region

    def approved(self, question: str) -> bool:
        """The person at the terminal said yes (False when there is no one to ask)."""
        return bool(self._confirm and self._confirm(question))

    # -- deploy -----------------------------------------------------------------------------

    def deploy(self, options: DeployOptions) -> DeployOutcome:
        last = self.store.last_good()
        planned = plan_with_preflight(
            self.target,
            self.project,
            tf_mirror=self._tf_mirror,
            on_progress=self._step,
            preflight_unchanged=last is None,  # nothing to apply: nothing to check
        )
        if planned.report.failed:
            self._say("preflight:\n" + render_table(planned.report))
            raise PreflightFailed("preflight failed; nothing was applied")
        terraform, plan = planned.terraform, planned.plan
        if not plan.changes and last is not None:
            self._say(f"nothing to change: release {last.number} stays live")
            return DeployOutcome(release=None, live=last.number)
        self._say(render(summarize(plan.document)))
        if not options.auto_approve and not self.approved("apply this plan?"):
            raise UsageError("the plan was not approved; nothing was applied")

        canary = None
        if options.canary and last is not None and changes_resource(plan.document, API_FUNCTION):
            controller = self._canary_controller(terraform)
            stable = controller.live_version()
            if stable is not None:
                canary = (controller, stable)
                variables = {**plan.variables, "api_canary": options.canary.variable(stable)}
                plan = make_plan(terraform, self.target, self.project, variables, out=plan.path)

        applied = self._apply_and_verify(terraform, self.project, plan, canary, options)
        if isinstance(applied, str):
            self._fail(applied, last, terraform, plan, options)
        self._step("record the release")
        release = self.store.record(
            tree=pack_tree(self.project.root / "terraform"),
            artifact=planned.artifact.path,
            tfvars=self.project.var_file(self.target.env).read_text(),
            variables=recorded_variables(plan.variables),
            outputs=applied,
            region=self.target.region,
        )
        self.store.set_live(release.number)
        self._say(f"release {release.number} is live")
        return DeployOutcome(release=release, live=release.number)

    def _apply_and_verify(
        self,
        terraform: Terraform,
        project: Project,
        plan: Plan,
        canary: tuple[CanaryController, str] | None,
        options: DeployOptions,
    ) -> str | dict[str, Any]:
        """The stack's outputs when the plan applied, passed its canary (if any) and its smoke
        check; else what failed."""
        # Asked before the apply, while the plan's document still describes what it applies.
        reuse = may_reuse_gateway(self.target, self.project, lambda: plan.document, self._say)
        self._step("apply")
        try:
            apply_plan_with_retries(
                terraform, self.target, project, plan, on_event=self._on_event, say=self._say
            )
        except TerraformError as error:
            return f"apply failed: {error}"
        # From here the stack runs the new, unverified release: whatever goes wrong (outputs that
        # cannot be read, a local gateway that does not start, an alarm that cannot be read) is a
        # failed deploy and rolls back, like a failed smoke check; only Ctrl-C stops short of it.
        try:
            self._step("outputs")
            outputs = applied_outputs(terraform, self.target)
            return self._verify(project, outputs, canary, options.canary, reuse) or outputs
        except Exception as error:
            return f"checking the applied release failed: {error}"

    def _verify(
        self,
        project: Project,
        outputs: dict[str, Any],
        canary: tuple[CanaryController, str] | None,
        spec: CanarySpec | None,
        reuse: bool,
    ) -> str | None:
        """The canary (if any), then the smoke check, through one gateway on an emulator (see
        seawall.postdeploy: `reuse` lets a running `seawall up`'s serve); None when both passed."""
        watched = canary is not None and spec is not None
        self._step("canary" if watched else "smoke")  # the gateway's start counts to the first
        with serving(
            self.target, self.project, outputs, self._work_dir, reuse=reuse, say=self._say
        ) as url:
            if canary is not None and spec is not None:
                failure = self._canary(*canary, spec, url)
                if failure is not None:
                    return failure
                self._step("smoke")
                # A running gateway's pools check the alias again on the first invocation this
                # long after their last check: the smoke sees the promoted version only.
                time.sleep(REFRESH_S)
            return self._smoke(project, outputs, url)

    def _canary(
        self, controller: CanaryController, stable: str, spec: CanarySpec, url: str
    ) -> str | None:
        """Watch the canary with probe traffic flowing through `url` (on an emulator, a local
        gateway, which also evaluates the stack's alarms); None when the new version took over."""
        routed = controller.canary_version()
        with Probe(url) as probe:
            result = controller.watch(stable, routed[1] if routed else stable, spec)
        self._say(f"{result.detail} ({probe.summary()})")
        return None if result.passed else f"canary failed: {result.detail}"

    def _smoke(self, project: Project, outputs: dict[str, Any], url: str) -> str | None:
        smoke = run_deploy_smoke(
            url, str(outputs["api_key"]), smoke_origin(project.var_file(self.target.env))
        )
        if not smoke.passed:
            return f"smoke check failed: {smoke.detail}"
        self._say(f"smoke: {smoke.detail}")
        return None

    def _fail(
        self,
        failure: str,
        last: Release | None,
        terraform: Terraform,
        plan: Plan,
        options: DeployOptions,
    ) -> None:
        self._say(failure)
        if not options.rollback:
            raise DeployFailed(f"{failure}\nnothing was rolled back (--no-rollback)")
        if last is not None:
            self._say(f"rolling back to release {last.number}...")
            try:
                self.reapply(last.number)
            except SeawallError as error:
                raise DeployFailed(
                    f"{failure}\nand the rollback to release {last.number} failed too: {error}"
                ) from None
            raise DeployFailed(f"{failure}\nrolled back: release {last.number} is live again")
        if options.keep_failed:
            raise DeployFailed(f"{failure}\nthe half-created stack was kept (--keep-failed)")
        self._say("the first deploy failed: destroying what it created...")
        self._destroy(terraform, self.project, plan.variables)
        raise DeployFailed(f"{failure}\nwhat the first deploy created was destroyed")

    # -- rollback ---------------------------------------------------------------------------

    def reapply(self, number: int) -> str:
        """Apply release `number` again from its own tree, tfvars and artifact, smoke it, and
        make it live. Returns the smoke check's detail."""
        with tempfile.TemporaryDirectory(prefix=f"seawall-release-{number}-") as scratch:
            checkout = self._checkout(number, Path(scratch))
            terraform = self._init(checkout.project)
            self._step(f"plan release {number}")
            plan = make_plan(terraform, self.target, checkout.project, checkout.variables())
            reuse = may_reuse_gateway(self.target, self.project, lambda: plan.document, self._say)
            self._step(f"apply release {number}")
            apply_plan_with_retries(
                terraform,
                self.target,
                checkout.project,
                plan,
                on_event=self._on_event,
                say=self._say,
            )
            outputs = applied_outputs(terraform, self.target)
            failure = self._verify(checkout.project, outputs, None, None, reuse)
        if failure is not None:
            raise DeployFailed(f"release {number} was applied, but its {failure}")
        self.store.set_live(number)
        self._say(f"release {number} is live")
        return f"release {number} is live"

    # -- destroy ----------------------------------------------------------------------------

    def destroy(self) -> list[str]:
        """Destroy the stack; deletion-protected tables stay. Returns the tables kept."""
        last = self.store.last_good()
        if last is None:  # nothing recorded: the checkout's configuration describes the stack
            artifact_variables = stack_variables(self.target, self.project, self._artifact())
            kept = self._destroy(self._init(self.project), self.project, artifact_variables)
        else:
            with tempfile.TemporaryDirectory(prefix="seawall-destroy-") as scratch:
                checkout = self._checkout(last.number, Path(scratch))
                terraform = self._init(checkout.project)
                kept = self._destroy(terraform, checkout.project, checkout.variables())
        self.store.clear_live()
        return kept

    def _destroy(self, terraform: Terraform, project: Project, variables: dict[str, str]) -> list:
        kept = forget_protected_tables(terraform, self.target.client("dynamodb"))
        variables = {k: v for k, v in variables.items() if k != "api_canary"}
        self._step("plan destroy")
        plan = make_plan(terraform, self.target, project, variables, destroy=True)
        self._step("destroy")
        apply_plan_with_retries(
            terraform,
            self.target,
            project,
            plan,
            on_event=self._on_event,
            say=self._say,
            destroy=True,
        )
        return kept

    # -- helpers ----------------------------------------------------------------------------

    def _step(self, name: str) -> None:
        self.phases.mark(name)

    def _init(self, project: Project) -> Terraform:
        return init_backend(self.target, project, tf_mirror=self._tf_mirror)

    def _checkout(self, number: int, scratch: Path) -> ReleaseCheckout:
        return release_checkout(self.store.unpack(number, scratch), self.project)

    def _artifact(self) -> Any:
        from seawall.build_cache import cached_artifact  # noqa: PLC0415

        return cached_artifact(self.project.root, self.project.artifact_store)

    def _canary_controller(self, terraform: Terraform) -> CanaryController:
        poll_seconds = POLL_SECONDS
        if self.target.is_emulator:
            from seawall.runtime.local_runtime import local_time_scale  # noqa: PLC0415

            # The local runtime's alarm periods pass N times faster: so does the watch's poll.
            poll_seconds /= local_time_scale()
        return CanaryController(
            self.target.client("lambda"),
            self.target.client("cloudwatch"),
            str(terraform.outputs()["api_function_name"]),
            on_status=self._say,
            poll_seconds=poll_seconds,
        )


def changes_resource(plan: dict[str, Any], address: str) -> bool:
    """Whether a `terraform show -json` plan changes the resource at `address`."""
    for change in plan.get("resource_changes", []):
        if change.get("address") == address:
            return change.get("change", {}).get("actions", ["no-op"]) not in (["no-op"], ["read"])
    return False


def forget_protected_tables(terraform: Terraform, dynamodb: Any) -> list[str]:
    """Take deletion-protected tables out of the state, so destroy leaves them; their names.

    Protection is read from DynamoDB itself, not from the state: someone may have switched it on
    by hand since the last apply, and destroy must not fail halfway on that table."""
    state = terraform.show_json()
    kept = []
    for resource in _state_resources(state.get("values", {}).get("root_module", {})):
        if resource.get("type") != "aws_dynamodb_table" or resource.get("mode") != "managed":
            continue
        name = str((resource.get("values") or {}).get("name"))
        try:
            table = dynamodb.describe_table(TableName=name)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            continue
        if table.get("DeletionProtectionEnabled"):
            terraform.state_rm(resource["address"])
            kept.append(name)
    return kept


def _state_resources(module: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found.extend(_state_resources(child))
    return found
