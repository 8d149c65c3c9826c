"""What several subcommands share: finding the project, printing progress."""

from __future__ import annotations

import argparse
import sys

from seawall.project import Project


def project(args: argparse.Namespace) -> Project:
    return Project.locate(args.project_dir)


def progress(message: str) -> None:
    print(f"seawall: {message}", file=sys.stderr, flush=True)
