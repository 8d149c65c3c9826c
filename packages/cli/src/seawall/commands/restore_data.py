"""`seawall restore-data`: fill an environment's table in a new region from the old region."""

from __future__ import annotations

import argparse
import dataclasses

from seawall.commands._common import progress, project
from seawall.commands._deploying import emit
from seawall.errors import EXIT_OK, UsageError


def register(subcommands: argparse._SubParsersAction) -> None:
    from seawall.target import add_target_arguments  # noqa: PLC0415

    parser = subcommands.add_parser(
        "restore-data",
        help="fill the table of a region move from the old region's latest backup or PITR",
        description="After `seawall deploy --region R2`, copy the data of --from-region's table "
        "(its latest backup, else its latest restorable point in time) into R2's table. Says so "
        "when a configured replica already holds the data.",
    )
    add_target_arguments(parser)
    parser.add_argument("--from-region", required=True, help="the region the data is in")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from seawall.releases import ReleaseStore  # noqa: PLC0415
    from seawall.restore import restore_table  # noqa: PLC0415
    from seawall.target import target_from_args  # noqa: PLC0415

    project(args)
    target = target_from_args(args)
    if args.from_region == target.region:
        raise UsageError("--from-region and --region are the same region")
    old = dataclasses.replace(target, region=args.from_region)
    tables = []
    for where in (target, old):
        store = ReleaseStore(where.client("s3"), where.backend().bucket, where.env)
        live = store.last_good()
        if live is None:
            raise UsageError(
                f"nothing of {where.env} is live in {where.region}",
                hint=f"deploy it there first: seawall deploy --env {where.env} "
                f"--region {where.region}",
            )
        tables.append(str(live.outputs["table_name"]))
    progress(f"restoring {tables[1]} ({old.region}) into {tables[0]} ({target.region})...")
    result = restore_table(
        old.client("dynamodb"),
        target.client("dynamodb"),
        tables[0],
        source_table=tables[1],
        target_region=target.region,
    )
    emit(
        args,
        {"source": result.source, "items": result.items, "table": tables[0]},
        f"seawall: {result.detail}",
    )
    return EXIT_OK
