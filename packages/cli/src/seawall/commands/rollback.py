"""`seawall rollback`: apply an earlier release again, from its own tree, tfvars and artifact."""

from __future__ import annotations

import argparse

from seawall.commands._deploying import deployer, emit, require_approval
from seawall.errors import EXIT_OK, UsageError


def register(subcommands: argparse._SubParsersAction) -> None:
    from seawall.target import add_target_arguments  # noqa: PLC0415

    parser = subcommands.add_parser(
        "rollback",
        help="apply an earlier release again (default: the one before the live one)",
        description="Re-apply a recorded release exactly as it was deployed (its Terraform tree, "
        "tfvars, -var values and artifact), smoke check it and make it live.",
    )
    add_target_arguments(parser)
    parser.add_argument("--to", type=int, metavar="N", help="the release to go back to")
    parser.add_argument("--auto-approve", action="store_true", help="do not ask")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    require_approval(args, "rollback")
    deploy, view = deployer(args)
    number = args.to if args.to is not None else previous_release(deploy.store)
    release = deploy.store.get(number)  # a usage error when there is no such release
    if not args.auto_approve and not deploy.approved(f"apply release {release.number} again?"):
        raise UsageError("the rollback was not approved; nothing was applied")
    try:
        detail = deploy.reapply(release.number)
    finally:
        view.close()
    emit(
        args,
        {"live": release.number, "smoke": detail},
        f"seawall: release {release.number} is live again ({detail})",
    )
    return EXIT_OK


def previous_release(store) -> int:
    live = store.live()
    earlier = [number for number in store.numbers() if live is None or number < live]
    if not earlier:
        raise UsageError(
            "there is no earlier release to roll back to",
            hint="`seawall status` lists the releases; pass --to N",
        )
    return earlier[-1]
