"""`seawall plan --env E`: build, preflight, `terraform plan -out`, and a ten-second summary.

Exit codes as `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 an error. A failed
preflight is an error here (exit 1, "preflight FAILED" and its table on stderr, `preflight.failed`
in `--json`): a plan that must not be applied is not reported as "changes".
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from seawall.commands._common import progress, project
from seawall.errors import EXIT_FAILURE
from seawall.planflow import plan_with_preflight
from seawall.plansummary import render, summarize
from seawall.preflight import render_table
from seawall.target import add_target_arguments, target_from_args
from seawall.terraform import PLAN_CHANGES, PLAN_NO_CHANGES


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "plan",
        help="build, preflight and plan; summarise what would change (exit 0 none, 2 changes)",
        description="Build the function, plan the stack for the environment, run preflight on "
        "the plan, save it and summarise it: adds, changes, replacements and destroys by "
        "resource type, stateful replacements and destroys highlighted. Exit codes as terraform "
        "plan -detailed-exitcode: 0 no changes, 2 changes, 1 error or a failed preflight.",
    )
    add_target_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    target = target_from_args(args)
    progress(f"plan for {target.describe()}")
    planned = plan_with_preflight(
        target,
        project(args),
        tf_mirror=args.tf_mirror,
        on_progress=lambda step: progress(f"{step}..."),
    )
    summary = summarize(planned.plan.document)
    changes = planned.plan.changes  # terraform's own -detailed-exitcode, never re-derived
    report = planned.report
    if args.json:
        print(
            json.dumps(
                {
                    "changes": changes,
                    "plan_file": str(planned.plan.path),
                    "summary": summary.as_json(),
                    "preflight": report.as_json(),
                },
                indent=2,
            )
        )
    print(render_table(report), file=sys.stderr)
    print(render(summary, color=_color(sys.stderr)), file=sys.stderr)
    if report.failed:
        progress("preflight FAILED: this plan must not be applied (see the checks above)")
        return EXIT_FAILURE
    if changes:
        progress(f"saved plan: {planned.plan.path}")
    return PLAN_CHANGES if changes else PLAN_NO_CHANGES


def _color(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ
