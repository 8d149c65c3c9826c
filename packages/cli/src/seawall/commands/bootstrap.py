"""`seawall bootstrap --env E`: what an account and region need before the first deploy there.

The state bucket `seawall-tfstate-<account>-<region>` (versioned, encrypted, private, TLS-only on
AWS, S3 native state locks) and API Gateway's account-wide CloudWatch logging role. Idempotent:
run it again and it repairs what drifted, or says that nothing changed.
"""

from __future__ import annotations

import argparse
import json

from seawall.bootstrap import bootstrap
from seawall.commands._common import progress
from seawall.errors import EXIT_OK
from seawall.target import add_target_arguments, target_from_args


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "bootstrap",
        help="create the state bucket and the account's API Gateway logging role (idempotent)",
        description="Create or repair, once per account and region: the Terraform state bucket "
        "(versioned, encrypted, private, TLS-only, S3 native locks) and the CloudWatch role API "
        "Gateway writes execution logs with.",
    )
    add_target_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    target = target_from_args(args)
    progress(f"bootstrapping {target.describe()}")
    result = bootstrap(target)
    for change in result.changes:
        progress(f"  {change}")
    if not result.changes:
        progress("  nothing to change: already bootstrapped")
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        progress(
            f"state bucket {result.backend.bucket} (key {result.backend.key}, S3 native locks)"
        )
    return EXIT_OK
