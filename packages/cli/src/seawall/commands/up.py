"""`seawall up`: the whole stack on this machine, serving HTTP until Ctrl-C (or `--once`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from seawall.commands._common import progress, project
from seawall.errors import EXIT_FAILURE, EXIT_OK
from seawall.local import LocalStack


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "up",
        help="deploy the stack on the local emulator and serve it",
        description="Start the emulator, build the function, terraform apply, start the local "
        "gateway, run a smoke check, print a summary and serve until Ctrl-C.",
    )
    parser.add_argument(
        "--once", action="store_true", help="exit after the smoke check (0 = passed)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the gateway's port (default: a free one)"
    )
    parser.add_argument("--verbose", action="store_true", help="stream terraform's output")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    stack = LocalStack(
        project(args),
        tf_mirror=args.tf_mirror,
        gateway_port=args.port,
        on_phase=lambda name: progress(f"{name}..."),
        on_terraform_line=(lambda line: print(f"  {line}", file=sys.stderr))
        if args.verbose
        else None,
    )
    # SIGTERM ends `up` like Ctrl-C does, so the teardown below always runs.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with stack:
            result = stack.smoke()
            print(summary(stack, result.detail if result.passed else f"FAILED: {result.detail}"))
            if args.once or not result.passed:
                return EXIT_OK if result.passed else EXIT_FAILURE
            progress("serving; press Ctrl-C to stop and clean up")
            threading.Event().wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK  # pragma: no cover - the wait above only ends by an interrupt


def summary(stack: LocalStack, smoke: str) -> str:
    outputs = stack.outputs
    lines = [
        "seawall: the local stack is up",
        f"  API URL    {stack.api_url}",
        f"  API key    {stack.api_key}",
        f"  table      {outputs.get('table_name')}",
        f"  emulator   {stack.emulator.endpoint}",
        f"  smoke      {smoke}",
        f"  phases     {stack.phases.summary()}",
        f"  try        curl -H 'x-api-key: {stack.api_key}' {stack.api_url}/items",
    ]
    return "\n".join(lines)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
