"""`seawall status`: an environment's releases, and which one is live."""

from __future__ import annotations

import argparse

from seawall.commands._common import project
from seawall.commands._deploying import emit
from seawall.errors import EXIT_OK


def register(subcommands: argparse._SubParsersAction) -> None:
    from seawall.target import add_target_arguments  # noqa: PLC0415

    parser = subcommands.add_parser(
        "status",
        help="list an environment's releases and show which one is live",
        description="Every successful deploy is a numbered release in the state bucket; this "
        'lists them. --json prints {"live": N, "releases": [{"number": N, ...}]}.',
    )
    add_target_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from seawall.releases import ReleaseStore  # noqa: PLC0415
    from seawall.target import target_from_args  # noqa: PLC0415

    project(args)
    target = target_from_args(args)
    store = ReleaseStore(target.client("s3"), target.backend().bucket, target.env)
    live = store.live()
    releases = [release.summary(live) for release in store.list()]
    lines = [
        f"seawall: {target.describe()}: " + (f"release {live} is live" if live else "nothing live")
    ]
    for release in releases:
        marker = "*" if release["live"] else " "
        lines.append(
            f" {marker} {release['number']:>4}  {release['created_at']}  "
            f"{release['artifact_sha256'][:12]}  {release['note']}"
        )
    emit(args, {"live": live, "releases": releases}, "\n".join(lines))
    return EXIT_OK
