"""The `seawall` command: `main(argv) -> exit code`; one module per subcommand in `commands/`."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from seawall import __version__
from seawall.commands import (
    bootstrap,
    build,
    deploy,
    destroy,
    down,
    fault,
    loadtest,
    outputs,
    plan,
    preflight,
    restore_data,
    rollback,
    status,
    up,
    validate,
    verify,
)
from seawall.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_UNEXPECTED, SeawallError
from seawall.tfconfig import MIRROR_ENV, mirror_from_env

# What the commands below do, and nothing they do not (a test checks the verbs against COMMANDS).
DESCRIPTION = (
    "Build and validate a serverless API's Terraform stack, run it on a local emulator, plan and "
    "deploy it to AWS (releases, rollback, destroy), and verify, load-test and break it."
)
COMMANDS = (up, outputs, build, validate, loadtest, verify, fault, bootstrap, preflight, plan, down)
COMMANDS += (deploy, status, rollback, destroy, restore_data)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="seawall",
        description=DESCRIPTION,
    )
    root.add_argument("--version", action="version", version=f"seawall {__version__}")
    root.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="the seawall checkout to work on (default: the one containing the current directory)",
    )
    root.add_argument(
        "--tf-mirror",
        default=mirror_from_env(),
        help=f"a filesystem mirror of Terraform providers, for machines without registry access "
        f"(default: ${MIRROR_ENV}; without one, Terraform's own settings apply)",
    )
    subcommands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subcommands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on bad usage and 0 for --help/--version
        return int(exit_.code or 0)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("seawall: interrupted; everything started was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SeawallError as error:
        print(f"seawall: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception as error:
        if refusal := _aws_refusal(error):
            print(f"seawall: error: {refusal}", file=sys.stderr)
            return EXIT_FAILURE
        log = _write_crash_log(traceback.format_exc())
        print(f"seawall: unexpected error (a bug); the traceback is in {log}", file=sys.stderr)
        return EXIT_UNEXPECTED


def _aws_refusal(error: Exception) -> str | None:
    """What AWS said, when an AWS call no command handled failed (AccessDenied, a quota, a KMS
    refusal, an endpoint that went away): a failure the user acts on, not a bug. Recognised by
    where the exception comes from, so that botocore is not imported just to look."""
    if not type(error).__module__.startswith("botocore."):
        return None
    hint = "\n  -> check the credentials' permissions, the region and the endpoint, then run again"
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        details = response["Error"]
        operation = getattr(error, "operation_name", None) or "a call"
        return f"AWS refused {operation}: {details.get('Code')}: {details.get('Message')}{hint}"
    return f"an AWS call failed: {error}{hint}"


def _write_crash_log(text: str) -> Path:
    directory = Path(tempfile.gettempdir()) / "seawall"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.log"
    path.write_text(text)
    return path


__all__ = ["main"]
