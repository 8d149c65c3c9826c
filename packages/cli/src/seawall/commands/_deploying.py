"""What the commands that change a deployed stack share: the Deployer, confirmation, output."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import TYPE_CHECKING, Any

from seawall.commands._common import progress, project
from seawall.errors import UsageError

if TYPE_CHECKING:  # imported when a command runs: `seawall --help` stays quick
    from seawall.applyview import ApplyView
    from seawall.deploy import Deployer

_DEPLOY_CANARY = re.compile(r'^\s*deploy_canary\s*=\s*"([^"]*)"', re.MULTILINE)


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirm(question: str) -> bool:
    print(f"seawall: {question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def require_approval(args: argparse.Namespace, what: str) -> None:
    """Refuse before doing anything when no one can confirm and --auto-approve was not given."""
    if not args.auto_approve and not interactive():
        raise UsageError(
            f"no terminal to confirm the {what} on, and --auto-approve was not given",
            hint="run it on a terminal, or pass --auto-approve (CI)",
        )


def deployer(args: argparse.Namespace) -> tuple[Deployer, ApplyView]:
    from seawall.applyview import ApplyView  # noqa: PLC0415
    from seawall.deploy import Deployer  # noqa: PLC0415
    from seawall.target import target_from_args  # noqa: PLC0415

    target = target_from_args(args)
    view = ApplyView(sys.stderr)
    return (
        Deployer(
            target,
            project(args),
            tf_mirror=args.tf_mirror,
            say=lambda message: (view.close(), progress(message)),
            on_event=view,
            confirm=confirm if interactive() else None,
        ),
        view,
    )


def default_canary(var_file_text: str) -> str:
    """The environment's `deploy_canary` (prod: 10:5), or empty."""
    match = _DEPLOY_CANARY.search(var_file_text)
    return match.group(1) if match else ""


def emit(args: argparse.Namespace, document: dict[str, Any], human: str) -> None:
    """One JSON document on stdout with --json, else the human text."""
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(human)
