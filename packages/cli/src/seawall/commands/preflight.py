"""`seawall preflight --env E`: build, plan, and check the plan and the account before any apply.

Exit codes: 0 every check passed or warned, 2 a check failed (nothing is applied), 1 the plan
itself failed. `--json` prints the report; otherwise a table goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from seawall.commands._common import progress, project
from seawall.errors import EXIT_OK, EXIT_USAGE
from seawall.planflow import plan_with_preflight
from seawall.preflight import render_table
from seawall.target import add_target_arguments, target_from_args


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "preflight",
        help="check quotas, names, IAM policies, timeouts and the code before deploying",
        description="Plan the stack for the environment and check the plan against the account: "
        "quotas, the log bucket's name, IAM policy sizes and least privilege, timeout ordering, "
        "alarm subscribers, terraform validate and checkov. Exit 2 when a check fails.",
    )
    add_target_arguments(parser)
    parser.add_argument(
        "--request-increases",
        action="store_true",
        help="file Service Quotas increase requests for the quotas the plan would exceed",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    target = target_from_args(args)
    progress(f"preflight for {target.describe()}")
    planned = plan_with_preflight(
        target,
        project(args),
        tf_mirror=args.tf_mirror,
        request_increases=args.request_increases,
        on_progress=lambda step: progress(f"{step}..."),
    )
    report = planned.report
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(render_table(report), file=sys.stderr)
    return EXIT_USAGE if report.failed else EXIT_OK
