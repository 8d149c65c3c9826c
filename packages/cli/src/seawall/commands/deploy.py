"""`seawall deploy`: build, plan, preflight, confirm, apply, smoke, canary, record a release.

Exit codes: 0 deployed (or nothing to change), 1 the deploy failed (after the automatic rollback),
2 bad usage, a failed preflight, or a plan nobody could confirm, 3 unexpected, 130 interrupted
(terraform stopped with SIGINT, so it saves the state and releases the lock).
"""

from __future__ import annotations

import argparse

from seawall.commands._common import progress, project
from seawall.commands._deploying import default_canary, deployer, emit, require_approval
from seawall.errors import EXIT_OK


def register(subcommands: argparse._SubParsersAction) -> None:
    from seawall.target import add_target_arguments  # noqa: PLC0415

    parser = subcommands.add_parser(
        "deploy",
        help="deploy the stack to an environment (AWS, or an emulator) and record a release",
        description="Build, plan, preflight, show the plan and confirm it (unless --auto-approve), "
        "apply, smoke check, run a canary (--canary, or the environment's deploy_canary), and "
        "record the release. When apply, smoke or canary fails, the last good release is applied "
        "again.",
    )
    add_target_arguments(parser)
    parser.add_argument("--auto-approve", action="store_true", help="apply without asking")
    parser.add_argument(
        "--canary",
        metavar="PERCENT:MINUTES",
        default=None,
        help="shift PERCENT of the API's traffic to the new version for MINUTES, watching its "
        "alarms (default: the environment's deploy_canary; 0:0 for none)",
    )
    parser.add_argument(
        "--no-rollback", action="store_true", help="on failure, leave the stack as it is"
    )
    parser.add_argument(
        "--keep-failed",
        action="store_true",
        help="when a first deploy fails, keep what it created instead of destroying it",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from seawall.canary import CanarySpec  # noqa: PLC0415
    from seawall.deploy import DeployOptions  # noqa: PLC0415

    require_approval(args, "plan")
    canary_text = args.canary
    if canary_text is None:
        var_file = project(args).var_file(args.env)
        canary_text = default_canary(var_file.read_text()) if var_file.is_file() else ""
    options = DeployOptions(  # bad usage is refused before anything reaches the account
        auto_approve=args.auto_approve,
        canary=CanarySpec.parse(canary_text),
        rollback=not args.no_rollback,
        keep_failed=args.keep_failed,
    )
    deploy, view = deployer(args)
    try:
        outcome = deploy.deploy(options)
    finally:
        view.close()
        deploy.phases.stop()
        progress(f"phases: {deploy.phases.summary()}")  # where the time went, failed or not
    document = {
        "environment": deploy.target.env,
        "region": deploy.target.region,
        "changed": outcome.release is not None,
        "release": outcome.release.number if outcome.release else None,
        "live": outcome.live,
        "phases": {name: round(seconds, 2) for name, seconds in deploy.phases.durations.items()},
    }
    if outcome.release:
        human = f"seawall: deployed release {outcome.release.number} to {deploy.target.describe()}"
    else:
        human = f"seawall: nothing to change; release {outcome.live} stays live"
    emit(args, document, human)
    return EXIT_OK
