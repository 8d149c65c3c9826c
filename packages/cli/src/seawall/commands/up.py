"""`seawall up`: the whole stack on this machine, serving HTTP until Ctrl-C (or `--once`)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from seawall.background import start_detached
from seawall.commands._common import progress, project
from seawall.errors import EXIT_FAILURE, EXIT_OK, UsageError
from seawall.local_stack import LocalStack
from seawall.runtime.alarms import TIME_SCALE_ENV


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "up",
        help="deploy the stack on the local emulator and serve it",
        description="Start the emulator, build the function, terraform apply (or restore the "
        "snapshot of an earlier apply with the same inputs), start the local gateway, run a smoke "
        "check, print a summary and serve until Ctrl-C.",
    )
    parser.add_argument(
        "--once", action="store_true", help="exit after the smoke check (0 = passed)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the gateway's port (default: a free one)"
    )
    parser.add_argument("--verbose", action="store_true", help="stream terraform's output")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="apply from an empty emulator, ignoring snapshots of earlier runs",
    )
    parser.add_argument(
        "--detach",
        action="store_true",
        help="keep serving in the background once up; stop it with: seawall down",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=None,
        metavar="N",
        help="let alarm periods and Firehose buffers pass N times faster than real time, so "
        "`seawall verify --drills` sees an alarm in seconds (default: $SEAWALL_LOCAL_TIME_SCALE, "
        "else 1; 60 makes a one-minute period a second)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.time_scale is not None:
        _set_time_scale(args.time_scale)
    if args.detach:
        return _detach(args)
    stack = LocalStack(
        project(args),
        tf_mirror=args.tf_mirror,
        gateway_port=args.port,
        on_phase=lambda name: progress(f"{name}..."),
        on_terraform_line=(lambda line: print(f"  {line}", file=sys.stderr))
        if args.verbose
        else None,
        fresh=args.fresh,
    )
    # SIGTERM ends `up` like Ctrl-C does, so the teardown below always runs.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with stack:
            result = stack.smoke()
            smoke = result.detail if result.passed else f"FAILED: {result.detail}"
            print(summary(stack, smoke, verbose=args.verbose))
            if args.once or not result.passed:
                return EXIT_OK if result.passed else EXIT_FAILURE
            progress("serving; press Ctrl-C to stop and clean up")
            threading.Event().wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK  # pragma: no cover - the wait above only ends by an interrupt


def summary(stack: LocalStack, smoke: str, *, verbose: bool = False) -> str:
    outputs = stack.outputs
    lines = [
        "seawall: the local stack is up",
        f"  API URL    {stack.api_url}",
        f"  API key    {stack.api_key}",
        f"  table      {outputs.get('table_name')}",
        f"  emulator   {stack.emulator.endpoint}",
        f"  smoke      {smoke}",
        f"  state      {state_origin(stack)}",
        f"  phases     {stack.phases.summary()}",
        *([f"  chain      {chain}"] if verbose and (chain := stack.critical_chain()) else []),
        *(f"  note       {note}" for note in stack.notes),
        f"  try        curl -H 'x-api-key: {stack.api_key}' {stack.api_url}/items",
    ]
    return "\n".join(lines)


def _detach(args: argparse.Namespace) -> int:
    if args.once:
        raise UsageError("--detach and --once contradict each other", hint="choose one")
    up_argv = ["up", "--port", str(args.port)]
    if args.tf_mirror:
        up_argv[:0] = ["--tf-mirror", args.tf_mirror]
    up_argv += [flag for flag, on in (("--fresh", args.fresh), ("--verbose", args.verbose)) if on]
    progress("starting in the background...")
    started = start_detached(project(args), up_argv)
    print("\n".join(started.summary))
    progress(
        f"serving in the background (pid {started.pid}, output in {started.log_path}); "
        "stop it with: seawall down"
    )
    return EXIT_OK


def state_origin(stack: LocalStack) -> str:
    if stack.restored is not None:
        return f"restored from snapshot {stack.restored.key[:12]} (nothing changed since it)"
    if stack.applied_on is not None:
        return f"applied on top of snapshot {stack.applied_on.key[:12]} (inputs changed)"
    return "applied to an empty emulator"


def _set_time_scale(scale: float) -> None:
    """The runtime (and a detached `up`) read the scale from the environment they inherit."""
    if not scale > 0:  # also refuses nan
        raise UsageError(f"--time-scale must be a positive number, not {scale}", hint="e.g. 60")
    os.environ[TIME_SCALE_ENV] = repr(scale)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
