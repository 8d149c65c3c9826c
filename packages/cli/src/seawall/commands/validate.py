"""`seawall validate`: static checks of the Terraform code (fmt; init and validate per module)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from seawall.commands._common import progress, project
from seawall.errors import EXIT_FAILURE, EXIT_OK
from seawall.terraform import Terraform, TerraformError
from seawall.tfconfig import terraform_env


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "validate", help="terraform fmt -check and validate for the stack and every module"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    current = project(args)
    env_additions = terraform_env(args.tf_mirror, current.cli_config_path)
    roots = [current.stack_dir, *sorted(p for p in current.modules_dir.glob("*") if p.is_dir())]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="seawall-validate-") as scratch:
        env = {**os.environ, **env_additions}
        try:
            Terraform(current.root / "terraform", env=env).fmt_check()
        except TerraformError as error:
            progress(f"terraform fmt: {error}")
            failures += 1
        for root in roots:
            terraform = Terraform(root, data_dir=Path(scratch) / root.name, env=env)
            try:
                terraform.init(backend=False)
                terraform.validate()
                progress(f"valid: {root.relative_to(current.root)}")
            except TerraformError as error:
                progress(f"invalid: {root.relative_to(current.root)}: {error}")
                failures += 1
    return EXIT_FAILURE if failures else EXIT_OK
