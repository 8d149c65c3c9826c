"""`seawall validate`: static checks of the Terraform code, and optionally its `terraform test`s.

`terraform fmt -check` over terraform/; every module README's inputs/outputs table is what the
module's code says (seawall.tfdocs; `nox -s docs` rewrites them); then for the stack, every module
and every module's `examples/*`: `init -backend=false` and `validate`; with `--test`, also
`terraform test` wherever a `tests/` folder holds *.tftest.hcl files (they use mock providers: no
cloud, no emulator).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from seawall.commands._common import progress, project
from seawall.errors import EXIT_FAILURE, EXIT_OK
from seawall.project import Project
from seawall.terraform import Terraform, TerraformError
from seawall.tfconfig import terraform_env
from seawall.tfdocs import stale_readmes


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "validate", help="terraform fmt -check and validate for the stack and every module"
    )
    parser.add_argument(
        "--test", action="store_true", help="also run `terraform test` where tests exist"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    current = project(args)
    env = {**os.environ, **terraform_env(args.tf_mirror, current.cli_config_path)}
    failures = 0
    try:
        Terraform(current.root / "terraform", env=env).fmt_check()
        progress("formatted: terraform/")
    except TerraformError as error:
        progress(f"terraform fmt: {error}")
        failures += 1
    for readme in stale_readmes(current.modules_dir):
        name = readme.relative_to(current.root)
        progress(f"FAILED: {name}: its inputs/outputs table is stale (run `nox -s docs`)")
        failures += 1
    with tempfile.TemporaryDirectory(prefix="seawall-validate-") as scratch:
        for root in terraform_roots(current):
            name = root.relative_to(current.root)
            data_dir = Path(scratch) / "-".join(root.relative_to(current.root).parts)
            terraform = Terraform(root, data_dir=data_dir, env=env)
            try:
                terraform.init(backend=False)
                terraform.validate()
                if args.test and any(root.glob("tests/*.tftest.hcl")):
                    terraform.test()
                    progress(f"valid and tested: {name}")
                else:
                    progress(f"valid: {name}")
            except TerraformError as error:
                progress(f"FAILED: {name}: {error}")
                failures += 1
    return EXIT_FAILURE if failures else EXIT_OK


def terraform_roots(current: Project) -> list[Path]:
    modules = sorted(path for path in current.modules_dir.glob("*") if path.is_dir())
    examples = sorted(path for path in current.modules_dir.glob("*/examples/*") if path.is_dir())
    return [current.stack_dir, *modules, *examples]
