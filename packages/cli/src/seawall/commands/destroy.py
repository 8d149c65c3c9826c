"""`seawall destroy`: remove an environment's stack; deletion-protected tables stay."""

from __future__ import annotations

import argparse

from seawall.commands._deploying import deployer, emit, require_approval
from seawall.errors import EXIT_OK, UsageError


def register(subcommands: argparse._SubParsersAction) -> None:
    from seawall.target import add_target_arguments  # noqa: PLC0415

    parser = subcommands.add_parser(
        "destroy",
        help="destroy an environment's stack (tables with deletion protection stay)",
        description="Destroy everything the live release created. Tables with deletion protection "
        "(prod's) are left in place and out of the state; the message says how to remove them. "
        "The releases stay in the state bucket, to deploy again from.",
    )
    add_target_arguments(parser)
    parser.add_argument("--auto-approve", action="store_true", help="do not ask")
    parser.add_argument(
        "--yes-destroy-prod", action="store_true", help="required to destroy the prod environment"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.env == "prod" and not args.yes_destroy_prod:
        raise UsageError(
            "refusing to destroy prod", hint="pass --yes-destroy-prod if you really mean it"
        )
    require_approval(args, "destroy")
    deploy, view = deployer(args)
    if not args.auto_approve and not deploy.approved(f"destroy {deploy.target.describe()}?"):
        raise UsageError("the destroy was not approved; nothing was destroyed")
    try:
        kept = deploy.destroy()
    finally:
        view.close()
    lines = [f"seawall: destroyed {deploy.target.describe()}"]
    for table in kept:
        lines.append(
            f"  kept table {table} (deletion protection); to remove it: aws dynamodb update-table "
            f"--table-name {table} --no-deletion-protection-enabled && aws dynamodb delete-table "
            f"--table-name {table}"
        )
    emit(args, {"destroyed": True, "kept_tables": kept}, "\n".join(lines))
    return EXIT_OK
