"""Preflight: named checks of a plan and the account it goes to, before anything is applied.

    report = run_preflight(target, project, plan_json)
    report.failed      # any check failed: do not apply
    report.variables   # -var values preflight decided (the log bucket's suffix): re-plan with them

    reads = AccountReads().start(account_reads(target))   # asked while terraform plans
    report = run_preflight(target, project, plan_json, reads=reads, plan_validated=True)

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
from seawall.preflight.reads import AccountReads
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


def account_reads(target: Target) -> dict[str, Callable[[], Any]]:
    """What the checks read from the account whatever the plan says (limits, usage, Service
    Quotas): round trips to start while terraform plans (`AccountReads.start`); pass the same
    AccountReads to `run_preflight`."""
    return {
        **quotas.account_reads(target),
        iam_policies.ACCOUNT_SUMMARY: iam_policies.account_summary(target),
    }


def tree_reads(project: Project, reads: AccountReads) -> dict[str, Callable[[], Any]]:
    """checkov's scan of the Terraform tree (seconds of CPU when it is installed) and `terraform
    fmt -check`: start them while terraform plans when the plan will be checked whatever it
    says, else once it has changes (they then run beside `terraform show`). checkov is killed
    when `reads` is closed before it ends (Ctrl-C, a plan that fails)."""
    return {
        static.CHECKOV_READ: lambda: static.checkov_result(project.root, stop=reads.stopping),
        static.FMT_READ: lambda: static.fmt_check(project.root),
    }


def run_preflight(
    target: Target,
    project: Project,
    plan_json: dict[str, Any],
    *,
    request_increases: bool = False,
    terraform: Terraform | None = None,
    static_checks: bool = True,
    reads: AccountReads | None = None,
    plan_validated: bool = False,
) -> PreflightReport:
    """Every check against `plan_json` (`terraform show -json` of the plan to apply).

    `terraform`: the initialised stack, reused for `validate`; `static_checks=False` leaves out
    validate and checkov (a re-plan after preflight changed a variable need not repeat them);
    `reads`: the account's answers asked so far (see `account_reads`); `plan_validated`: the plan
    was just made from this stack, and `terraform plan` validates the configuration before it
    plans, with the diagnostics `terraform validate` would give, so validate is not run again."""
    context = Context(
        target=target,
        project=project,
        plan=PlanView(plan_json),
        request_increases=request_increases,
        terraform=terraform,
        reads=reads or AccountReads(),
        plan_validated=plan_validated,
    )
    report = PreflightReport()
    for family in FAMILIES:
        if family is static.check and not static_checks:
            continue
        report.checks.extend(family(context))
    report.variables.update(context.variables)
    return report


__all__ = [
    "AccountReads",
    "CheckResult",
    "PreflightReport",
    "account_reads",
    "render_table",
    "run_preflight",
    "tree_reads",
]
