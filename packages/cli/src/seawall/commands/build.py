"""`seawall build`: the reproducible Lambda artifact, into the content-addressed store."""

from __future__ import annotations

import argparse
import json

from seawall.build import build_artifact
from seawall.build_cache import cached_artifact
from seawall.commands._common import project
from seawall.errors import EXIT_OK


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("build", help="build the Lambda zip (reproducible)")
    parser.add_argument("--json", action="store_true", help="print path, sha256 and size as JSON")
    parser.add_argument(
        "--no-cache", action="store_true", help="rebuild even if the sources have not changed"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    current = project(args)
    build = build_artifact if args.no_cache else cached_artifact
    artifact = build(current.root, current.artifact_store)
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(artifact.path),
                    "sha256": artifact.sha256_hex,
                    "code_sha256": artifact.sha256_base64,
                    "size": artifact.size,
                }
            )
        )
    else:
        print(f"{artifact.path}  {artifact.size} bytes  CodeSha256 {artifact.sha256_base64}")
    return EXIT_OK
