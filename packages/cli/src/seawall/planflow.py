"""Build, plan, preflight, and plan again if preflight chose a variable: what comes before apply.

`seawall plan` and `seawall preflight` run this, and so does `seawall deploy` before it applies
`result.plan.path`. When preflight decides a variable (the log bucket's alternative name), the
plan is redone with it and the plan-reading checks run again on the new plan; the static checks
(validate, checkov) do not depend on variables and run once.

What does not depend on each other overlaps: the build runs while `terraform init` does, and
preflight's reads of the account (limits, usage, Service Quotas) and checkov's scan run while
`terraform plan` does (seawall.preflight.reads); the plan itself is the validation.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from seawall.build import Artifact
from seawall.build_cache import cached_artifact
from seawall.preflight import (
    AccountReads,
    PreflightReport,
    account_reads,
    log_bucket,
    run_preflight,
    tree_reads,
)
from seawall.project import Project
from seawall.stackplan import Plan, init_backend, make_plan, stack_variables
from seawall.target import Target
from seawall.terraform import Terraform


@dataclass
class PlannedChange:
    artifact: Artifact
    terraform: Terraform  # initialised against the target's backend
    plan: Plan  # the plan to apply (after any re-plan)
    report: PreflightReport


def plan_with_preflight(
    target: Target,
    project: Project,
    *,
    tf_mirror: str | None = None,
    request_increases: bool = False,
    on_progress: Callable[[str], None] = lambda message: None,
    on_terraform_line: Callable[[str], None] | None = None,
    preflight_unchanged: bool = True,
) -> PlannedChange:
    """`preflight_unchanged=False` skips the preflight of a plan that changes nothing (a no-op
    deploy of a live release applies nothing, so there is nothing to check)."""
    # The account first: missing or refused credentials are said before any build work.
    backend = target.backend()
    on_progress(f"build, and init ({backend.bucket}) meanwhile")
    with ThreadPoolExecutor(1, thread_name_prefix="build") as builder:
        building = builder.submit(cached_artifact, project.root, project.artifact_store)
        terraform = init_backend(target, project, tf_mirror=tf_mirror, on_line=on_terraform_line)
        artifact = building.result()
    variables = stack_variables(target, project, artifact)
    reads = AccountReads().start(account_reads(target))
    try:
        if preflight_unchanged:  # checked whatever the plan says; else only once it changes
            reads.start(tree_reads(project, reads))
        on_progress("plan")
        plan = make_plan(terraform, target, project, variables)
        if not plan.changes and not preflight_unchanged:
            return PlannedChange(
                artifact=artifact, terraform=terraform, plan=plan, report=PreflightReport()
            )
        reads.start(tree_reads(project, reads))
        on_progress("preflight")
        report = run_preflight(
            target,
            project,
            plan.document,
            request_increases=request_increases,
            terraform=terraform,
            reads=reads,
            plan_validated=True,
        )
        if report.variables:
            chosen = ", ".join(f"{name}={value}" for name, value in report.variables.items())
            on_progress(f"plan again with {chosen}")
            plan = make_plan(terraform, target, project, {**variables, **report.variables})
            again = run_preflight(
                target,
                project,
                plan.document,
                request_increases=request_increases,
                static_checks=False,
                reads=reads,
            )
            report = _merged(report, again)
    finally:
        reads.close()
    return PlannedChange(artifact=artifact, terraform=terraform, plan=plan, report=report)


def _merged(first: PreflightReport, again: PreflightReport) -> PreflightReport:
    """The second run's results, with the first run's account of the name it chose and its static
    checks (which the second run left out)."""
    checks = [check for check in first.checks if check.name == log_bucket.NAME]
    checks += [check for check in again.checks if check.name != log_bucket.NAME]
    checks += [check for check in first.checks if check.name.startswith("static.")]
    return PreflightReport(checks=checks, variables=dict(first.variables))
