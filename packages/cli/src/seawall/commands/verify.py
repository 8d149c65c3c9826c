"""`seawall verify`: prove every failure mode of docs/failure-modes.md on a running stack."""

from __future__ import annotations

import argparse
import sys

from seawall.commands._common import progress, project
from seawall.errors import EXIT_FAILURE, EXIT_OK, UsageError
from seawall.verify.catalog import load_catalog
from seawall.verify.reports.terminal import MARKS, to_table
from seawall.verify.session import select, verify, write_reports
from seawall.verify.target import add_arguments, target_from_args


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "verify",
        help="check every failure mode's mitigation on the running stack (--drills: inject faults)",
    )
    add_arguments(parser)
    parser.add_argument(
        "--drills",
        action="store_true",
        help="also run the fault drills (they switch faults on, then off)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SCENARIO",
        help="only this scenario's checks (repeatable)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="CHECK",
        help="leave this check out (repeatable)",
    )
    parser.add_argument(
        "--report",
        type=lambda p: __import__("pathlib").Path(p),
        default=None,
        metavar="DIR",
        help="write verify.json, verify.junit.xml and verify.html there",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    current = project(args)
    catalog = load_catalog(current.root)
    try:
        checks = select(catalog, only=args.only, skip=args.skip, drills=args.drills)
    except KeyError as error:
        raise UsageError(str(error.args[0])) from None
    target = target_from_args(args, current)
    progress(f"verifying {target.name} ({target.api_url}): {len(checks)} checks")

    def show(result) -> None:
        progress(f"{MARKS[result.status]:<5} {result.check_id} ({result.duration_s:.1f} s)")

    document = verify(catalog, checks, target, on_result=show)
    print(to_table(document))
    if args.report is not None:
        paths = write_reports(document, args.report)
        for kind, path in paths.items():
            print(f"report ({kind}): {path}", file=sys.stdout)
    return EXIT_OK if document["passed"] else EXIT_FAILURE
