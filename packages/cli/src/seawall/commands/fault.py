"""`seawall fault set '<json>' | clear | show [--function api|worker]`: a function's fault
injection (SEAWALL_FAULT_INJECTION), on the running local stack or a deployed environment."""

from __future__ import annotations

import argparse
import json

from seawall.commands._common import progress, project
from seawall.errors import EXIT_OK
from seawall.verify.drills import switch
from seawall.verify.faults import parse_fault
from seawall.verify.target import add_arguments, target_from_args


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "fault",
        help="switch fault injection on or off for a function (see docs/function-contract.md)",
    )
    parser.add_argument("action", choices=("set", "clear", "show"))
    parser.add_argument(
        "spec",
        nargs="?",
        help='for set: the fault, e.g. \'{"mode": "throttle", "throttle_rate": 0.2}\'',
    )
    parser.add_argument("--function", choices=("api", "worker"), default="api")
    add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from seawall.errors import UsageError  # noqa: PLC0415

    if args.action == "set" and not args.spec:
        raise UsageError(
            "fault set needs the fault as JSON",
            hint='seawall fault set \'{"mode": "latency", "latency_ms": 2000}\'',
        )
    spec = parse_fault(args.spec) if args.action == "set" else None
    target = target_from_args(args, project(args))
    fault = switch(target, args.function)
    if args.action == "show":
        current = fault.show()
        print(json.dumps(current) if current else "off")
        return EXIT_OK
    version = fault.set(spec) if spec is not None else fault.clear()
    where = f"version {version} behind the live alias" if version else "$LATEST"
    state = json.dumps(spec) if spec else "off"
    progress(
        f"{fault.function_name}: fault {state} ({where}); new execution environments pick it up"
    )
    return EXIT_OK
