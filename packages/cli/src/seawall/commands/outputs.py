"""`seawall outputs`: the deployed stack's outputs, for the local stack `seawall up` serves."""

from __future__ import annotations

import argparse
import json

from seawall.commands._common import project
from seawall.errors import EXIT_OK, SeawallError
from seawall.local_stack import read_session, session_connection, stack_terraform


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "outputs",
        help="print the running local stack's outputs (API URL, API key, table, ...)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    current = project(args)
    session = read_session(current)
    if session is None:
        raise SeawallError("no local stack is running", hint="start one with: seawall up")
    values = stack_terraform(current, session_connection(session), args.tf_mirror).outputs()
    # The stack's api_url names API Gateway's host, which only exists on AWS; locally the
    # gateway serves the same stage at its own address.
    values["api_url"] = session["gateway"]["url"]
    values["emulator_endpoint"] = session["emulator"]["url"]
    if args.json:
        print(json.dumps(values, indent=2, sort_keys=True))
    else:
        for name in sorted(values):
            print(f"{name} = {json.dumps(values[name])}")
    return EXIT_OK
