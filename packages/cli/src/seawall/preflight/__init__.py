"""Preflight: named checks of a plan and the account it goes to, before anything is applied.

    report = run_preflight(target, project, plan_json)
    report.failed      # any check failed: do not apply
    report.variables   # -var values preflight decided (the log bucket's suffix): re-plan with them

One module per family: quotas, log bucket name, IAM policies, IAM simulation, timeouts, alarm
subscribers, static checks (validate, checkov). Each check says pass / warn / fail, what it found
and, unless it passed, a one-line hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seawall.preflight import (
    alarms,
    iam_policies,
    iam_simulation,
    log_bucket,
    quotas,
    static,
    timeouts,
)
from seawall.preflight.context import Context
from seawall.preflight.planview import PlanView
from seawall.preflight.report import CheckResult, PreflightReport, render_table
from seawall.project import Project
from seawall.target import Target
from seawall.terraform import Terraform

# The log bucket comes first: its choice changes the plan the others read (after a re-plan).
FAMILIES: tuple[Callable[[Context], list[CheckResult]], ...] = (
    log_bucket.check,
    quotas.check,
    iam_policies.check,
    iam_simulation.check,
    timeouts.check,
    alarms.check,
    static.check,
)


def run_preflight(
    target: Target,
    project: Project,
    plan_json: dict[str, Any],
    *,
    request_increases: bool = False,
    terraform: Terraform | None = None,
    static_checks: bool = True,
) -> PreflightReport:
    """Every check against `plan_json` (`terraform show -json` of the plan to apply).

    `terraform`: the initialised stack, reused for `validate`; `static_checks=False` leaves out
    validate and checkov (a re-plan after preflight changed a variable need not repeat them)."""
    context = Context(
        target=target,
        project=project,
        plan=PlanView(plan_json),
        request_increases=request_increases,
        terraform=terraform,
    )
    report = PreflightReport()
    for family in FAMILIES:
        if family is static.check and not static_checks:
            continue
        report.checks.extend(family(context))
    report.variables.update(context.variables)
    return report


__all__ = ["CheckResult", "PreflightReport", "render_table", "run_preflight"]
